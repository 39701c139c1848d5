/// Jittered exponential backoff: `base · 2^(attempt-1)`, capped, with full jitter; a server's `Retry-After`
/// wins when it is longer.
public struct RetryPolicy: Sendable {
    public var maxAttempts: Int
    public var baseDelay: Duration
    public var maxDelay: Duration

    public init(maxAttempts: Int = 5, baseDelay: Duration = .milliseconds(500), maxDelay: Duration = .seconds(10)) {
        self.maxAttempts = maxAttempts
        self.baseDelay = baseDelay
        self.maxDelay = maxDelay
    }

    /// The wait before attempt `attempt + 1` (attempt is 1-based), given a random value in 0..<1.
    public func delay(afterAttempt attempt: Int, retryAfter: Duration?, random: Double) -> Duration {
        let exponent = min(max(attempt - 1, 0), 30)
        var ceiling = baseDelay * (1 << exponent)
        if ceiling > maxDelay { ceiling = maxDelay }
        // Equal jitter: half fixed, half random — never zero, never in lock-step.
        let jittered = ceiling / 2 + (ceiling / 2) * random
        if let retryAfter, retryAfter > jittered { return retryAfter }
        return jittered
    }
}
