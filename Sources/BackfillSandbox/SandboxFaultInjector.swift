import Foundation
import Synchronization

/// SplitMix64: a tiny deterministic generator, so a seed replays the same faults for the same request order.
package struct SplitMix64: Sendable {
    private var state: UInt64

    package init(seed: UInt64) { state = seed }

    package mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    package mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }
}

/// Rate-limit headers for one request.
package struct RateLimitInfo: Sendable, Equatable {
    package var limit: Int
    package var remaining: Int
    /// Unix time (seconds) at which the bucket is full again (for a 429: when the next request may pass).
    package var reset: Int
}

/// What a route does, for the fault injector: reads get 500/503, resets and the rate limit; writes also
/// accept-then-fail (store, then answer 503).
package enum SandboxRouteKind: Sendable, Equatable {
    case read
    case write
}

/// What the fault injector decided for one request.
package enum WriteAdmission: Sendable, Equatable {
    case proceed(rateLimit: RateLimitInfo?, acceptThenFail: Bool)
    case rateLimited(RateLimitInfo, retryAfter: Int)
    case fail(status: Int, rateLimit: RateLimitInfo?)
    case reset
}

/// Token bucket, seeded fault draws and counters; one lock, held only for arithmetic.
package final class SandboxFaultInjector: Sendable {
    private struct State {
        var random: SplitMix64
        var tokens: Double
        var refilledAt: ContinuousClock.Instant
        var requests = 0
        var rateLimited = 0
        var faults = 0
        /// Writes stored, then answered 503 (the only injected fault after which a resend is a duplicate).
        var acceptedThenFailed = 0
    }

    private let faults: SandboxFaults
    private let capacity: Double
    private let clock = ContinuousClock()
    private let state: Mutex<State>

    package init(faults: SandboxFaults) {
        self.faults = faults
        let rate = faults.rateLimitPerSecond ?? 0
        capacity = max(1, rate.rounded(.down))
        state = Mutex(State(random: SplitMix64(seed: faults.seed), tokens: capacity, refilledAt: clock.now))
    }

    package var latency: Duration { faults.latency }

    /// Counts a request to an API route.
    package func countRequest() {
        state.withLock { $0.requests += 1 }
    }

    /// Rate limit first, then the seeded draws (fail, reset, accept-then-fail), always three draws per admitted
    /// request so one rate does not shift another's sequence. Reads and writes share the bucket and the
    /// sequence; a read never gets accept-then-fail (it stores nothing).
    package func admit(_ kind: SandboxRouteKind) -> WriteAdmission {
        let now = clock.now
        let wallNow = Date().timeIntervalSince1970
        return state.withLock { state in
            var info: RateLimitInfo?
            if let rate = faults.rateLimitPerSecond, rate > 0 {
                let elapsed = (now - state.refilledAt).seconds
                state.tokens = min(capacity, state.tokens + elapsed * rate)
                state.refilledAt = now
                if state.tokens < 1 {
                    let wait = max(1, Int(((1 - state.tokens) / rate).rounded(.up)))
                    state.rateLimited += 1
                    return .rateLimited(
                        RateLimitInfo(limit: Int(capacity), remaining: 0, reset: Int(wallNow.rounded(.up)) + wait),
                        retryAfter: wait)
                }
                state.tokens -= 1
                let refill = ((capacity - state.tokens) / rate).rounded(.up)
                info = RateLimitInfo(
                    limit: Int(capacity), remaining: Int(state.tokens.rounded(.down)),
                    reset: Int((wallNow + refill).rounded(.up)))
            }
            guard faults.failRate > 0 || faults.resetRate > 0 || faults.acceptThenFailRate > 0 else {
                return .proceed(rateLimit: info, acceptThenFail: false)
            }
            let failDraw = state.random.nextUnit()
            let resetDraw = state.random.nextUnit()
            let acceptDraw = state.random.nextUnit()
            if failDraw < faults.failRate {
                state.faults += 1
                return .fail(status: failDraw < faults.failRate / 2 ? 500 : 503, rateLimit: info)
            }
            if resetDraw < faults.resetRate {
                state.faults += 1
                return .reset
            }
            if kind == .write, acceptDraw < faults.acceptThenFailRate {
                state.faults += 1
                state.acceptedThenFailed += 1
                return .proceed(rateLimit: info, acceptThenFail: true)
            }
            return .proceed(rateLimit: info, acceptThenFail: false)
        }
    }

    package func counters() -> (requests: Int, rateLimited: Int, faults: Int, acceptedThenFailed: Int) {
        state.withLock { ($0.requests, $0.rateLimited, $0.faults, $0.acceptedThenFailed) }
    }
}
