import BackfillCore
import BackfillPipeline
import BackfillTargets
import Foundation

/// What asking one document's ingestion status found.
public enum IngestionAnswer: Sendable, Hashable {
    /// The target's status (`queued`, `processing`, `completed`, `failed`, `partial_success`) and its
    /// `error_message`.
    case status(String, error: String?)
    /// The target does not know the ingestion id (404).
    case missing
    /// No readable answer after the retries (or a permanent error), with why.
    case unreadable(String)
}

/// Asks the ingestion status of many documents (Synap's `GET …/status/{id}`, the SDK's `memories.status`):
/// `concurrency` requests in flight, every one paced by a ``RateLimiter`` shared by all of them (a 429's
/// `Retry-After` or `X-RateLimit-Remaining: 0` pauses every worker), 5xx and connection errors tried again with
/// jittered backoff (GETs are safe to repeat), 429s not counted as attempts. A refused key (401/403/402)
/// throws; anything else unreadable is answered `.unreadable`, never thrown, so one bad id does not stop the rest.
public struct IngestionStatusChecker: Sendable {
    public var concurrency: Int
    public let limiter: RateLimiter
    public var retry: RetryPolicy
    /// 429s tolerated per document before it is answered `.unreadable`.
    public var maxThrottles = 200
    let fetch: @Sendable (String) async throws -> SynapStatusReply

    public init(
        concurrency: Int, limiter: RateLimiter, retry: RetryPolicy,
        fetch: @escaping @Sendable (String) async throws -> SynapStatusReply
    ) {
        self.concurrency = max(1, concurrency)
        self.limiter = limiter
        self.retry = retry
        self.fetch = fetch
    }

    /// The answer for each `(documentID, ingestionID)`, by document id.
    public func check(_ documents: [(documentID: String, ingestionID: String)]) async throws -> [String:
        IngestionAnswer]
    {
        try await withThrowingTaskGroup(of: (String, IngestionAnswer).self) { group in
            var results: [String: IngestionAnswer] = [:]
            results.reserveCapacity(documents.count)
            var next = documents.startIndex
            func startNext() {
                guard next < documents.endIndex else { return }
                let (documentID, ingestionID) = documents[next]
                next += 1
                group.addTask { (documentID, try await ask(ingestionID)) }
            }
            for _ in 0..<concurrency { startNext() }
            while let answer = try await group.next() {
                results[answer.0] = answer.1
                startNext()
            }
            return results
        }
    }

    func ask(_ ingestionID: String) async throws -> IngestionAnswer {
        var attempt = 0
        var throttles = 0
        while true {
            try await limiter.acquire(documents: 1)
            attempt += 1
            let failure: UploadError
            do {
                let reply = try await fetch(ingestionID)
                await limiter.record(.success(remaining: reply.rateLimitRemaining, resetIn: reply.rateLimitResetIn))
                return .status(reply.status.status.lowercased(), error: reply.status.errorMessage)
            } catch let error as UploadError {
                failure = error
            }
            if failure.httpStatus == 404 { return .missing }
            if failure.kind == .stop { throw failure }
            let throttled = failure.isThrottle
            if throttled {
                await limiter.record(.throttled(retryAfter: failure.retryAfter))
                throttles += 1
                attempt -= 1
            }
            guard failure.isRetryable, attempt < retry.maxAttempts, throttles < maxThrottles else {
                return .unreadable(failure.description)
            }
            if !throttled {
                try await Task.sleep(
                    for: retry.delay(
                        afterAttempt: attempt, retryAfter: failure.retryAfter, random: Double.random(in: 0..<1)))
            }
        }
    }
}
