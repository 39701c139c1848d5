import BackfillCore
import BackfillSandbox
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Synchronization

/// Which of Synap's two route sets a request came through (docs/API-CONTRACTS.md: the SDK's wire contract and the
/// documented REST routes answer with different shapes and status codes).
enum SandboxRouteProfile: Sendable {
    case sdk
    case documented

    var createdStatus: HTTPResponse.Status { self == .sdk ? .ok : .created }
}

/// The request handlers, over the store and the fault injector.
struct SandboxRoutes: Sendable {
    let configuration: SandboxConfiguration
    let store: SandboxStore
    let injector: SandboxFaultInjector
    let logger: Logger
    /// When the first memory write came: `account.readyAfter` counts from there, so a rehearsal sees the refusal
    /// however long the client took to get going.
    let firstWrite = SandboxFirstWrite()

    var validator: WireValidator {
        WireValidator(
            maxDocumentBytes: configuration.maxDocumentBytes, isolation: configuration.isolation,
            nestedScopes: configuration.nestedScopes)
    }

    /// Room for a full batch of maximum-size documents with JSON escaping.
    var maxBodyBytes: Int {
        let (documents, overflow) = configuration.maxBatchDocuments.multipliedReportingOverflow(
            by: configuration.maxDocumentBytes)
        guard !overflow, documents < 512 * 1024 * 1024 else { return 1024 * 1024 * 1024 }
        return documents * 2 + 1024 * 1024
    }

    func add(to router: Router<SandboxRequestContext>) {
        let auth = SandboxAuthMiddleware(apiKey: configuration.apiKey, injector: injector)

        // Reads (status, whoami) go through the same fault injector as writes, as a middleware: 500/503, resets
        // and the rate limit, never accept-then-fail.
        let readFaults = SandboxFaultMiddleware(
            injector: injector, kind: .read, logger: logger, render: Self.faultResponse)

        let sdk = router.group("api/v1").add(middleware: auth)
        sdk.post("memories/create") { request, context in try await create(request, context, .sdk) }
        sdk.post("memories/batch") { request, context in try await batch(request, context, .sdk) }
        let sdkReads = sdk.group().add(middleware: readFaults)
        sdkReads.get("memories/status/:ingestion_id") { _, context in try await status(context) }
        sdkReads.get("auth/whoami") { _, _ in
            SandboxHTTP.json(
                .ok,
                JSONValue.object([
                    "client_id": "sandbox", "instance_id": "sandbox",
                    "user_context_isolation": .string(configuration.isolation),
                ]))
        }

        let documented = router.group("v1").add(middleware: auth)
        documented.post("memories") { request, context in try await create(request, context, .documented) }
        documented.post("memories/batch") { request, context in try await batch(request, context, .documented) }
        documented.group().add(middleware: readFaults).get("memories/:ingestion_id/status") { _, context in
            try await status(context)
        }

        let admin = router.group("_sandbox")
        admin.get("documents") { _, _ in
            SandboxHTTP.json(.ok, ["documents": try await store.documents()])
        }
        admin.delete("documents") { _, _ in
            let cleared = try await store.clear()
            return SandboxHTTP.json(.ok, JSONValue.object(["cleared": .integer(Int64(cleared))]))
        }
        admin.get("stats") { _, _ in
            SandboxHTTP.json(.ok, SandboxServer.stats(injector, documents: try await store.count()))
        }
    }

    // MARK: Faults

    /// Latency, then rate limit, failure and reset; the headers to add and whether to answer 503 after
    /// storing, or the response to give instead.
    func admit(_ context: SandboxRequestContext) async throws -> Result<
        (rateLimit: RateLimitInfo?, acceptThenFail: Bool), SandboxEarlyAnswer
    > {
        try await injector.admit(context, logger: logger, render: Self.faultResponse).map {
            ($0.rateLimit, $0.acceptThenFail)
        }
    }

    /// Synap's error body for an injected answer.
    static func faultResponse(_ answer: SandboxFaultAnswer, _ headers: HTTPFields) -> Response {
        switch answer {
        case .rateLimited(let retryAfter):
            return SandboxHTTP.error(
                .tooManyRequests, message: "rate limit exceeded; retry after \(retryAfter) s",
                code: "RATE_LIMITED", details: ["retry_after": .integer(Int64(retryAfter))], headers: headers)
        case .failed(let status):
            return SandboxHTTP.error(
                .init(code: status), message: "sandbox injected failure", code: "INTERNAL_ERROR", headers: headers)
        case .acceptedThenFailed:
            return SandboxHTTP.error(
                .serviceUnavailable, message: "sandbox injected failure after storing", code: "INTERNAL_ERROR",
                headers: headers)
        }
    }

    /// The account's refusals of memory writes, before anything is read or stored (the SDK's gated paths).
    func accountRefusal(_ headers: HTTPFields, documents: Int) async throws -> Response? {
        let account = configuration.account
        func refusal(_ status: HTTPResponse.Status, error: String, detail: [String: JSONValue], headers: HTTPFields)
            -> Response
        {
            let message = detail["message"]?.stringValue ?? error
            return SandboxHTTP.json(
                status,
                JSONValue.object([
                    "error": .string(error), "code": .string(error), "message": .string(message),
                    "detail": .object(detail.merging(["code": .string(error)]) { current, _ in current }),
                    "details": .object(detail),
                ]), headers: headers)
        }
        if account.buildFailed {
            return refusal(
                .conflict, error: "instance_build_failed",
                detail: [
                    "message": "this instance's memory architecture build failed; contact support",
                    "instance_id": "sandbox", "attempts": 3, "hint": "ask support to rebuild the instance",
                ], headers: headers)
        }
        let first = firstWrite.instant()
        let elapsed = ContinuousClock.now - first
        if account.readyAfter > .zero, elapsed < account.readyAfter {
            let wait = max(1, min(300, Int((account.readyAfter - elapsed).seconds.rounded(.up))))
            var fields = headers
            fields[.retryAfter] = String(wait)
            return refusal(
                .conflict, error: "instance_not_ready",
                detail: [
                    "message": "this instance's memory architecture is still being built",
                    "retry_after_seconds": .integer(Int64(wait)), "instance_id": "sandbox", "state": "building",
                ], headers: fields)
        }
        if let reason = account.blockedReason {
            return refusal(
                .tooManyRequests, error: reason,
                detail: [
                    "reason": .string(reason), "message": .string("writes are blocked: \(reason)"),
                    "upgrade_url": "https://sandbox.invalid/upgrade",
                ], headers: headers)
        }
        if let credits = account.credits, case let used = try await store.count(), used + documents > credits {
            return refusal(
                .init(code: 402), error: "insufficient_credits",
                detail: [
                    "message": .string("the credit balance cannot cover \(documents) more documents"),
                    "balance_credits": .number(Double(max(0, credits - used))),
                    "minimum_required_credits": .number(Double(documents)),
                ], headers: headers)
        }
        return nil
    }

    func acceptedThenFailed(_ rateLimit: RateLimitInfo?) -> Response {
        SandboxFaultInjector.acceptedThenFailed(
            SandboxAdmission(rateLimit: rateLimit, acceptThenFail: true), render: Self.faultResponse)
    }

    // MARK: Create

    func create(
        _ request: Request, _ context: SandboxRequestContext, _ profile: SandboxRouteProfile
    ) async throws -> Response {
        let admission: (rateLimit: RateLimitInfo?, acceptThenFail: Bool)
        switch try await admit(context) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = SandboxHTTP.headers(admission.rateLimit)
        if let refusal = try await accountRefusal(headers, documents: 1) { return refusal }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        store.received.record("synap", request, body)
        guard let value = WireValue.parse(body.readableBytesView), value.object != nil else {
            return SandboxHTTP.error(
                .badRequest, message: "the body is not a JSON object", code: "INVALID_INPUT", details: [:],
                headers: headers)
        }
        let checked: CreateMemoryRequest
        switch validator.check(value) {
        case .success(let request): checked = request
        case .failure(let rejection):
            return SandboxHTTP.error(
                .init(code: rejection.status), message: rejection.message, code: "INVALID_INPUT",
                details: ["field": .string(rejection.field)], headers: headers)
        }
        let documentID = checked.documentID ?? ""
        let queuedAt = Date()
        let outcomes = try await store.store(
            [SandboxSubmission(documentID: documentID, requestJSON: try Self.encode(checked))], queuedAt: queuedAt,
            duplicates: configuration.duplicates)
        if admission.acceptThenFail { return acceptedThenFailed(admission.rateLimit) }
        guard case .stored(let ingestionID) = outcomes.first else {
            return SandboxHTTP.error(
                .conflict, message: "document_id '\(documentID)' already exists", code: "CONFLICT",
                details: ["document_id": .string(documentID)], headers: headers)
        }
        return SandboxHTTP.json(
            profile.createdStatus,
            JSONValue.object([
                "ingestion_id": .string(ingestionID), "document_id": .string(documentID), "status": "queued",
                "queued_at": .string(Timestamp.format(queuedAt)),
            ]), headers: headers)
    }

    /// `queued` until `processingAfter`, `processing` until `completedAfter`, then what the ingestion options
    /// decide for this document id (deterministic by id and seed): `completed`, `failed` with an `error_message`,
    /// or `partial_success`. The shape is the SDK's `MemoryStatusResponse`.
    func status(_ context: SandboxRequestContext) async throws -> Response {
        let ingestionID = context.parameters.get("ingestion_id") ?? ""
        guard let ingestion = try await store.ingestion(ingestionID) else {
            return SandboxHTTP.error(.notFound, message: "ingestion '\(ingestionID)' not found", code: "NOT_FOUND")
        }
        let elapsed = Date().timeIntervalSince(ingestion.queuedAt)
        let processing = elapsed >= configuration.processingAfter.seconds
        let finished = elapsed >= configuration.completedAfter.seconds
        let startedAt = ingestion.queuedAt.addingTimeInterval(configuration.processingAfter.seconds)
        let completedAt = ingestion.queuedAt.addingTimeInterval(configuration.completedAfter.seconds)
        let outcome = configuration.ingestion.outcome(documentID: ingestion.documentID, seed: configuration.faults.seed)
        var status: JSONValue = processing ? "processing" : "queued"
        var memories = 0
        var errorMessage: JSONValue = .null
        if finished {
            switch outcome {
            case .completed:
                status = "completed"
                memories = 1
            case .failed:
                status = "failed"
                errorMessage = .string(
                    "extraction failed: the sandbox refused document '\(ingestion.documentID)' (injected ingestion failure)")
            case .partialSuccess:
                status = "partial_success"
                memories = 1
                errorMessage = .string(
                    "entity_resolution failed for part of document '\(ingestion.documentID)' (injected partial success)")
            }
        }
        return SandboxHTTP.json(
            .ok,
            JSONValue.object([
                "ingestion_id": .string(ingestion.ingestionID), "document_id": .string(ingestion.documentID),
                "status": status, "queued_at": .string(Timestamp.format(ingestion.queuedAt)),
                "started_at": processing ? .string(Timestamp.format(startedAt)) : .null,
                "completed_at": finished ? .string(Timestamp.format(completedAt)) : .null,
                "memories_created": .integer(Int64(memories)),
                "memory_ids": memories > 0 ? [.string("mem_\(ingestion.ingestionID)")] : [],
                "error_message": errorMessage,
            ]))
    }

    static func encode(_ request: CreateMemoryRequest) throws -> String {
        String(decoding: try SandboxHTTP.encoder.encode(request), as: UTF8.self)
    }
}

/// The instant of the first memory write, set once.
final class SandboxFirstWrite: Sendable {
    private let value = Mutex<ContinuousClock.Instant?>(nil)

    func instant() -> ContinuousClock.Instant {
        value.withLock { stored in
            if let stored { return stored }
            let now = ContinuousClock.now
            stored = now
            return now
        }
    }
}
