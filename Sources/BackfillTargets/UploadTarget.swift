import BackfillCore
import Foundation

/// One document ready to send: its id and its request already encoded as JSON (encoded once, reused for the
/// byte budget, the content hash and the request body).
public struct EncodedDocument: Sendable {
    public var documentID: String
    public var json: [UInt8]
    /// The request itself, for targets with their own wire shape.
    public var request: CreateMemoryRequest

    public init(documentID: String, json: [UInt8], request: CreateMemoryRequest) {
        self.documentID = documentID
        self.json = json
        self.request = request
    }
}

/// A document the ledger believes the target has (or may have): what verification and reconciliation need.
public struct KnownDocument: Sendable, Hashable {
    public var documentID: String
    /// The target's id for it (an ingestion id, a memory id), when known.
    public var targetID: String?
    public var userID: String?

    public init(documentID: String, targetID: String?, userID: String?) {
        self.documentID = documentID
        self.targetID = targetID
        self.userID = userID
    }
}

/// What reading back from the target found.
public enum VerifyOutcome: Sendable, Hashable {
    case present
    case missing
    /// The target cannot tell (e.g. a duplicate answer carried no id), with why.
    case unknown(String)
}

/// What the target said of one document.
public enum ItemOutcome: Sendable, Hashable {
    /// Stored (or queued for storage).
    case accepted(ingestionID: String?)
    /// The target already had it: counts as done.
    case duplicate(message: String)
    /// The target refused it; sending it again will not help.
    case rejected(code: String, message: String)
    /// Unknown or transient: send again later.
    case failed(code: String, message: String)
}

/// A request-level failure: what it was, whether to retry, how long to wait, whether the run must stop.
public struct UploadError: Error, Sendable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// 429, 5xx, connection errors, timeouts: try again.
        case retryable
        /// 400/422 on a whole batch: its documents are invalid.
        case invalid
        /// 401/403/402, credits, a broken instance: the run stops (exit 4).
        case stop
        /// Anything else that will not get better by retrying (404 on a route, …).
        case permanent
    }

    public var kind: Kind
    public var code: String
    public var message: String
    public var httpStatus: Int?
    public var retryAfter: Duration?
    /// For a whole-batch rejection (fail_fast): the document the target named, by id or by index in the batch.
    public var itemDocumentID: String?
    public var itemIndex: Int?

    public init(kind: Kind, code: String, message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil) {
        self.kind = kind
        self.code = code
        self.message = message
        self.httpStatus = httpStatus
        self.retryAfter = retryAfter
    }

    public var isRetryable: Bool { kind == .retryable }

    public var description: String {
        if let httpStatus { return "HTTP \(httpStatus) \(code): \(message)" }
        return "\(code): \(message)"
    }
}

/// The codes of failures the shared HTTP transport and the targets have in common (each target adds codes of its
/// own, spelled as its API does). The pipeline decides on these, never on a string.
public enum TransportCode: String, Sendable, CaseIterable {
    /// No answer: refused, reset, timed out.
    case connectionError = "connection_error"
    case unauthorized
    case forbidden
    case paymentRequired = "payment_required"
    /// 429: wait (``UploadError/retryAfter``) and send again.
    case rateLimited = "rate_limited"
    /// The target is still being built (a new instance): wait as for a 429.
    case instanceNotReady = "instance_not_ready"
    case invalidInput = "invalid_input"
    case notFound = "not_found"
    case serverError = "server_error"
    /// An answer that cannot be read as the contract says.
    case badResponse = "bad_response"
    /// The batch answer named no outcome for a document sent in it.
    case unmatchedResponse = "unmatched_response"
}

extension UploadError {
    public init(kind: Kind, code: TransportCode, message: String, httpStatus: Int? = nil, retryAfter: Duration? = nil) {
        self.init(kind: kind, code: code.rawValue, message: message, httpStatus: httpStatus, retryAfter: retryAfter)
    }

    /// Whether this failure has `code`.
    public func has(_ code: TransportCode) -> Bool { self.code == code.rawValue }

    /// A 429, or a target still being built: paced by the limiter, not counted as a failure.
    public var isThrottle: Bool { has(.rateLimited) || has(.instanceNotReady) }
}

extension ItemOutcome {
    /// An outcome the target's answer did not give: unknown, so sent again later (the target dedups by id).
    public static var unmatched: ItemOutcome {
        .failed(
            code: TransportCode.unmatchedResponse.rawValue, message: "the batch answer did not mention this document")
    }
}

/// A batch's answer: an outcome per document id, and what the response said about rate limits.
public struct SendResult: Sendable {
    public var outcomes: [String: ItemOutcome]
    /// `X-RateLimit-Remaining`, when sent.
    public var rateLimitRemaining: Int?
    /// Time until `X-RateLimit-Reset` (a Unix time), when sent.
    public var rateLimitResetIn: Duration?

    public init(outcomes: [String: ItemOutcome], rateLimitRemaining: Int? = nil, rateLimitResetIn: Duration? = nil) {
        self.outcomes = outcomes
        self.rateLimitRemaining = rateLimitRemaining
        self.rateLimitResetIn = rateLimitResetIn
    }
}

/// A place documents are sent to.
public protocol UploadTarget: Sendable {
    /// The target's name (its `TargetKind`), for the report and messages.
    var name: String { get }
    /// Where, for people (a base URL or a file path; never a key).
    var endpointDescription: String { get }
    /// Largest batch the target takes.
    var maxBatchDocuments: Int { get }
    /// Sends one batch; returns an outcome per document id, or throws an ``UploadError`` for the whole request.
    func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult
    /// Releases connections and files.
    func shutdown() async throws

    /// Whether the target itself refuses a document id it already holds. A target that cannot is never sent a
    /// document whose earlier send has an unknown outcome before ``reconcile(_:)`` has answered that it does not
    /// hold it — the rule lives in the pipeline's sender, once for every such target.
    var deduplicatesByID: Bool { get }

    /// For targets that cannot deduplicate: which of these documents, sent with an unknown outcome (a
    /// timeout, a 5xx, a crash while `sending`), the target already holds — so they are not sent twice. Throws when
    /// the target cannot be asked. Default: none (the target dedups by id).
    func reconcile(_ documents: [KnownDocument]) async throws -> [String: ItemOutcome]

    /// Reads back what the ledger says was accepted.
    func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome]
}

extension UploadTarget {
    public var deduplicatesByID: Bool { true }
    public func reconcile(_ documents: [KnownDocument]) async throws -> [String: ItemOutcome] { [:] }
    public func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome] {
        Dictionary(
            uniqueKeysWithValues: documents.map {
                ($0.documentID, VerifyOutcome.unknown("\(name) cannot be read back"))
            })
    }
}
