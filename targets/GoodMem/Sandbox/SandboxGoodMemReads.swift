import BackfillSandbox
import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension SandboxGoodMemRoutes {
    // MARK: Reads

    func batchGet(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 16 * 1024 * 1024)
        guard let fields = WireValue.parse(body.readableBytesView)?.object else {
            return Self.invalid([GoodMemProblem(field: "body", message: "the body is not a JSON object")])
        }
        guard case .array(let ids)? = fields["memoryIds"], !ids.isEmpty else {
            return Self.invalid(
                [GoodMemProblem(field: "memoryIds", message: "memoryIds must be an array of at least 1 id")])
        }
        var includeContent = false
        if case .bool(let value)? = fields["includeContent"] ?? fields["include_content"] { includeContent = value }
        let normalized = ids.map { $0.string.flatMap(GoodMemValidator.normalizedUUID) }
        let found = try await store.goodmemMemories(ids: normalized.compactMap { $0 })
        let window = self.window(now: Self.nowMillis())
        let results: [JSONValue] = zip(ids, normalized).map { submitted, id in
            guard let id else {
                var item: [String: JSONValue] = [
                    "success": success(false),
                    "error": itemError(.invalid("memoryId must be a UUID")),
                ]
                if let text = submitted.string { item["memoryId"] = .string(text) }
                return .object(item)
            }
            guard let memory = found[id] else {
                return ["success": success(false), "memoryId": .string(id), "error": itemError(.notFound(nil))]
            }
            return [
                "success": success(true), "memoryId": .string(id),
                "memory": Self.memoryJSON(
                    memory, status: status(of: memory, window: window), includeContent: includeContent),
            ]
        }
        return SandboxHTTP.json(.ok, JSONValue.object(["results": .array(results)]))
    }

    func get(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let raw = context.parameters.get("memoryId") ?? ""
        guard let id = GoodMemValidator.normalizedUUID(raw) else {
            return Self.invalid([GoodMemProblem(field: "id", message: "the memory id must be a UUID")])
        }
        guard let memory = try await store.goodmemMemories(ids: [id])[id] else {
            return Self.error(.notFound, "NOT_FOUND: memory \(id)")
        }
        let processing = status(of: memory, window: window(now: Self.nowMillis()))
        return SandboxHTTP.json(
            .ok,
            Self.memoryJSON(
                memory, status: processing, includeContent: Self.flag(request, "includeContent", "include_content")))
    }

    func list(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let rawSpace = context.parameters.get("spaceId") ?? ""
        guard let spaceID = GoodMemValidator.normalizedUUID(rawSpace) else {
            return Self.invalid([GoodMemProblem(field: "spaceId", message: "spaceId must be a UUID")])
        }
        var problems: [GoodMemProblem] = []
        // Defaults to 50 and is clamped to 1...500, as the SDK documents.
        let limit =
            Self.clampedSize(
                Self.query(request, "maxResults", "max_results"), default: Self.defaultListResults,
                maximum: Self.maxListResults) ?? 0
        if limit == 0 {
            problems.append(GoodMemProblem(field: "maxResults", message: "maxResults must be an integer"))
        }
        var after: Int64 = 0
        if let token = Self.query(request, "nextToken", "next_token"), !token.isEmpty {
            if let seq = SandboxCursor.decode(token) {
                after = seq
            } else {
                problems.append(
                    GoodMemProblem(field: "nextToken", message: "nextToken is not a token this server gave"))
            }
        }
        let statusFilter = Self.statusFilter(request, problems: &problems)
        guard problems.isEmpty else { return Self.invalid(problems) }
        guard try await store.goodmemSpaceExists(spaceID) else {
            return Self.error(.notFound, "NOT_FOUND: space \(spaceID)")
        }
        let window = self.window(now: Self.nowMillis())
        let includeContent = Self.flag(request, "includeContent", "include_content")
        var page = try await store.goodmemList(
            space: spaceID, after: after, limit: limit + 1, status: statusFilter, window: window)
        var next: JSONValue = .null
        if page.count > limit {
            page.removeLast(page.count - limit)
            if let last = page.last { next = .string(SandboxCursor.encode(last.seq)) }
        }
        return SandboxHTTP.json(
            .ok,
            JSONValue.object([
                "memories": .array(
                    page.map {
                        Self.memoryJSON($0, status: status(of: $0, window: window), includeContent: includeContent)
                    }),
                "nextToken": next,
            ]))
    }

    func delete(_ context: SandboxRequestContext) async throws -> Response {
        let raw = context.parameters.get("memoryId") ?? ""
        guard let id = GoodMemValidator.normalizedUUID(raw), try await store.goodmemDelete(id: id) else {
            return Self.error(.notFound, "NOT_FOUND: memory \(raw)")
        }
        return Response(status: .noContent)
    }

    /// `statusFilter`: one of GoodMem's processing statuses, any case.
    static func statusFilter(_ request: Request, problems: inout [GoodMemProblem]) -> String? {
        var statusFilter: String?
        if let text = query(request, "statusFilter", "status_filter"), !text.isEmpty {
            let upper = text.uppercased()
            if ["PENDING", "PROCESSING", "COMPLETED", "FAILED"].contains(upper) {
                statusFilter = upper
            } else {
                problems.append(
                    GoodMemProblem(
                        field: "statusFilter", message: "statusFilter must be PENDING, PROCESSING, COMPLETED or FAILED")
                )
            }
        }
        return statusFilter
    }
}
