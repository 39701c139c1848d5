import BackfillCore
import BackfillSandbox
import Foundation
import HTTPTypes
import Hummingbird
import Logging

extension SandboxRoutes {
    // MARK: Batch

    enum ItemResult {
        case queued(documentID: String, ingestionID: String)
        case duplicate(documentID: String)
        case invalid(documentID: String?, message: String)
    }

    func batch(
        _ request: Request, _ context: SandboxRequestContext, _ profile: SandboxRouteProfile
    ) async throws -> Response {
        let admission: (rateLimit: RateLimitInfo?, acceptThenFail: Bool)
        switch try await admit(context) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        let headers = SandboxHTTP.headers(admission.rateLimit)
        func badRequest(_ message: String) -> Response {
            SandboxHTTP.error(.badRequest, message: message, code: "INVALID_INPUT", details: [:], headers: headers)
        }
        // The batch's own shape is validated like a field: 422, as the contract server's request model does
        // (the SDK maps 400 and 422 alike to InvalidInputError; both are permanent).
        func invalid(_ message: String, field: String) -> Response {
            SandboxHTTP.error(
                .unprocessableContent, message: message, code: "INVALID_INPUT", details: ["field": .string(field)],
                headers: headers)
        }
        let body = try await request.body.collect(upTo: maxBodyBytes)
        store.received.record("synap", request, body)
        guard let fields = WireValue.parse(body.readableBytesView)?.object else {
            return badRequest("the body is not a JSON object")
        }
        guard case .array(let documents) = fields["documents"] else {
            return invalid("documents is required and must be an array", field: "documents")
        }
        guard !documents.isEmpty else { return invalid("documents must hold at least 1 document", field: "documents") }
        if let refusal = try await accountRefusal(headers, documents: documents.count) { return refusal }
        guard documents.count <= configuration.maxBatchDocuments else {
            return invalid(
                "a batch holds at most \(configuration.maxBatchDocuments) documents; got \(documents.count)",
                field: "documents")
        }
        var failFast = false
        switch fields["fail_fast"] {
        case nil, .null?: break
        case .bool(let value)?: failFast = value
        default: return invalid("fail_fast must be a boolean", field: "fail_fast")
        }

        // Validate everything first: with fail_fast, one invalid document stores nothing.
        let checked: [Result<CreateMemoryRequest, WireRejection>]
        switch check(documents, failFast: failFast, headers: headers) {
        case .success(let value): checked = value
        case .failure(let early): return early.response
        }
        let submissions = try Self.submissions(checked)
        let queuedAt = Date()
        var outcomes = try await store.store(submissions, queuedAt: queuedAt, duplicates: configuration.duplicates)[...]
        let results = Self.results(checked, documents: documents, outcomes: &outcomes)
        logger.debug(
            "sandbox batch stored",
            metadata: ["batch.size": "\(documents.count)", "batch.route": "\(profile)"])
        if admission.acceptThenFail { return acceptedThenFailed(admission.rateLimit) }
        switch profile {
        case .sdk: return sdkBatchResponse(results, queuedAt: queuedAt, headers: headers)
        case .documented: return documentedBatchResponse(results, headers: headers)
        }
    }

    func sdkBatchResponse(_ results: [ItemResult], queuedAt: Date, headers: HTTPFields) -> Response {
        let queued = JSONValue.string(Timestamp.format(queuedAt))
        var succeeded = 0
        let items: [JSONValue] = results.map { result in
            switch result {
            case .queued(let documentID, let ingestionID):
                succeeded += 1
                return [
                    "ingestion_id": .string(ingestionID), "document_id": .string(documentID), "status": "queued",
                    "queued_at": queued, "error_message": nil,
                ]
            // A failed item still carries an ingestion id and a time: the official SDK parses both for every
            // item (`UUID(r["ingestion_id"])`), so an item without them would break its batch_create.
            case .duplicate(let documentID):
                return [
                    "ingestion_id": .string(UUID().uuidString.lowercased()), "document_id": .string(documentID),
                    "status": "failed", "queued_at": queued,
                    "error_message": .string("document_id '\(documentID)' already exists (duplicate)"),
                ]
            case .invalid(let documentID, let message):
                return [
                    "ingestion_id": .string(UUID().uuidString.lowercased()),
                    "document_id": .string(documentID ?? ""), "status": "failed", "queued_at": queued,
                    "error_message": .string(message),
                ]
            }
        }
        return SandboxHTTP.json(
            .ok,
            JSONValue.object([
                "batch_id": .string(UUID().uuidString.lowercased()), "total": .integer(Int64(results.count)),
                "succeeded": .integer(Int64(succeeded)), "failed": .integer(Int64(results.count - succeeded)),
                "results": .array(items),
            ]), headers: headers)
    }

    func documentedBatchResponse(_ results: [ItemResult], headers: HTTPFields) -> Response {
        var queued: [JSONValue] = []
        var errors: [JSONValue] = []
        for (index, result) in results.enumerated() {
            switch result {
            case .queued(_, let ingestionID):
                queued.append(["ingestion_id": .string(ingestionID), "status": "queued"])
            case .duplicate(let documentID):
                errors.append([
                    "index": .integer(Int64(index)), "code": "DUPLICATE",
                    "message": .string("document_id '\(documentID)' already exists"),
                ])
            case .invalid(_, let message):
                errors.append(["index": .integer(Int64(index)), "code": "INVALID_INPUT", "message": .string(message)])
            }
        }
        return SandboxHTTP.json(
            .created, JSONValue.object(["results": .array(queued), "errors": .array(errors)]), headers: headers)
    }

    // MARK: Status

    /// Every document checked; with `failFast`, the first invalid one's 422 instead.
    func check(_ documents: [WireValue], failFast: Bool, headers: HTTPFields)
        -> Result<[Result<CreateMemoryRequest, WireRejection>], SandboxEarlyAnswer>
    {
        var checked: [Result<CreateMemoryRequest, WireRejection>] = []
        checked.reserveCapacity(documents.count)
        for (index, document) in documents.enumerated() {
            let result = validator.check(document)
            if failFast, case .failure(let rejection) = result {
                return .failure(
                    SandboxEarlyAnswer(
                        response: SandboxHTTP.error(
                            .unprocessableContent, message: "document \(index): \(rejection.message)",
                            code: "INVALID_INPUT",
                            details: [
                                "index": .integer(Int64(index)),
                                "document_id": SandboxHTTP.optional(WireValidator.submittedID(document)),
                                "field": .string(rejection.field),
                            ], headers: headers)))
            }
            checked.append(result)
        }
        return .success(checked)
    }

    /// A batch's items in order: each invalid document, then each stored or duplicate one.
    static func results(
        _ checked: [Result<CreateMemoryRequest, WireRejection>], documents: [WireValue],
        outcomes: inout ArraySlice<SandboxStoreOutcome>
    ) -> [ItemResult] {
        var results: [ItemResult] = []
        results.reserveCapacity(checked.count)
        for (index, result) in checked.enumerated() {
            switch result {
            case .failure(let rejection):
                results.append(
                    .invalid(documentID: WireValidator.submittedID(documents[index]), message: rejection.message))
            case .success(let request):
                let documentID = request.documentID ?? ""
                switch outcomes.popFirst() {
                case .stored(let ingestionID)?:
                    results.append(.queued(documentID: documentID, ingestionID: ingestionID))
                default: results.append(.duplicate(documentID: documentID))
                }
            }
        }
        return results
    }

    /// What the store gets of the valid documents.
    static func submissions(_ checked: [Result<CreateMemoryRequest, WireRejection>]) throws -> [SandboxSubmission] {
        var submissions: [SandboxSubmission] = []
        submissions.reserveCapacity(checked.count)
        for case .success(let request) in checked {
            submissions.append(
                SandboxSubmission(documentID: request.documentID ?? "", requestJSON: try Self.encode(request)))
        }
        return submissions
    }
}
