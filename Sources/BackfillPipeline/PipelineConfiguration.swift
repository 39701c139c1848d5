import BackfillClean
import BackfillCore

/// Settings of one run of the flow (docs/DESIGN.md §1).
public struct PipelineConfiguration: Sendable {
    public var inputs: [String]
    public var profile: ValidationProfile
    public var adapterContext: AdapterContext
    /// Filled into requests that lack them.
    public var userID: String?
    public var customerID: String?
    public var mode: Mode?
    /// Documents per batch (the target's own limit still applies).
    public var maxBatchDocuments = 100
    /// Largest request body, in bytes.
    public var maxBatchBytes = 8 * 1024 * 1024
    public var failFast = false
    public var retry = RetryPolicy()
    public var rate = RateLimitConfiguration()
    /// Batches in flight at once (1 with fail-fast, so nothing after the failing batch is sent).
    public var concurrency = 4
    /// Send again documents the target rejected in an earlier run (`backfill retry --rejected`).
    public var resendRejected = false
    /// Where rejected documents are written, with their request and reason.
    public var deadLetterPath: String?
    /// Progress lines on stderr: nil = none.
    public var progress: ProgressStyle?
    /// Sees every document as stage 2 leaves it (`backfill inspect`).
    public var observer: (@Sendable (ObservedDocument) -> Void)?
    /// `--redact`: personal data replaced in every document's text and metadata before it is validated, encoded and
    /// hashed (nil: nothing redacted).
    public var redactor: Redactor?
    /// `--strip`, as the adapters were told (the report names it; the email adapters do the work).
    public var strip: Set<StripKind> = []
    /// What archives may unpack (part of the adapters' ``InputBudgets``).
    public var containerLimits: ContainerLimits {
        get { adapterContext.budgets.containers }
        set { adapterContext.budgets.containers = newValue }
    }
    /// What one input may cost; see ``InputBudgets``.
    public var budgets: InputBudgets {
        get { adapterContext.budgets }
        set { adapterContext.budgets = newValue }
    }

    public init(inputs: [String], profile: ValidationProfile, adapterContext: AdapterContext = AdapterContext()) {
        self.inputs = inputs
        self.profile = profile
        self.adapterContext = adapterContext
    }
}

/// A document as stage 2 leaves it: the request bytes that would be batched and sent, or why it is rejected.
public struct ObservedDocument: Sendable {
    public var document: MemoryDocument
    /// The encoded request (what is hashed, batched and sent); nil when rejected.
    public var json: [UInt8]?
    public var rejection: Rejection?
    /// The type the target's profile mapped from (a type the target lacks, sent as another).
    public var mappedFrom: DocumentType?
}
