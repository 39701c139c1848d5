import BackfillSandbox
import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Checks Mielto's `Authorization: Bearer <key>` or `X-API-Key: <key>` and counts requests on Mielto's fault
/// injector (never echoing the key).
struct SandboxMieltoAuthMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    static let apiKeyField = HTTPField.Name("X-API-Key") ?? .authorization

    let apiKey: String?
    let injector: SandboxFaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        injector.countRequest()
        guard authorized(request.headers) else {
            return SandboxMieltoRoutes.detail(.unauthorized, "invalid or missing API key")
        }
        return try await next(request, context)
    }

    private func authorized(_ headers: HTTPFields) -> Bool {
        var keys: [String] = []
        if let header = headers[.authorization] {
            let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if parts.count == 2, parts[0].lowercased() == "bearer" {
                keys.append(parts[1].trimmingCharacters(in: .whitespaces))
            }
        }
        if let key = headers[Self.apiKeyField] { keys.append(key.trimmingCharacters(in: .whitespaces)) }
        return keys.contains { key in
            if let apiKey { return sandboxSecretsMatch(key, apiKey) }
            return !key.isEmpty
        }
    }
}

/// Mielto's REST contract under `/mielto/api/v1` (docs/API-CONTRACTS.md and the official `mielto` SDK's models): create
/// (never deduplicated), get, search, list by cursor (`sort_by`, `sort_order`), delete; admin listing under
/// `/_sandbox/mielto`.
struct SandboxMieltoRoutes: Sendable {
    let configuration: SandboxConfiguration
    let store: SandboxStore
    let injector: SandboxFaultInjector
    let credits: SandboxCreditMeter
    let logger: Logger

    static let memoryTypes = ["user", "agent", "team", "workflow"]
    static let maxListLimit = 100
    static let defaultListLimit = 20
    static let maxSearchLimit = 100
    static let defaultSearchLimit = 10
    static let workspaceField = HTTPField.Name("X-Workspace-Id") ?? .via

    func add(to router: Router<SandboxRequestContext>) {
        let auth = SandboxMieltoAuthMiddleware(apiKey: configuration.mieltoAPIKey, injector: injector)
        let api = router.group("mielto/api/v1").add(middleware: auth)
        api.post("memories") { request, context in try await create(request, context) }
        // Reads (the listing the client verifies and reconciles with, get, search) go through the same injector as
        // the create, as a middleware: 500/503, resets and 429s.
        let reads = api.group().add(
            middleware: SandboxFaultMiddleware(
                injector: injector, kind: .read, logger: logger, render: Self.faultResponse))
        reads.get("memories") { request, _ in try await list(request) }
        reads.post("memories/search") { request, _ in try await search(request) }
        reads.get("memories/:memory_id") { request, context in try await get(request, context) }
        api.delete("memories/:memory_id") { request, context in try await delete(request, context) }

        router.group("_sandbox/mielto").get("memories") { _, _ in
            SandboxHTTP.json(.ok, ["memories": try await store.mieltoRecords()])
        }
    }

    // MARK: Wire helpers

    /// `{"detail": message}`, with `error_code` when given.
    static func detail(
        _ status: HTTPResponse.Status, _ message: String, errorCode: String? = nil, headers: HTTPFields = [:]
    ) -> Response {
        var body: [String: JSONValue] = ["detail": .string(message)]
        if let errorCode { body["error_code"] = .string(errorCode) }
        return SandboxHTTP.json(status, JSONValue.object(body), headers: headers)
    }

    /// 422 in FastAPI's shape: `{"detail":[{"loc","msg","type"}]}`.
    static func unprocessable(_ problems: [MieltoProblem], headers: HTTPFields = [:]) -> Response {
        SandboxHTTP.json(
            .unprocessableContent,
            JSONValue.object([
                "detail": .array(
                    problems.map { ["loc": .array($0.loc), "msg": .string($0.msg), "type": .string($0.type)] })
            ]), headers: headers)
    }

    private static func faultResponse(_ answer: SandboxFaultAnswer, _ headers: HTTPFields) -> Response {
        switch answer {
        case .rateLimited(let retryAfter):
            return detail(
                .tooManyRequests, "rate limit exceeded; retry after \(retryAfter) s", errorCode: "RATE_LIMITED",
                headers: headers)
        case .failed(let status):
            return detail(.init(code: status), "sandbox injected failure", headers: headers)
        case .acceptedThenFailed:
            return detail(.serviceUnavailable, "sandbox injected failure after storing", headers: headers)
        }
    }

    static func memoryJSON(_ memory: MieltoMemory) -> JSONValue {
        [
            "memory_id": .string(memory.memoryID), "user_id": .string(memory.userID),
            "memory": .string(memory.memory), "memory_type": .string(memory.memoryType),
            "topics": .array(memory.topics.map(JSONValue.string)), "metadata": memory.metadata,
            "created_at": .string(Timestamp.format(memory.createdAt)),
            "updated_at": .string(Timestamp.format(memory.createdAt)),
            "workspace_id": SandboxHTTP.optional(memory.workspaceID),
        ]
    }

    private static func workspace(_ request: Request) -> String? {
        guard let value = request.headers[workspaceField]?.trimmingCharacters(in: .whitespaces), !value.isEmpty
        else { return nil }
        return value
    }

    // MARK: Create

    private func create(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let admission: SandboxAdmission
        switch try await injector.admit(context, logger: logger, render: Self.faultResponse) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = admission.headers
        let body = try await request.body.collect(upTo: SandboxBodyLimits.maxSingleBodyBytes(configuration))
        store.received.record("mielto", request, body)
        guard let value = WireValue.parse(body.readableBytesView) else {
            return Self.unprocessable(
                [MieltoProblem(loc: ["body"], msg: "the body is not valid JSON", type: "value_error.jsondecode")],
                headers: headers)
        }
        let checked: MieltoNewMemory
        switch MieltoValidator(maxMemoryBytes: configuration.maxDocumentBytes).check(
            value, workspaceID: Self.workspace(request))
        {
        case .success(let memory): checked = memory
        case .failure(let rejection): return Self.unprocessable(rejection.problems, headers: headers)
        }
        guard credits.take() else {
            return Self.detail(
                .init(code: 402, reasonPhrase: "Payment Required"), "credit limit exceeded",
                errorCode: "CREDIT_LIMIT_EXCEEDED", headers: headers)
        }
        let memory: MieltoMemory
        do {
            memory = try await store.mieltoCreate(checked, at: Date())
        } catch {
            credits.giveBack()
            throw error
        }
        if admission.acceptThenFail {
            return SandboxFaultInjector.acceptedThenFailed(admission, render: Self.faultResponse)
        }
        return SandboxHTTP.json(
            .ok,
            JSONValue.object([
                "memory_id": .string(memory.memoryID), "message": "Memory created", "memory": Self.memoryJSON(memory),
            ]), headers: headers)
    }

    // MARK: Reads

    private func list(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        var problems: [MieltoProblem] = []
        let limit = Self.listLimit(query.get("limit"), problems: &problems)
        var after: Int64 = 0
        if let cursor = query.get("cursor"), !cursor.isEmpty {
            if let seq = SandboxCursor.decode(cursor) {
                after = seq
            } else {
                problems.append(
                    MieltoProblem(loc: ["query", "cursor"], msg: "invalid cursor", type: "value_error"))
            }
        }
        // Created and updated times are equal here (memories are never updated), so both sort the same way.
        if let sortBy = query.get("sort_by"), !["created_at", "updated_at"].contains(sortBy) {
            problems.append(
                MieltoProblem(
                    loc: ["query", "sort_by"], msg: "sort_by must be created_at or updated_at", type: "value_error"))
        }
        let sortOrder = query.get("sort_order") ?? "asc"
        if !["asc", "desc"].contains(sortOrder) {
            problems.append(
                MieltoProblem(loc: ["query", "sort_order"], msg: "sort_order must be asc or desc", type: "value_error"))
        }
        guard problems.isEmpty else { return Self.unprocessable(problems) }
        let userID = query.get("user_id").flatMap { $0.isEmpty ? nil : $0 }
        var page = try await store.mieltoList(
            userID: userID, workspaceID: Self.workspace(request), after: after, limit: limit + 1,
            descending: sortOrder == "desc")
        var next: JSONValue = .null
        let hasMore = page.count > limit
        if hasMore {
            page.removeLast(page.count - limit)
            if let last = page.last { next = .string(SandboxCursor.encode(last.seq)) }
        }
        return SandboxHTTP.json(
            .ok,
            JSONValue.object([
                "data": .array(page.map(Self.memoryJSON)), "next_cursor": next, "has_more": .bool(hasMore),
            ]))
    }

    /// The memory, or nil when it does not exist or belongs to another user or workspace than the request names.
    private func visible(_ id: String, _ request: Request) async throws -> MieltoMemory? {
        guard let memory = try await store.mieltoMemory(id: id) else { return nil }
        if let user = request.uri.queryParameters.get("user_id"), !user.isEmpty, user != memory.userID { return nil }
        if let workspace = Self.workspace(request), workspace != memory.workspaceID { return nil }
        return memory
    }

    private func get(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        guard let memory = try await visible(context.parameters.get("memory_id") ?? "", request) else {
            return Self.detail(.notFound, "memory not found")
        }
        return SandboxHTTP.json(.ok, Self.memoryJSON(memory))
    }

    /// `POST /memories/search {query, user_id?, limit 1...100 (10), retrieval_method ("agentic")}`: memories holding
    /// any word of the query (case-insensitive), most words first, then newest first.
    private func search(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1024 * 1024)
        guard let fields = WireValue.parse(body.readableBytesView)?.object else {
            return Self.unprocessable(
                [MieltoProblem(loc: ["body"], msg: "value is not a valid dict", type: "type_error.dict")])
        }
        var problems: [MieltoProblem] = []
        let query = fields["query"]?.string ?? ""
        if fields["query"]?.string == nil {
            problems.append(MieltoProblem(loc: ["body", "query"], msg: "field required", type: "value_error.missing"))
        }
        var limit = Self.defaultSearchLimit
        switch fields["limit"] {
        case nil, .null?: break
        case .integer(let value)? where (1...Int64(Self.maxSearchLimit)).contains(value): limit = Int(value)
        default:
            problems.append(
                MieltoProblem(
                    loc: ["body", "limit"], msg: "ensure this value is from 1 to \(Self.maxSearchLimit)",
                    type: "value_error.number"))
        }
        var userID: String?
        switch fields["user_id"] {
        case nil, .null?: break
        case .string(let value)?: userID = value.isEmpty ? nil : value
        default:
            problems.append(MieltoProblem(loc: ["body", "user_id"], msg: "str type expected", type: "type_error.str"))
        }
        let method = fields["retrieval_method"]?.string ?? "agentic"
        guard problems.isEmpty else { return Self.unprocessable(problems) }
        let words = Set(query.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber }).map(String.init))
        var scored: [(score: Int, memory: MieltoMemory)] = []
        var after: Int64 = 0
        while true {
            let page = try await store.mieltoList(
                userID: userID, workspaceID: Self.workspace(request), after: after, limit: 1000)
            for memory in page {
                let text = memory.memory.lowercased()
                let score = words.filter { text.contains($0) }.count
                if score > 0 { scored.append((score, memory)) }
            }
            guard page.count == 1000, let last = page.last else { break }
            after = last.seq
        }
        scored.sort { $0.score != $1.score ? $0.score > $1.score : $0.memory.seq > $1.memory.seq }
        let found = scored.prefix(limit).map { Self.memoryJSON($0.memory) }
        return SandboxHTTP.json(
            .ok,
            JSONValue.object([
                "memories": .array(found), "total_results": .integer(Int64(found.count)), "query": .string(query),
                "retrieval_method": .string(method),
            ]))
    }

    /// 204 on success, as the SDK documents.
    private func delete(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let id = context.parameters.get("memory_id") ?? ""
        guard try await visible(id, request) != nil, try await store.mieltoDelete(id: id) else {
            return Self.detail(.notFound, "memory not found")
        }
        return Response(status: .noContent)
    }

    /// `limit`: 1...100, default 20 (FastAPI's messages).
    static func listLimit(_ text: String?, problems: inout [MieltoProblem]) -> Int {
        var limit = Self.defaultListLimit
        if let text {
            if let value = Int(text) {
                if value < 1 {
                    problems.append(
                        MieltoProblem(
                            loc: ["query", "limit"], msg: "ensure this value is greater than or equal to 1",
                            type: "value_error.number.not_ge"))
                } else if value > Self.maxListLimit {
                    problems.append(
                        MieltoProblem(
                            loc: ["query", "limit"],
                            msg: "ensure this value is less than or equal to \(Self.maxListLimit)",
                            type: "value_error.number.not_le"))
                } else {
                    limit = value
                }
            } else {
                problems.append(
                    MieltoProblem(
                        loc: ["query", "limit"], msg: "value is not a valid integer", type: "type_error.integer"))
            }
        }
        return limit
    }
}
