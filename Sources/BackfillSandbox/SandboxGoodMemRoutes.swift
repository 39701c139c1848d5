import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// Checks GoodMem's `x-api-key: gm_…` and counts requests on GoodMem's fault injector (never echoing the key).
struct SandboxGoodMemAuthMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    static let apiKeyField = HTTPField.Name("x-api-key") ?? .authorization

    let apiKey: String?
    let injector: SandboxFaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        injector.countRequest()
        guard let given = request.headers[Self.apiKeyField], authorized(given) else {
            return SandboxGoodMemRoutes.error(.unauthorized, "invalid or missing API key")
        }
        return try await next(request, context)
    }

    private func authorized(_ given: String) -> Bool {
        if let apiKey { return sandboxSecretsMatch(given, apiKey) }
        return given.hasPrefix("gm_") && given.count > "gm_".count
    }
}

/// GoodMem's REST contract under `/goodmem/v1` (docs/API-CONTRACTS.md and the official `goodmem` SDK's models): spaces
/// (create, get, list with `nameFilter` and paging), single and batch create, get, batchGet, listing by space, delete;
/// admin listing under `/_sandbox/goodmem`. Query parameters are read in both spellings a gRPC gateway accepts
/// (`maxResults` / `max_results`), and `originalContent` is returned base64-encoded (a bytes field) and only when
/// `includeContent` asks for it.
struct SandboxGoodMemRoutes: Sendable {
    let configuration: SandboxConfiguration
    let store: SandboxStore
    let injector: SandboxFaultInjector
    let logger: Logger

    static let maxMetadataProperties = 50
    static let maxListResults = 500
    static let defaultListResults = 50
    static let maxSpaceResults = 1000
    static let defaultSpaceResults = 50
    /// The principal every sandbox space and memory is owned, created and updated by.
    static let principalID = "00000000-0000-4000-8000-00000000a11e"
    /// The one embedder the sandbox offers (`GET /v1/embedders`); a space must name it.
    static let embedderID = "00000000-0000-4000-8000-0000000e1bed"

    private var options: SandboxGoodMemOptions { configuration.goodmem }

    func add(to router: Router<SandboxRequestContext>) {
        let auth = SandboxGoodMemAuthMiddleware(apiKey: configuration.goodmemAPIKey, injector: injector)
        let api = router.group("goodmem/v1").add(middleware: auth)
        // Memory creates admit themselves (they store, then may answer 503); every other route the client calls
        // goes through the same injector as a middleware: reads (spaces, batchGet, listing) get 500/503, resets
        // and 429s, the space create (a write) accept-then-fail too.
        let reads = api.group().add(
            middleware: SandboxFaultMiddleware(
                injector: injector, kind: .read, logger: logger, render: Self.faultResponse))
        let writes = api.group().add(
            middleware: SandboxFaultMiddleware(
                injector: injector, kind: .write, logger: logger, render: Self.faultResponse))
        reads.get("embedders") { _, _ in Self.listEmbedders() }
        reads.get("spaces") { request, _ in try await listSpaces(request) }
        writes.post("spaces") { request, _ in try await createSpace(request) }
        reads.get("spaces/:spaceId") { _, context in try await getSpace(context) }
        api.post("memories") { request, context in try await create(request, context) }
        api.post("memories:batchCreate") { request, context in try await batchCreate(request, context) }
        reads.post("memories:batchGet") { request, _ in try await batchGet(request) }
        reads.get("memories/:memoryId") { request, context in try await get(request, context) }
        reads.get("spaces/:spaceId/memories") { request, context in try await list(request, context) }
        api.delete("memories/:memoryId") { _, context in try await delete(context) }

        router.group("_sandbox/goodmem").get("memories") { _, _ in
            SandboxHTTP.json(.ok, ["memories": try await store.goodmemRecords()])
        }
    }

    // MARK: Wire helpers

    /// `{"error": message}`.
    static func error(_ status: HTTPResponse.Status, _ message: String, headers: HTTPFields = [:]) -> Response {
        SandboxHTTP.json(status, JSONValue.object(["error": .string(message)]), headers: headers)
    }

    /// 400 `{"errors":[{"field","message"}]}`.
    static func invalid(_ problems: [GoodMemProblem], headers: HTTPFields = [:]) -> Response {
        SandboxHTTP.json(
            .badRequest,
            JSONValue.object([
                "errors": .array(
                    problems.map { ["field": .string($0.field), "message": .string($0.message)] })
            ]), headers: headers)
    }

    private static func faultResponse(_ answer: SandboxFaultAnswer, _ headers: HTTPFields) -> Response {
        switch answer {
        case .rateLimited(let retryAfter):
            return error(
                .tooManyRequests, "RESOURCE_EXHAUSTED: rate limit exceeded; retry after \(retryAfter) s",
                headers: headers)
        case .failed(let status):
            return error(
                .init(code: status),
                status == 503 ? "UNAVAILABLE: sandbox injected failure" : "INTERNAL: sandbox injected failure",
                headers: headers)
        case .acceptedThenFailed:
            return error(.serviceUnavailable, "UNAVAILABLE: sandbox injected failure after storing", headers: headers)
        }
    }

    private var maxBodyBytes: Int { SandboxOtherTargetLimits.maxBatchBodyBytes(configuration) }

    private static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    private func window(now: Int64) -> GoodMemStatusWindow {
        GoodMemStatusWindow(
            processingBefore: now - Int64(configuration.processingAfter.seconds * 1000),
            completedBefore: now - Int64(configuration.completedAfter.seconds * 1000))
    }

    private func status(of memory: GoodMemMemory, window: GoodMemStatusWindow) -> String {
        if memory.createdAt <= window.completedBefore { return "COMPLETED" }
        if memory.createdAt <= window.processingBefore { return "PROCESSING" }
        return "PENDING"
    }

    /// The SDK's `Memory`: `originalContent` is a bytes field (base64 on the wire), present only when asked for.
    static func memoryJSON(_ memory: GoodMemMemory, status: String, includeContent: Bool = false) -> JSONValue {
        let bytes: Data
        switch memory.content {
        case .text(let text): bytes = Data(text.utf8)
        case .bytes(let data): bytes = data
        }
        var fields: [String: JSONValue] = [
            "memoryId": .string(memory.memoryID), "spaceId": .string(memory.spaceID),
            "contentType": .string(memory.contentType), "metadata": memory.metadata,
            "processingStatus": .string(status), "createdAt": .integer(memory.createdAt),
            "updatedAt": .integer(memory.updatedAt), "pageImageStatus": "UNSPECIFIED", "pageImageCount": 0,
            "createdById": .string(principalID), "updatedById": .string(principalID),
            "originalContentLength": .integer(Int64(bytes.count)),
            "originalContentSha256": .string(ContentHash.sha256Hex(bytes)),
        ]
        if includeContent { fields["originalContent"] = .string(bytes.base64EncodedString()) }
        return .object(fields)
    }

    /// The SDK's `Space`.
    private static func spaceJSON(_ space: GoodMemSpace) -> JSONValue {
        let embedders: [JSONValue] = (space.embedders.arrayValue ?? []).map { embedder in
            [
                "spaceId": .string(space.spaceID), "embedderId": embedder["embedderId"] ?? .null,
                "defaultRetrievalWeight": embedder["defaultRetrievalWeight"] ?? .number(1),
                "createdAt": .integer(space.createdAt), "updatedAt": .integer(space.createdAt),
                "createdById": .string(principalID), "updatedById": .string(principalID),
            ]
        }
        var fields: [String: JSONValue] = [
            "spaceId": .string(space.spaceID), "name": .string(space.name), "labels": space.labels,
            "spaceEmbedders": .array(embedders), "createdAt": .integer(space.createdAt),
            "updatedAt": .integer(space.createdAt), "ownerId": .string(principalID),
            "createdById": .string(principalID), "updatedById": .string(principalID),
        ]
        if let chunking = space.chunking { fields["defaultChunkingConfig"] = chunking }
        return .object(fields)
    }

    /// A query parameter under either spelling (`maxResults` or `max_results`).
    static func query(_ request: Request, _ names: String...) -> String? {
        let parameters = request.uri.queryParameters
        for name in names {
            if let value = parameters.get(name) { return value }
        }
        return nil
    }

    /// `true`/`false` query flags (`includeContent`).
    static func flag(_ request: Request, _ names: String...) -> Bool {
        let parameters = request.uri.queryParameters
        for name in names {
            if let value = parameters.get(name) { return value.lowercased() == "true" || value == "1" }
        }
        return false
    }

    /// A page size from text: an integer, clamped to 1...maximum as GoodMem does; nil when not an integer.
    static func clampedSize(_ text: String?, default fallback: Int, maximum: Int) -> Int? {
        guard let text else { return fallback }
        guard let value = Int(text) else { return nil }
        return min(max(value, 1), maximum)
    }

    private func success(_ value: Bool) -> JSONValue {
        options.successAsString ? .string(value ? "true" : "false") : .bool(value)
    }

    private func itemError(_ error: GoodMemItemError) -> JSONValue {
        let code = options.httpErrorCodes ? error.httpCode : error.grpcCode
        return ["code": .integer(Int64(code)), "message": .string(error.message)]
    }

    // MARK: Spaces

    /// `GET /v1/embedders`: the sandbox's one embedder, in the SDK's `EmbedderResponse` shape.
    private static func listEmbedders() -> Response {
        let embedder: JSONValue = [
            "embedderId": .string(embedderID), "displayName": "sandbox embedder", "providerType": "TEI",
            "endpointUrl": "http://127.0.0.1/sandbox-embedder", "modelIdentifier": "sandbox-embedding",
            "dimensionality": 8, "distributionType": "DENSE", "supportedModalities": ["TEXT"], "labels": [:],
            "ownerId": .string(principalID), "createdAt": 0, "updatedAt": 0, "createdById": .string(principalID),
            "updatedById": .string(principalID),
        ]
        return SandboxHTTP.json(.ok, JSONValue.object(["embedders": [embedder]]))
    }

    /// `GET /v1/spaces`: `nameFilter` (glob), `maxResults` (default 50, clamped to 1...1000), `nextToken`, `sortBy`
    /// (`created_time`, `updated_time`, `name`), `sortOrder` (default `DESCENDING`).
    private func listSpaces(_ request: Request) async throws -> Response {
        var problems: [GoodMemProblem] = []
        let limit = Self.clampedSize(
            Self.query(request, "maxResults", "max_results"), default: Self.defaultSpaceResults,
            maximum: Self.maxSpaceResults)
        if limit == nil {
            problems.append(GoodMemProblem(field: "maxResults", message: "maxResults must be an integer"))
        }
        var offset = 0
        if let token = Self.query(request, "nextToken", "next_token"), !token.isEmpty {
            if let value = SandboxCursor.decode(token), value >= 0 {
                offset = Int(value)
            } else {
                problems.append(
                    GoodMemProblem(field: "nextToken", message: "nextToken is not a token this server gave"))
            }
        }
        let sortBy = Self.query(request, "sortBy", "sort_by") ?? "created_time"
        if !["created_time", "updated_time", "name"].contains(sortBy) {
            problems.append(
                GoodMemProblem(field: "sortBy", message: "sortBy must be created_time, updated_time or name"))
        }
        let order = (Self.query(request, "sortOrder", "sort_order") ?? "DESCENDING").uppercased()
        if !["ASCENDING", "DESCENDING"].contains(order) {
            problems.append(GoodMemProblem(field: "sortOrder", message: "sortOrder must be ASCENDING or DESCENDING"))
        }
        guard problems.isEmpty, let limit else { return Self.invalid(problems) }
        var spaces = try await store.goodmemSpaces()
        if let pattern = Self.query(request, "nameFilter", "name_filter"), !pattern.isEmpty {
            spaces = spaces.filter { SandboxGlob.matches(pattern, $0.name) }
        }
        // Creation order is the tiebreak; a stable sort keeps it.
        if sortBy == "name" { spaces.sort { $0.name < $1.name } }
        if order == "DESCENDING" { spaces.reverse() }
        let page = spaces.dropFirst(offset).prefix(limit)
        let end = offset + page.count
        let next: JSONValue = end < spaces.count ? .string(SandboxCursor.encode(Int64(end))) : .null
        return SandboxHTTP.json(.ok, JSONValue.object(["spaces": .array(page.map(Self.spaceJSON)), "nextToken": next]))
    }

    private func getSpace(_ context: SandboxRequestContext) async throws -> Response {
        let raw = context.parameters.get("spaceId") ?? ""
        guard let id = GoodMemValidator.normalizedUUID(raw) else {
            return Self.invalid([GoodMemProblem(field: "id", message: "the space id must be a UUID")])
        }
        guard let space = try await store.goodmemSpace(id: id) else {
            return Self.error(.notFound, "NOT_FOUND: space \(id)")
        }
        return SandboxHTTP.json(.ok, Self.spaceJSON(space))
    }

    private func createSpace(_ request: Request) async throws -> Response {
        let body = try await request.body.collect(upTo: 1024 * 1024)
        store.received.record(.goodmem, request, body)
        guard let fields = WireValue.parse(body.readableBytesView)?.object else {
            return Self.invalid([GoodMemProblem(field: "body", message: "the body is not a JSON object")])
        }
        var problems: [GoodMemProblem] = []
        var spaceID = UUID().uuidString.lowercased()
        switch GoodMemValidator.optionalUUID(fields, "spaceId") {
        case .success(let id?): spaceID = id
        case .success(nil): break
        case .failure(let problem): problems.append(problem)
        }
        let name = fields["name"]?.string ?? ""
        if name.trimmingCharacters(in: .whitespaces).isEmpty {
            problems.append(GoodMemProblem(field: "name", message: "name is required and must be a non-empty string"))
        }
        var labels: JSONValue = [:]
        if let field = fields["labels"], !field.isNull {
            if let object = field.object, object.values.allSatisfy({ $0.string != nil }) {
                labels = field.jsonValue
            } else {
                problems.append(GoodMemProblem(field: "labels", message: "labels must map strings to strings"))
            }
        }
        // At least one embedder configuration is required (the SDK's SpaceCreationRequest), each naming an
        // existing embedder: the sandbox has one (GET /v1/embedders).
        var embedders: [JSONValue] = []
        var unknownEmbedder: String?
        if let field = fields["spaceEmbedders"], !field.isNull {
            if case .array(let items) = field {
                for (index, item) in items.enumerated() {
                    guard let object = item.object, let id = object["embedderId"]?.string,
                        let embedderID = GoodMemValidator.normalizedUUID(id)
                    else {
                        problems.append(
                            GoodMemProblem(
                                field: "spaceEmbedders[\(index)].embedderId", message: "embedderId must be a UUID"))
                        continue
                    }
                    var weight: JSONValue = .number(1)
                    switch object["defaultRetrievalWeight"] {
                    case nil, .null?: break
                    case .integer(let value)?: weight = .number(Double(value))
                    case .number(let value)?: weight = .number(value)
                    default:
                        problems.append(
                            GoodMemProblem(
                                field: "spaceEmbedders[\(index)].defaultRetrievalWeight",
                                message: "defaultRetrievalWeight must be a number"))
                    }
                    if embedderID != Self.embedderID { unknownEmbedder = embedderID }
                    embedders.append(["embedderId": .string(embedderID), "defaultRetrievalWeight": weight])
                }
            } else {
                problems.append(GoodMemProblem(field: "spaceEmbedders", message: "spaceEmbedders must be an array"))
            }
        }
        if embedders.isEmpty && !problems.contains(where: { $0.field.hasPrefix("spaceEmbedders") }) {
            problems.append(
                GoodMemProblem(
                    field: "spaceEmbedders", message: "at least one embedder configuration is required"))
        }
        var chunking: JSONValue?
        if let field = fields["defaultChunkingConfig"], !field.isNull {
            if field.object != nil {
                chunking = field.jsonValue
            } else {
                problems.append(
                    GoodMemProblem(field: "defaultChunkingConfig", message: "defaultChunkingConfig must be an object"))
            }
        }
        guard problems.isEmpty else { return Self.invalid(problems) }
        if let unknownEmbedder { return Self.error(.notFound, "NOT_FOUND: embedder \(unknownEmbedder)") }
        let space = GoodMemSpace(
            spaceID: spaceID, name: name, createdAt: Self.nowMillis(), labels: labels, embedders: .array(embedders),
            chunking: chunking)
        switch try await store.goodmemCreateSpace(space) {
        case .created(let space): return SandboxHTTP.json(.created, Self.spaceJSON(space))
        case .idExists: return Self.error(.conflict, "ALREADY_EXISTS: space \(spaceID) exists")
        case .nameExists: return Self.error(.conflict, "ALREADY_EXISTS: a space named '\(name)' exists")
        }
    }

    // MARK: Create

    private var validator: GoodMemValidator {
        GoodMemValidator(maxContentBytes: configuration.maxDocumentBytes)
    }

    private func create(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let admission: SandboxAdmission
        switch try await injector.admit(context, logger: logger, render: Self.faultResponse) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = admission.headers
        let body = try await request.body.collect(upTo: SandboxOtherTargetLimits.maxSingleBodyBytes(configuration))
        store.received.record(.goodmem, request, body)
        guard let value = WireValue.parse(body.readableBytesView), value.object != nil else {
            return Self.invalid(
                [GoodMemProblem(field: "body", message: "the body is not a JSON object")], headers: headers)
        }
        let checked: GoodMemNewMemory
        switch validator.check(value) {
        case .success(let memory): checked = memory
        case .failure(let rejection): return Self.invalid(rejection.problems, headers: headers)
        }
        let now = Self.nowMillis()
        let outcome = try await store.goodmemCreate([checked], at: now).first
        if admission.acceptThenFail {
            return SandboxFaultInjector.acceptedThenFailed(admission, render: Self.faultResponse)
        }
        switch outcome {
        case .created(let memory)?:
            return SandboxHTTP.json(.created, Self.memoryJSON(memory, status: "PENDING"), headers: headers)
        case .unknownSpace?:
            return Self.error(.notFound, "NOT_FOUND: space \(checked.spaceID)", headers: headers)
        case .duplicate?, nil:
            return Self.error(.conflict, "ALREADY_EXISTS: memory \(checked.memoryID) exists", headers: headers)
        }
    }

    // MARK: Batch create

    private func batchCreate(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let admission: SandboxAdmission
        switch try await injector.admit(context, logger: logger, render: Self.faultResponse) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = admission.headers
        let body = try await request.body.collect(upTo: maxBodyBytes)
        store.received.record(.goodmem, request, body)
        guard let fields = WireValue.parse(body.readableBytesView)?.object else {
            return Self.invalid(
                [GoodMemProblem(field: "body", message: "the body is not a JSON object")], headers: headers)
        }
        guard case .array(let requests)? = fields["requests"], !requests.isEmpty else {
            return Self.invalid(
                [GoodMemProblem(field: "requests", message: "requests must be an array of at least 1 request")],
                headers: headers)
        }
        let checked = requests.map(validator.check)
        var valid: [GoodMemNewMemory] = []
        valid.reserveCapacity(checked.count)
        for case .success(let memory) in checked { valid.append(memory) }
        let now = Self.nowMillis()
        var outcomes = try await store.goodmemCreate(valid, at: now)[...]
        logger.debug("sandbox goodmem batch stored", metadata: ["batch.size": "\(requests.count)"])
        if admission.acceptThenFail {
            return SandboxFaultInjector.acceptedThenFailed(admission, render: Self.faultResponse)
        }
        var failed = 0
        var results: [JSONValue] = []
        results.reserveCapacity(checked.count)
        for (index, result) in checked.enumerated() {
            switch result {
            case .failure(let rejection):
                failed += 1
                var item: [String: JSONValue] = [
                    "success": success(false), "error": itemError(.invalid(rejection.summary)),
                ]
                if let id = requests[index].object?["memoryId"]?.string { item["memoryId"] = .string(id) }
                results.append(.object(item))
            case .success(let memory):
                switch outcomes.popFirst() {
                case .created(let stored)?:
                    results.append([
                        "success": success(true), "memoryId": .string(stored.memoryID),
                        "memory": Self.memoryJSON(stored, status: "PENDING"),
                    ])
                case .unknownSpace?:
                    failed += 1
                    results.append([
                        "success": success(false), "memoryId": .string(memory.memoryID),
                        "error": itemError(.notFound("space \(memory.spaceID)")),
                    ])
                case .duplicate?, nil:
                    failed += 1
                    results.append([
                        "success": success(false), "memoryId": .string(memory.memoryID),
                        "error": itemError(.alreadyExists("memory \(memory.memoryID) exists")),
                    ])
                }
            }
        }
        let status: HTTPResponse.Status =
            failed > 0 && options.answer207 ? .init(code: 207, reasonPhrase: "Multi-Status") : .ok
        return SandboxHTTP.json(status, JSONValue.object(["results": .array(results)]), headers: headers)
    }

    // MARK: Reads

    private func batchGet(_ request: Request) async throws -> Response {
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

    private func get(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
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

    private func list(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
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
        var statusFilter: String?
        if let text = Self.query(request, "statusFilter", "status_filter"), !text.isEmpty {
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

    private func delete(_ context: SandboxRequestContext) async throws -> Response {
        let raw = context.parameters.get("memoryId") ?? ""
        guard let id = GoodMemValidator.normalizedUUID(raw), try await store.goodmemDelete(id: id) else {
            return Self.error(.notFound, "NOT_FOUND: memory \(raw)")
        }
        return Response(status: .noContent)
    }
}

/// One field problem in a 400 answer.
struct GoodMemProblem: Error, Sendable, Equatable {
    var field: String
    var message: String
}

/// Why one GoodMem create request is refused.
struct GoodMemRejection: Error, Sendable {
    var problems: [GoodMemProblem]

    /// The problems on one line, for a batch item's error message.
    var summary: String {
        problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}

/// A batch item's failure, with both code styles.
enum GoodMemItemError: Sendable {
    case invalid(String)
    case notFound(String?)
    case alreadyExists(String)

    var grpcCode: Int {
        switch self {
        case .invalid: return 3
        case .notFound: return 5
        case .alreadyExists: return 6
        }
    }

    var httpCode: Int {
        switch self {
        case .invalid: return 400
        case .notFound: return 404
        case .alreadyExists: return 409
        }
    }

    var message: String {
        switch self {
        case .invalid(let detail): return "INVALID_ARGUMENT: \(detail)"
        case .notFound(let detail?): return "NOT_FOUND: \(detail)"
        case .notFound(nil): return "NOT_FOUND"
        case .alreadyExists(let detail): return "ALREADY_EXISTS: \(detail)"
        }
    }
}

/// Checks one GoodMem create request.
struct GoodMemValidator: Sendable {
    var maxContentBytes: Int

    /// The lower-case form of a UUID, nil when the text is not one.
    static func normalizedUUID(_ text: String) -> String? {
        UUID(uuidString: text)?.uuidString.lowercased()
    }

    static func optionalUUID(_ fields: [String: WireValue], _ key: String) -> Result<String?, GoodMemProblem> {
        guard let field = fields[key], !field.isNull else { return .success(nil) }
        guard let text = field.string, let id = normalizedUUID(text) else {
            return .failure(GoodMemProblem(field: key, message: "\(key) must be a UUID"))
        }
        return .success(id)
    }

    func check(_ value: WireValue) -> Result<GoodMemNewMemory, GoodMemRejection> {
        guard let fields = value.object else {
            return .failure(
                GoodMemRejection(problems: [
                    GoodMemProblem(
                        field: "request", message: "a request must be a JSON object, not a \(value.kindName)")
                ]))
        }
        var problems: [GoodMemProblem] = []
        var memoryID = UUID().uuidString.lowercased()
        switch Self.optionalUUID(fields, "memoryId") {
        case .success(let id?): memoryID = id
        case .success(nil): break
        case .failure(let problem): problems.append(problem)
        }
        var spaceID = ""
        switch Self.optionalUUID(fields, "spaceId") {
        case .success(let id?): spaceID = id
        case .success(nil): problems.append(GoodMemProblem(field: "spaceId", message: "spaceId is required"))
        case .failure(let problem): problems.append(problem)
        }

        var content: GoodMemContent?
        let text = fields["originalContent"].flatMap { $0.isNull ? nil : $0 }
        let base64 = fields["originalContentB64"].flatMap { $0.isNull ? nil : $0 }
        switch (text, base64) {
        case (nil, nil):
            problems.append(
                GoodMemProblem(field: "originalContent", message: "originalContent or originalContentB64 is required"))
        case (_?, _?):
            problems.append(
                GoodMemProblem(
                    field: "originalContent", message: "send originalContent or originalContentB64, not both"))
        case (let text?, nil):
            if let string = text.string {
                content = .text(string)
            } else {
                problems.append(
                    GoodMemProblem(field: "originalContent", message: "originalContent must be a string"))
            }
        case (nil, let base64?):
            if let string = base64.string, let data = Data(base64Encoded: string) {
                content = .bytes(data)
            } else {
                problems.append(
                    GoodMemProblem(field: "originalContentB64", message: "originalContentB64 must be base64 text"))
            }
        }
        if let content {
            let (field, size): (String, Int)
            switch content {
            case .text(let string): (field, size) = ("originalContent", string.utf8.count)
            case .bytes(let data): (field, size) = ("originalContentB64", data.count)
            }
            if size == 0 {
                problems.append(GoodMemProblem(field: field, message: "\(field) must not be empty"))
            } else if size > maxContentBytes {
                problems.append(
                    GoodMemProblem(
                        field: field, message: "content is \(size) bytes, over the \(maxContentBytes)-byte limit"))
            }
        }

        let contentType = fields["contentType"]?.string ?? ""
        if contentType.isEmpty {
            problems.append(GoodMemProblem(field: "contentType", message: "contentType is required"))
        }

        var metadata: JSONValue = [:]
        var documentID: String?
        if let field = fields["metadata"], !field.isNull {
            if let object = field.object {
                if object.count > SandboxGoodMemRoutes.maxMetadataProperties {
                    problems.append(
                        GoodMemProblem(
                            field: "metadata",
                            message:
                                "metadata has \(object.count) properties, over the limit of \(SandboxGoodMemRoutes.maxMetadataProperties)"
                        ))
                }
                metadata = field.jsonValue
                documentID = object[sandboxDocumentIDKey]?.string
            } else {
                problems.append(GoodMemProblem(field: "metadata", message: "metadata must be an object"))
            }
        }
        guard problems.isEmpty, let content else { return .failure(GoodMemRejection(problems: problems)) }
        let metadataJSON = (try? SandboxHTTP.encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) }
        return .success(
            GoodMemNewMemory(
                memoryID: memoryID, spaceID: spaceID, content: content, contentType: contentType, metadata: metadata,
                metadataJSON: metadataJSON ?? "{}", documentID: documentID))
    }
}

/// Body size limits shared by GoodMem's and Mielto's routes.
enum SandboxOtherTargetLimits {
    /// One document with JSON escaping and room for metadata.
    static func maxSingleBodyBytes(_ configuration: SandboxConfiguration) -> Int {
        let (doubled, overflow) = configuration.maxDocumentBytes.multipliedReportingOverflow(by: 2)
        guard !overflow, doubled < 512 * 1024 * 1024 else { return 1024 * 1024 * 1024 }
        return doubled + 1024 * 1024
    }

    /// A batch as large as Synap's largest (GoodMem documents no maximum).
    static func maxBatchBodyBytes(_ configuration: SandboxConfiguration) -> Int {
        let (documents, overflow) = max(configuration.maxBatchDocuments, 1000).multipliedReportingOverflow(
            by: configuration.maxDocumentBytes)
        guard !overflow, documents < 512 * 1024 * 1024 else { return 1024 * 1024 * 1024 }
        return documents * 2 + 1024 * 1024
    }
}
