import BackfillPipeline
import Testing

/// The pacing logic with instants chosen by the test: nothing sleeps.
@Suite("Rate limiter")
struct RateLimiterTests {
    let t0 = ContinuousClock.now

    func at(_ seconds: Double) -> ContinuousClock.Instant { t0.advanced(by: .milliseconds(Int64(seconds * 1000))) }

    @Test("a request bucket paces to the rate after its burst")
    func requestRate() {
        var state = RateLimitState(RateLimitConfiguration(requestsPerSecond: 10, burst: 1))
        #expect(state.reserve(documents: 100, now: at(0)) == .zero)
        // The next nine requests, asked for at the same instant, are spaced 100 ms apart.
        let waits = (1...9).map { _ in state.reserve(documents: 100, now: at(0)) }
        #expect(waits.map { Int(($0 / .milliseconds(1)).rounded()) } == [100, 200, 300, 400, 500, 600, 700, 800, 900])
        // A second later the debt is paid: 10 requests in 1 s in all, never more.
        #expect(state.reserve(documents: 1, now: at(2)) == .zero)
    }

    @Test("a burst lets that many go at once")
    func burst() {
        var state = RateLimitState(RateLimitConfiguration(requestsPerSecond: 5, burst: 3))
        let waits = (0..<4).map { _ in state.reserve(documents: 1, now: at(0)) }
        #expect(waits[0] == .zero && waits[1] == .zero && waits[2] == .zero)
        #expect(waits[3] == .milliseconds(200))
    }

    @Test("documents per second: a 100-document batch at 50 docs/s waits its share")
    func documentRate() {
        var state = RateLimitState(RateLimitConfiguration(documentsPerSecond: 50))
        #expect(state.reserve(documents: 100, now: at(0)) == .zero)
        #expect(state.reserve(documents: 100, now: at(0)) == .seconds(2))
        #expect(state.reserve(documents: 50, now: at(10)) == .zero)
    }

    @Test("Retry-After pauses every request until it has passed")
    func retryAfterPause() {
        var state = RateLimitState(RateLimitConfiguration())
        state.record(.throttled(retryAfter: .seconds(3)), now: at(1))
        #expect(state.reserve(documents: 1, now: at(1)) == .seconds(3))
        #expect(state.reserve(documents: 1, now: at(2.5)) == .milliseconds(1500))
        #expect(state.reserve(documents: 1, now: at(4)) == .zero)
        #expect(state.throttledCount == 1)
    }

    @Test("X-RateLimit-Remaining 0 waits for the reset instead of collecting a 429")
    func remainingZero() {
        var state = RateLimitState(RateLimitConfiguration())
        state.record(.success(remaining: 5, resetIn: .seconds(1)), now: at(0))
        #expect(state.reserve(documents: 1, now: at(0)) == .zero)
        state.record(.success(remaining: 0, resetIn: .seconds(2)), now: at(0))
        #expect(state.reserve(documents: 1, now: at(0.5)) == .milliseconds(1500))
    }

    @Test("adaptive: halve on 429, creep back up on success, never above the ceiling")
    func adaptive() {
        var state = RateLimitState(RateLimitConfiguration(requestsPerSecond: 40, adaptive: true))
        #expect(state.adaptiveRate == 40)
        state.record(.throttled(retryAfter: nil), now: at(0))
        #expect(state.adaptiveRate == 20)
        state.record(.throttled(retryAfter: nil), now: at(0))
        #expect(state.adaptiveRate == 10)
        for _ in 0..<100 { state.record(.success(remaining: nil, resetIn: nil), now: at(1)) }
        #expect(state.adaptiveRate == 40)
    }

    @Test("a pause in the future is not refilled twice")
    func pausedReservationsStayPaced() {
        var state = RateLimitState(RateLimitConfiguration(requestsPerSecond: 10, burst: 1))
        state.record(.throttled(retryAfter: .seconds(1)), now: at(0))
        let first = state.reserve(documents: 1, now: at(0))
        let second = state.reserve(documents: 1, now: at(0))
        #expect(first == .seconds(1))
        #expect(second == .milliseconds(1100))
    }
}
