import BackfillCore
import Foundation

/// One document ready to send: its id and its request already encoded as JSON (encoded once, reused for the
/// byte budget, the content hash and the request body).
public struct EncodedDocument: Sendable {
    public var documentID: String
    public var json: [UInt8]

    public init(documentID: String, json: [UInt8]) {
        self.documentID = documentID
        self.json = json
    }
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
    /// `synap`, `jsonl`, `sandbox`, …
    var name: String { get }
    /// Where, for people (a base URL or a file path; never a key).
    var endpointDescription: String { get }
    /// Largest batch the target takes.
    var maxBatchDocuments: Int { get }
    /// Sends one batch; returns an outcome per document id, or throws an ``UploadError`` for the whole request.
    func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult
    /// Releases connections and files.
    func shutdown() async throws
}
