/// How the sandbox listens, stores and misbehaves: what every target's routes share. A target's own settings
/// live in its sandbox module, reached through typed keys (``SandboxConfigurationKey``) by extension properties.
public struct SandboxConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 binds an ephemeral port; the bound port is handed to `withRunning`'s body and `run`'s `onListening`.
    public var port: Int = 0
    /// nil keeps everything in an in-memory SQLite database; a path keeps a SQLite file (WAL) across restarts.
    public var storePath: String? = nil
    /// The most documents one batch may carry (routes without a documented maximum take at least 1000).
    public var maxBatchDocuments: Int = 100
    /// The largest document (or memory content) a route takes.
    public var maxDocumentBytes: Int = 4 * 1024 * 1024
    /// A stored document is processing this long after it was queued.
    public var processingAfter: Duration = .milliseconds(200)
    /// A stored document's processing is finished this long after it was queued.
    public var completedAfter: Duration = .milliseconds(600)
    public var faults: SandboxFaults = .init()
    /// How many write bodies `GET /_sandbox/requests` keeps (all targets together, oldest dropped first; 0: none).
    public var recordedRequests: Int = 20_000
    /// Each target's own settings, by key type.
    private var values: [ObjectIdentifier: any Sendable] = [:]

    public init() {}

    /// A target's own settings (its default until set).
    public subscript<Key: SandboxConfigurationKey>(key: Key.Type) -> Key.Value {
        get { values[ObjectIdentifier(key)] as? Key.Value ?? Key.defaultValue }
        set { values[ObjectIdentifier(key)] = newValue }
    }

    /// `backfill sandbox --processing-ms`: a document is `queued`, then `processing` from half this time, and
    /// finished (`completed`, `failed` or `partial_success`) after all of it.
    public mutating func setProcessingTime(_ duration: Duration) {
        completedAfter = max(.zero, duration)
        processingAfter = completedAfter / 2
    }
}

/// The key of one target's settings in a ``SandboxConfiguration`` (as SwiftUI's environment keys).
public protocol SandboxConfigurationKey {
    associatedtype Value: Sendable
    static var defaultValue: Value { get }
}

/// Fault injection on every API route a client calls — writes (creates, batches, a space create) and reads
/// (status, whoami, listings, batch reads); all off by default. Each target's routes have their own injector
/// built from these.
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

/// One target's counters (`GET /_sandbox/stats` shows the default target's).
public struct SandboxStats: Sendable, Codable, Equatable {
    /// Requests to the target's API routes, rejected ones included.
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
    package var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
