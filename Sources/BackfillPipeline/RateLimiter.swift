/// Client-side pacing for one target: token buckets on requests/s and documents/s, a shared pause (a
/// `Retry-After`, `X-RateLimit-Remaining: 0`, an instance still building) and, in adaptive mode, AIMD on the
/// request rate (halve on 429, creep back up on success).
///
/// ``RateLimitState`` is the pure logic — every decision takes `now` as an argument, so tests drive it with
/// instants they choose and never sleep. ``RateLimiter`` is the actor that sleeps on a real clock.
public struct RateLimitConfiguration: Sendable, Hashable {
    /// Requests per second; nil = unlimited.
    public var requestsPerSecond: Double?
    /// Documents per second; nil = unlimited.
    public var documentsPerSecond: Double?
    /// Requests that may go at once before pacing applies (the request bucket's size). 1 = strictly paced, which
    /// is what keeps a client at exactly a server's rate from collecting 429s.
    public var burst: Double = 1
    /// AIMD on 429s: start at `requestsPerSecond` (or 50/s when unlimited) and adapt.
    public var adaptive = false

    public init(requestsPerSecond: Double? = nil, documentsPerSecond: Double? = nil, burst: Double = 1, adaptive: Bool = false) {
        self.requestsPerSecond = requestsPerSecond
        self.documentsPerSecond = documentsPerSecond
        self.burst = burst
        self.adaptive = adaptive
    }
}

/// A token bucket: `rate` tokens a second, at most `capacity` saved. A reservation may drive the level below
/// zero; the debt is the wait.
public struct TokenBucket: Sendable, Hashable {
    public var rate: Double
    public var capacity: Double
    private(set) public var level: Double
    private var updated: ContinuousClock.Instant?

    public init(rate: Double, capacity: Double) {
        self.rate = rate
        self.capacity = max(capacity, 1)
        self.level = self.capacity
    }

    mutating func refill(now: ContinuousClock.Instant) {
        guard let updated else {
            self.updated = now
            return
        }
        // Time only moves forward here: a reservation for a paused future must not be refilled twice.
        guard now > updated else { return }
        let elapsed = now - updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        level = min(capacity, level + seconds * rate)
        self.updated = now
    }

    /// Takes `amount` tokens and returns how long to wait before using them (zero when they were there).
    public mutating func reserve(_ amount: Double, now: ContinuousClock.Instant) -> Duration {
        refill(now: now)
        level -= amount
        guard level < 0, rate > 0 else { return .zero }
        return .nanoseconds(Int64((-level / rate) * 1e9))
    }
}

/// What a response says about pacing.
public enum RateFeedback: Sendable, Hashable {
    /// A success; `remaining`/`reset` from `X-RateLimit-Remaining` and `X-RateLimit-Reset` (seconds from now).
    case success(remaining: Int?, resetIn: Duration?)
    /// A 429 (or an instance not ready): pause everyone for `retryAfter` when given.
    case throttled(retryAfter: Duration?)
}

/// The pure pacing state.
public struct RateLimitState: Sendable {
    public let configuration: RateLimitConfiguration
    var requests: TokenBucket?
    var documents: TokenBucket?
    /// No request starts before this.
    public private(set) var pausedUntil: ContinuousClock.Instant?
    /// The current request rate in adaptive mode.
    public private(set) var adaptiveRate: Double?
    var ceilingRate: Double?
    public private(set) var throttledCount = 0

    public init(_ configuration: RateLimitConfiguration) {
        self.configuration = configuration
        let burst = max(configuration.burst, 1)
        if let rate = configuration.requestsPerSecond, rate > 0 {
            requests = TokenBucket(rate: rate, capacity: burst)
        }
        if let rate = configuration.documentsPerSecond, rate > 0 {
            // At least one full batch fits, so a batch never waits on its own size alone.
            documents = TokenBucket(rate: rate, capacity: max(100, rate * burst / max(configuration.requestsPerSecond ?? rate, 1)))
        }
        if configuration.adaptive {
            let start = configuration.requestsPerSecond ?? 50
            adaptiveRate = start
            ceilingRate = configuration.requestsPerSecond
            requests = TokenBucket(rate: start, capacity: burst)
        }
    }

    /// Reserves one request carrying `count` documents; returns the wait before sending it.
    public mutating func reserve(documents count: Int, now: ContinuousClock.Instant) -> Duration {
        var wait = Duration.zero
        if let pausedUntil, pausedUntil > now { wait = pausedUntil - now }
        let start = now + wait
        if var bucket = requests {
            wait = max(wait, bucket.reserve(1, now: start) + wait)
            requests = bucket
        }
        if var bucket = documents {
            wait = max(wait, bucket.reserve(Double(count), now: start) + (start - now))
            documents = bucket
        }
        return wait
    }

    /// Takes in what a response said.
    public mutating func record(_ feedback: RateFeedback, now: ContinuousClock.Instant) {
        switch feedback {
        case .throttled(let retryAfter):
            throttledCount += 1
            pause(until: now + (retryAfter ?? .seconds(1)))
            if let rate = adaptiveRate {
                let next = max(0.5, rate / 2)
                adaptiveRate = next
                requests?.rate = next
            }
        case .success(let remaining, let resetIn):
            if let remaining, remaining <= 0, let resetIn, resetIn > .zero {
                // The window is spent: wait for it instead of collecting a 429.
                pause(until: now + resetIn)
            }
            if let rate = adaptiveRate {
                var next = rate + max(0.5, rate * 0.02)
                if let ceiling = ceilingRate { next = min(next, ceiling) }
                adaptiveRate = next
                requests?.rate = next
            }
        }
    }

    /// Nobody sends before `instant` (the latest pause wins).
    public mutating func pause(until instant: ContinuousClock.Instant) {
        if let pausedUntil, pausedUntil >= instant { return }
        pausedUntil = instant
    }
}

/// Paces the requests of every in-flight batch of a run against one target.
public actor RateLimiter {
    private var state: RateLimitState
    private let clock = ContinuousClock()
    /// Total time requests waited for the limiter.
    public private(set) var waited: Duration = .zero

    public init(_ configuration: RateLimitConfiguration) {
        state = RateLimitState(configuration)
    }

    /// Waits until a request with `documents` documents may go.
    public func acquire(documents: Int) async throws {
        let wait = state.reserve(documents: documents, now: clock.now)
        if wait > .zero {
            waited += wait
            try await clock.sleep(for: wait)
        }
    }

    public func record(_ feedback: RateFeedback) {
        state.record(feedback, now: clock.now)
    }

    public var throttledCount: Int { state.throttledCount }
    public var currentAdaptiveRate: Double? { state.adaptiveRate }
}
