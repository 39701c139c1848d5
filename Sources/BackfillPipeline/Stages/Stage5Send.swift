import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Logging

/// Stage 5, send: each prepared batch paced by the rate limiter, sent, and sent again with backoff while the
/// target answers with something retryable; 429s and "instance not ready" pace the run without using up attempts.
/// A target that cannot refuse a repeated id (no client ids) is asked what it holds before anything is sent again.
/// Outcomes go to the record stage (``OutcomeRecorder``).
struct BatchSender: Sendable {
    let target: any UploadTarget
    let limiter: RateLimiter
    let retry: RetryPolicy
    let failFast: Bool
    let tally: RunTally
    let recorder: OutcomeRecorder
    let logger: Logger
    /// 429s and "instance not ready" pace the run; they do not use up attempts, up to this many per batch.
    let maxThrottlesPerBatch = 200

    /// What the attempts at one batch came to.
    private struct Attempts {
        var documents: [EncodedDocument]
        var result: SendResult?
        var lastError: UploadError?
        /// Sent, and the target may hold it: such a batch is never sent again before the target has answered
        /// that it does not hold it.
        var outcomeUnknown = false
        /// Found on the target by a look-up.
        var settled: [String: ItemOutcome] = [:]
    }

    func process(_ batch: PreparedBatch) async throws {
        if tally.sendingStopped {
            // The run is stopping: this batch was never sent; it goes back to pending.
            try recorder.notSent(batch)
            return
        }
        var attempts = Attempts(documents: batch.items.map(\.encoded))
        try await send(batch, &attempts)
        if attempts.outcomeUnknown, attempts.result == nil, let found = await lookUp(attempts.documents, batch: batch) {
            // Asked after the last attempt: what the target holds is done; the rest is known not stored.
            attempts.settled.merge(found) { first, _ in first }
            attempts.documents.removeAll { found[$0.documentID] != nil }
            attempts.outcomeUnknown = false
            if attempts.documents.isEmpty { attempts.result = SendResult(outcomes: [:]) }
        }
        try finish(batch, attempts)
    }

    /// Hands what the attempts came to to the record stage.
    private func finish(_ batch: PreparedBatch, _ attempts: Attempts) throws {
        if let result = attempts.result {
            try recorder.record(batch, outcomes: result.outcomes.merging(attempts.settled) { first, _ in first })
        } else if attempts.outcomeUnknown, let lastError = attempts.lastError {
            try recorder.recordUnknown(batch, settled: attempts.settled, error: lastError)
        } else if let lastError = attempts.lastError {
            if attempts.settled.isEmpty {
                try recorder.recordFailure(batch, error: lastError)
            } else {
                // Some were found on the target: they are done; the others failed (known not stored).
                var outcomes = attempts.settled
                for document in attempts.documents {
                    outcomes[document.documentID] = .failed(code: lastError.code, message: lastError.message)
                }
                try recorder.record(batch, outcomes: outcomes)
            }
        }
    }

    /// Sends until an answer, a final error or a stop.
    private func send(_ batch: PreparedBatch, _ state: inout Attempts) async throws {
        var attempt = 0
        var throttles = 0
        while true {
            let before = ContinuousClock.now
            try await limiter.acquire(documents: state.documents.count)
            tally.addWaited(ContinuousClock.now - before)
            attempt += 1
            tally.noteRequest(bytes: batch.bytes)
            do {
                let answer = try await target.send(state.documents, failFast: failFast)
                await limiter.record(.success(remaining: answer.rateLimitRemaining, resetIn: answer.rateLimitResetIn))
                state.result = answer
                return
            } catch let error as UploadError {
                state.lastError = error
                let throttled = error.isThrottle
                if throttled {
                    await limiter.record(.throttled(retryAfter: error.retryAfter))
                    tally.noteThrottled()
                    throttles += 1
                    attempt -= 1
                } else if error.isRetryable && !target.deduplicatesByID {
                    state.outcomeUnknown = true
                }
                guard error.isRetryable, attempt < retry.maxAttempts, throttles < maxThrottlesPerBatch else { return }
                if tally.sendingStopped { return }
                tally.noteRetry()
                if !throttled { try await backOff(batch, attempt: attempt, error: error) }
                if state.outcomeUnknown {
                    guard let found = await lookUp(state.documents, batch: batch) else { return }
                    state.settled.merge(found) { first, _ in first }
                    state.documents.removeAll { found[$0.documentID] != nil }
                    state.outcomeUnknown = false
                    if state.documents.isEmpty {
                        state.result = SendResult(outcomes: [:])
                        return
                    }
                }
            }
        }
    }

    private func backOff(_ batch: PreparedBatch, attempt: Int, error: UploadError) async throws {
        let wait = retry.delay(afterAttempt: attempt, retryAfter: error.retryAfter, random: Double.random(in: 0..<1))
        logger.info(
            "batch will be sent again",
            metadata: ["batch.id": "\(batch.ledgerID)", "error.code": "\(error.code)", "wait": "\(wait)"])
        tally.addWaited(wait)
        try await Task.sleep(for: wait)
    }

    /// Asks a target that cannot deduplicate which of `documents` it already holds, retrying the question (never
    /// the send) with backoff; nil when it could not be answered.
    private func lookUp(_ documents: [EncodedDocument], batch: PreparedBatch) async -> [String: ItemOutcome]? {
        let known = documents.map { KnownDocument(documentID: $0.documentID, targetID: nil, userID: $0.request.userID) }
        for attempt in 1...max(1, retry.maxAttempts) {
            do {
                try await limiter.acquire(documents: 0)
                tally.noteRequest(bytes: 0)
                let found = try await target.reconcile(known)
                return found.filter { if case .accepted = $0.value { return true } else { return false } }
            } catch {
                let uploadError = error as? UploadError
                if let uploadError, uploadError.has(.rateLimited) {
                    await limiter.record(.throttled(retryAfter: uploadError.retryAfter))
                    tally.noteThrottled()
                }
                guard attempt < retry.maxAttempts, !tally.sendingStopped, !Task.isCancelled else { break }
                let wait = retry.delay(
                    afterAttempt: attempt, retryAfter: uploadError?.retryAfter, random: Double.random(in: 0..<1))
                logger.info(
                    "the target will be asked again before anything is resent",
                    metadata: ["batch.id": "\(batch.ledgerID)", "error": "\(error)", "wait": "\(wait)"])
                tally.addWaited(wait)
                try? await Task.sleep(for: wait)
            }
        }
        return nil
    }
}

/// Before anything is sent: documents a crashed run left `sending` are looked up on targets that cannot
/// deduplicate (no client ids), and what they already hold is settled.
struct CrashReconciler {
    let target: any UploadTarget
    let ledger: any LedgerStore
    let retry: RetryPolicy
    let tally: RunTally

    func run() async throws {
        var after = ""
        while true {
            let page = try ledger.knownDocuments(in: [.sending], afterID: after, limit: 500)
            guard let last = page.last else { return }
            after = last.documentID
            let known = page.map { KnownDocument(documentID: $0.documentID, targetID: $0.targetID, userID: $0.userID) }
            let found = try await askTarget(known)
            let settled = found.compactMap { id, outcome -> LedgerOutcome? in
                if case .accepted(let targetID) = outcome {
                    return LedgerOutcome(documentID: id, state: .accepted, ingestionID: targetID)
                }
                return nil
            }
            try ledger.settle(settled)
            if !settled.isEmpty {
                tally.note(
                    \.warnings, code: WarningCode.reconciledAfterCrash.rawValue,
                    example: .init(
                        documentID: settled.first?.documentID, location: ledger.path,
                        message:
                            "\(settled.count) documents left `sending` by an interrupted run were found on the target and not sent again"
                    ))
            }
        }
    }

    /// `target.reconcile`, asked again with backoff while the target cannot answer; after the last attempt the
    /// run stops before sending anything (documents with an unknown outcome are never sent blind).
    private func askTarget(_ known: [KnownDocument]) async throws -> [String: ItemOutcome] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await target.reconcile(known)
            } catch let error as UploadError where error.isRetryable {
                guard attempt < retry.maxAttempts, !tally.signal.isTriggered else {
                    throw UploadError(
                        kind: .stop, code: StopReason.targetUnavailable.rawValue,
                        message:
                            "documents an earlier run left with an unknown outcome cannot be looked up (\(error.message)); nothing was sent — run the same command again when the target answers"
                    )
                }
                try await Task.sleep(
                    for: retry.delay(
                        afterAttempt: attempt, retryAfter: error.retryAfter, random: Double.random(in: 0..<1)))
            }
        }
    }
}
