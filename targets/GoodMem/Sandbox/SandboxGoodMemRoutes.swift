import BackfillSandbox
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

    var options: SandboxGoodMemOptions { configuration.goodmem }

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

    static func faultResponse(_ answer: SandboxFaultAnswer, _ headers: HTTPFields) -> Response {
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

    var maxBodyBytes: Int { SandboxBodyLimits.maxBatchBodyBytes(configuration) }

    static func nowMillis() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    func window(now: Int64) -> GoodMemStatusWindow {
        GoodMemStatusWindow(
            processingBefore: now - Int64(configuration.processingAfter.seconds * 1000),
            completedBefore: now - Int64(configuration.completedAfter.seconds * 1000))
    }

    func status(of memory: GoodMemMemory, window: GoodMemStatusWindow) -> String {
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
    static func spaceJSON(_ space: GoodMemSpace) -> JSONValue {
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

    func success(_ value: Bool) -> JSONValue {
        options.successAsString ? .string(value ? "true" : "false") : .bool(value)
    }

    func itemError(_ error: GoodMemItemError) -> JSONValue {
        let code = options.httpErrorCodes ? error.httpCode : error.grpcCode
        return ["code": .integer(Int64(code)), "message": .string(error.message)]
    }

    // MARK: Create

    var validator: GoodMemValidator {
        GoodMemValidator(maxContentBytes: configuration.maxDocumentBytes)
    }

    func create(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let admission: SandboxAdmission
        switch try await injector.admit(context, logger: logger, render: Self.faultResponse) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = admission.headers
        let body = try await request.body.collect(upTo: SandboxBodyLimits.maxSingleBodyBytes(configuration))
        store.received.record("goodmem", request, body)
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

    func batchCreate(_ request: Request, _ context: SandboxRequestContext) async throws -> Response {
        let admission: SandboxAdmission
        switch try await injector.admit(context, logger: logger, render: Self.faultResponse) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = admission.headers
        let body = try await request.body.collect(upTo: maxBodyBytes)
        store.received.record("goodmem", request, body)
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
        let (results, failed) = batchResults(checked, requests: requests, outcomes: &outcomes)
        let status: HTTPResponse.Status =
            failed > 0 && options.answer207 ? .init(code: 207, reasonPhrase: "Multi-Status") : .ok
        return SandboxHTTP.json(status, JSONValue.object(["results": .array(results)]), headers: headers)
    }

    /// A batch's items in order: each invalid request, then each stored, unknown-space or duplicate memory.
    func batchResults(
        _ checked: [Result<GoodMemNewMemory, GoodMemRejection>], requests: [WireValue],
        outcomes: inout ArraySlice<GoodMemCreateOutcome>
    ) -> (results: [JSONValue], failed: Int) {
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
        return (results, failed)
    }
}
