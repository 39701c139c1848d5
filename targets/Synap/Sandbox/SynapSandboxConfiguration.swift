import BackfillSandbox

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


/// The sandbox settings of the Synap contract (`configuration.isolation`, `configuration.account`, …).
public struct SandboxSynapOptions: Sendable, SandboxConfigurationKey {
    public static var defaultValue: SandboxSynapOptions { SandboxSynapOptions() }

    /// nil accepts any bearer token starting with `synap_`; otherwise only this one.
    public var apiKey: String? = nil
    /// What ingestion makes of each stored document once it is processed.
    public var ingestion = SandboxIngestionOptions()
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

    public init() {}
}

extension SandboxConfiguration {
    /// The Synap contract's settings.
    public var synap: SandboxSynapOptions {
        get { self[SandboxSynapOptions.self] }
        set { self[SandboxSynapOptions.self] = newValue }
    }

    /// Synap: nil accepts any bearer token starting with `synap_`; otherwise only this one.
    public var apiKey: String? {
        get { synap.apiKey }
        set { synap.apiKey = newValue }
    }

    /// Synap: what ingestion makes of each stored document.
    public var ingestion: SandboxIngestionOptions {
        get { synap.ingestion }
        set { synap.ingestion = newValue }
    }

    /// Synap: `user_context_isolation` (`equals_customer` or `strict`).
    public var isolation: String {
        get { synap.isolation }
        set { synap.isolation = newValue }
    }

    /// Synap: whether a request's `scope` is taken.
    public var nestedScopes: Bool {
        get { synap.nestedScopes }
        set { synap.nestedScopes = newValue }
    }

    /// Synap: the account's condition.
    public var account: SandboxSynapAccount {
        get { synap.account }
        set { synap.account = newValue }
    }

    /// Synap: what a reused `document_id` does.
    public var duplicates: SandboxDuplicatePolicy {
        get { synap.duplicates }
        set { synap.duplicates = newValue }
    }
}
