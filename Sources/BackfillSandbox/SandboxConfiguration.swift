/// How the sandbox listens, stores and misbehaves.
public struct SandboxConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 binds an ephemeral port; the bound port is handed to `withRunning`'s body and `run`'s `onListening`.
    public var port: Int = 0
    /// nil keeps everything in an in-memory SQLite database; a path keeps a SQLite file (WAL) across restarts.
    public var storePath: String? = nil
    /// nil accepts any bearer token starting with `synap_`; otherwise only this one.
    public var apiKey: String? = nil
    public var maxBatchDocuments: Int = 100
    public var maxDocumentBytes: Int = 4 * 1024 * 1024
    /// Status turns from `queued` to `processing` this long after `queued_at`.
    public var processingAfter: Duration = .milliseconds(200)
    /// Status turns to `completed` (or `failed`, `partial_success`: see `ingestion`) this long after `queued_at`.
    public var completedAfter: Duration = .milliseconds(600)
    /// What ingestion makes of each stored document once it is processed.
    public var ingestion = SandboxIngestionOptions()
    public var faults: SandboxFaults = .init()
    /// `user_context_isolation` reported by whoami and enforced on writes: `equals_customer` (B2C: a
    /// `customer_id` is rejected) or `strict` (B2B: `customer_id` is required).
    public var isolation: String = "equals_customer"
    /// Whether the account has a scope level between customer and user: only then is a request's `scope` taken
    /// (the SDK: "sending one to an account without nested scoping is an error rather than ignored").
    public var nestedScopes: Bool = false
    /// The Synap account's condition, for rehearsing its special answers (instance building, credits).
    public var account = SandboxSynapAccount()
    /// What a reused `document_id` does (the public docs disagree; see docs/API-CONTRACTS.md).
    public var duplicates: SandboxDuplicatePolicy = .reject
    /// GoodMem (`/goodmem/v1/…`): nil accepts any `x-api-key` starting with `gm_`; otherwise only this one.
    public var goodmemAPIKey: String? = nil
    /// Mielto (`/mielto/api/v1/…`): nil accepts any non-empty bearer token or `X-API-Key`; otherwise only this one.
    public var mieltoAPIKey: String? = nil
    /// How the GoodMem contract answers batches (the public sources disagree; see docs/API-CONTRACTS.md).
    public var goodmem = SandboxGoodMemOptions()
    /// Mielto-only faults.
    public var mielto = SandboxMieltoOptions()
    /// How many write bodies `GET /_sandbox/requests` keeps (all targets together, oldest dropped first; 0: none).
    public var recordedRequests: Int = 20_000

    public init() {}

    /// `backfill sandbox --processing-ms`: a document is `queued`, then `processing` from half this time, and
    /// finished (`completed`, `failed` or `partial_success`) after all of it.
    public mutating func setProcessingTime(_ duration: Duration) {
        completedAfter = max(.zero, duration)
        processingAfter = completedAfter / 2
    }
}

/// A Synap account's condition (docs/API-CONTRACTS.md, "Errors: special cases"): memory writes are refused while it
/// holds, as the real service refuses them, in the bodies the official SDK reads.
public struct SandboxSynapAccount: Sendable {
    /// Writes answer `409 instance_not_ready` with `Retry-After` until this long after the first write.
    public var readyAfter: Duration = .zero
    /// Writes answer `409 instance_build_failed` (a person must act; clients stop).
    public var buildFailed = false
    /// Documents the account may store before writes answer `402` (insufficient credits); nil: no limit.
    public var credits: Int? = nil
    /// Writes answer `429` with this `reason` (`trial_limit_reached`, `subscription_inactive`): a stop, not a pace.
    public var blockedReason: String? = nil

    public init() {}
}

/// How the sandbox's (pretend) ingestion ends, per document: decided by the document id and the fault seed, so
/// the same id always ends the same way, whatever the order or timing of the status requests.
public struct SandboxIngestionOptions: Sendable {
    /// Probability that a document's ingestion ends `failed`, with an `error_message`.
    public var failRate: Double = 0
    /// Probability that it ends `partial_success` (memories created, with an `error_message`).
    public var partialSuccessRate: Double = 0

    public enum Outcome: String, Sendable, Equatable {
        case completed
        case failed
        case partialSuccess = "partial_success"
    }

    public init() {}

    /// The outcome of one document: one uniform draw from FNV-1a of the id mixed with the seed (SplitMix64).
    public func outcome(documentID: String, seed: UInt64) -> Outcome {
        guard failRate > 0 || partialSuccessRate > 0 else { return .completed }
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in documentID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01B3
        }
        var random = SplitMix64(seed: hash ^ seed)
        let draw = random.nextUnit()
        if draw < failRate { return .failed }
        if draw < failRate + partialSuccessRate { return .partialSuccess }
        return .completed
    }
}

/// What the sandbox does with a `document_id` it already holds.
public enum SandboxDuplicatePolicy: String, Sendable, Codable, CaseIterable {
    /// 409 for a single create, a per-item failure in a batch (the documented behaviour).
    case reject
    /// Stores the document again under a new ingestion id (`stored` goes up): the "updates the existing memory" reading.
    case update
}

/// Fault injection on every API route a client calls — writes (create, batch, GoodMem's space create) and
/// reads (Synap status and whoami; GoodMem spaces, batchGet and listing; Mielto listing); all off by default.
/// Each target (Synap, GoodMem, Mielto) has its own injector built from these.
public struct SandboxFaults: Sendable {
    /// Token bucket over all API requests, reads and writes (burst: one second's worth, at least 1). Over it: 429
    /// with `Retry-After` (whole seconds, ≥ 1) and `X-RateLimit-Limit/Remaining/Reset`; admitted requests carry
    /// the `X-RateLimit-*` headers too.
    public var rateLimitPerSecond: Double? = nil
    /// Probability of a 500 or 503 before anything is stored (or read).
    public var failRate: Double = 0
    /// Probability of closing the connection without an answer (nothing stored).
    public var resetRate: Double = 0
    /// Probability of storing everything, then answering 503 (writes only).
    public var acceptThenFailRate: Double = 0
    /// Added before answering a request.
    public var latency: Duration = .zero
    /// Seed of the deterministic generator (SplitMix64) behind the probabilities above.
    public var seed: UInt64 = 1

    public init() {}
}

/// One stored document as the admin route lists it.
public struct SandboxDocumentRecord: Sendable, Codable, Equatable {
    public var documentID: String
    /// Every time the id was submitted, rejected duplicates included.
    public var submissions: Int
    /// How many times it was stored (1 unless the duplicate policy is `update`).
    public var stored: Int
    public var ingestionID: String

    public init(documentID: String, submissions: Int, stored: Int, ingestionID: String) {
        self.documentID = documentID
        self.submissions = submissions
        self.stored = stored
        self.ingestionID = ingestionID
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case submissions
        case stored
        case ingestionID = "ingestion_id"
    }
}

/// Counters behind `GET /_sandbox/stats`.
public struct SandboxStats: Sendable, Codable, Equatable {
    /// Requests to `/api` and `/v1` routes, rejected ones included.
    public var requests: Int
    public var rateLimited: Int
    /// Injected failures, resets and accept-then-fail answers.
    public var faults: Int
    /// Stored documents.
    public var documents: Int
    /// Writes stored, then answered 503 (of `faults`).
    public var acceptedThenFailed: Int

    public init(requests: Int = 0, rateLimited: Int = 0, faults: Int = 0, documents: Int = 0, acceptedThenFailed: Int = 0) {
        self.requests = requests
        self.rateLimited = rateLimited
        self.faults = faults
        self.documents = documents
        self.acceptedThenFailed = acceptedThenFailed
    }

    enum CodingKeys: String, CodingKey {
        case requests
        case rateLimited = "rate_limited"
        case faults
        case documents
        case acceptedThenFailed = "accepted_then_failed"
    }
}

/// A sandbox that cannot start.
public struct SandboxError: Error, Sendable, CustomStringConvertible {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
