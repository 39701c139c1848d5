import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Logging
import Synchronization

/// Set by SIGINT/SIGTERM (or a test): stop reading, let in-flight batches finish, print the report.
public final class StopSignal: Sendable {
    private let flag = Mutex(false)
    public init() {}
    public func trigger() { flag.withLock { $0 = true } }
    public var isTriggered: Bool { flag.withLock { $0 } }
}

/// One document of a batch, as a worker needs it.
struct BatchItem: Sendable {
    var encoded: EncodedDocument
    var provenance: Provenance
    var documentType: String
}

/// A batch already recorded as `sending` in the ledger, on its way to a worker.
struct PreparedBatch: Sendable {
    /// Production order, from 1; the resume watermark moves over these.
    var seq: Int
    var ledgerID: Int64
    var items: [BatchItem]
    var bytes: Int
}

/// Rejected documents, with their request and reason, one JSON object a line, next to the ledger. Appended to in
/// place across runs (``OutputFile``: a symbolic link or a FIFO put there stays what it is).
public final class DeadLetter: Sendable {
    public let path: String
    private let handle: Mutex<OutputFile?>

    public init(path: String) {
        self.path = path
        handle = Mutex(nil)
    }

    /// Appends one rejected document. Failures to write are reported once in the log, never fatal.
    func write(documentID: String, code: String, message: String, provenance: Provenance, requestJSON: [UInt8]?) {
        var object: [String: JSONValue] = [
            "document_id": .string(documentID),
            "reason": .object(["code": .string(code), "message": .string(message)]),
        ]
        var line: [UInt8]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let provenanceData = try? encoder.encode(provenance),
            let provenanceJSON = try? JSONDecoder().decode(JSONValue.self, from: provenanceData)
        {
            object["provenance"] = provenanceJSON
        }
        if let requestJSON, let request = try? JSONDecoder().decode(JSONValue.self, from: Data(requestJSON)) {
            object["request"] = request
        }
        guard let data = try? encoder.encode(JSONValue.object(object)) else { return }
        line = Array(data)
        line.append(0x0A)
        handle.withLock { handle in
            if handle == nil { handle = try? OutputFile(path: path) }
            _ = try? handle?.write(line)
        }
    }
}

/// What the workers found, gathered for the report and for the producer (stop, resume watermark).
actor SendCollector {
    var accepted = 0
    var duplicate = 0
    var rejected = 0
    var failed = 0
    var sent = 0
    var batches = 0
    var requests = 0
    var retries = 0
    var throttled = 0
    var bytesSent = 0
    var waited: Duration = .zero
    var rejections = RunReport(command: "import")
    var stop: RunReport.Stop?
    var consecutiveFailedBatches = 0
    /// Every batch up to this seq finished with nothing left to send again.
    var watermark = 0
    private var cleanAhead: Set<Int> = []
    /// Documents read so far (for progress).
    var documentsRead = 0

    func noteRead(_ count: Int) { documentsRead = count }

    func requestStop(_ stop: RunReport.Stop) {
        if self.stop == nil { self.stop = stop }
    }

    var isStopped: Bool { stop != nil }

    func finished(seq: Int, clean: Bool) {
        guard clean else { return }
        cleanAhead.insert(seq)
        while cleanAhead.remove(watermark + 1) != nil { watermark += 1 }
    }

    func note(_ list: WritableKeyPath<RunReport, [RunReport.Reason]>, code: String, example: RunReport.Example) {
        rejections.note(list, code: code, example: example)
    }

    func add(requests: Int = 0, retries: Int = 0, throttled: Int = 0, bytes: Int = 0, waited: Duration = .zero) {
        self.requests += requests
        self.retries += retries
        self.throttled += throttled
        self.bytesSent += bytes
        self.waited += waited
    }

    func record(accepted: Int, duplicate: Int, rejected: Int, failed: Int, sent: Int) {
        self.accepted += accepted
        self.duplicate += duplicate
        self.rejected += rejected
        self.failed += failed
        self.sent += sent
        batches += 1
    }

    func batchFailedCompletely() -> Int {
        consecutiveFailedBatches += 1
        return consecutiveFailedBatches
    }

    func batchSucceeded() { consecutiveFailedBatches = 0 }

    /// Folds the workers' findings into the producer's report.
    func merge(into report: inout RunReport) {
        report.documents.accepted? += accepted
        report.documents.duplicate? += duplicate
        report.documents.rejected += rejected
        report.documents.failed += failed
        report.documents.sent += sent
        report.requests.batches += batches
        report.requests.requests += requests
        report.requests.retries += retries
        report.requests.throttled += throttled
        report.requests.bytesSent += bytesSent
        report.requests.waitedSeconds += waited.seconds
        for reason in rejections.rejections {
            for example in reason.examples { report.note(\.rejections, code: reason.code, example: example) }
            if let index = report.rejections.firstIndex(where: { $0.code == reason.code }) {
                report.rejections[index].count += reason.count - min(reason.count, reason.examples.count)
            }
        }
        for reason in rejections.failures {
            for example in reason.examples { report.note(\.failures, code: reason.code, example: example) }
            if let index = report.failures.firstIndex(where: { $0.code == reason.code }) {
                report.failures[index].count += reason.count - min(reason.count, reason.examples.count)
            }
        }
        if report.stopped == nil { report.stopped = stop }
    }

    func snapshot() -> (read: Int, sent: Int, accepted: Int, duplicate: Int, rejected: Int, failed: Int, batches: Int, retries: Int, throttled: Int) {
        (documentsRead, sent, accepted, duplicate, rejected, failed, batches, retries, throttled)
    }
}

/// Sends prepared batches: paced by the rate limiter, retried with backoff, outcomes written to the ledger in one
/// transaction per batch.
struct BatchSender: Sendable {
    let target: any UploadTarget
    let ledger: Ledger
    let limiter: RateLimiter
    let retry: RetryPolicy
    let failFast: Bool
    let deadLetter: DeadLetter?
    let logger: Logger
    let maxConsecutiveFailedBatches = 3
    /// 429s and "instance not ready" pace the run; they do not use up attempts, up to this many per batch.
    let maxThrottlesPerBatch = 200

    func process(_ batch: PreparedBatch, collector: SendCollector) async throws {
        if await collector.isStopped {
            // The run is stopping: this batch was never sent; it goes back to pending.
            try ledger.finishBatch(
                batch.ledgerID,
                outcomes: batch.items.map {
                    LedgerOutcome(documentID: $0.encoded.documentID, state: .pending, errorCode: "not_sent", error: "the run stopped before this batch was sent")
                }, error: "not sent: the run stopped")
            return
        }
        var documents = batch.items.map(\.encoded)
        var attempt = 0
        var throttles = 0
        var result: SendResult?
        var lastError: UploadError?
        // A target that cannot refuse a repeated id (Mielto) may hold what a failed send carried: such a batch is
        // never sent again before the target has answered that it does not hold it (docs/DESIGN.md §4).
        var outcomeUnknown = false
        var settled: [String: ItemOutcome] = [:]
        sending: while true {
            let before = ContinuousClock.now
            try await limiter.acquire(documents: documents.count)
            await collector.add(waited: ContinuousClock.now - before)
            attempt += 1
            await collector.add(requests: 1, bytes: batch.bytes)
            do {
                let answer = try await target.send(documents, failFast: failFast)
                await limiter.record(.success(remaining: answer.rateLimitRemaining, resetIn: answer.rateLimitResetIn))
                result = answer
                break
            } catch let error as UploadError {
                lastError = error
                let throttled = error.code == "rate_limited" || error.code == "instance_not_ready"
                if throttled {
                    await limiter.record(.throttled(retryAfter: error.retryAfter))
                    await collector.add(throttled: 1)
                    throttles += 1
                    attempt -= 1
                } else if error.isRetryable && !target.deduplicatesByID {
                    outcomeUnknown = true
                }
                guard error.isRetryable, attempt < retry.maxAttempts, throttles < maxThrottlesPerBatch else { break }
                if await collector.isStopped { break }
                await collector.add(retries: 1)
                if !throttled {
                    let wait = retry.delay(afterAttempt: attempt, retryAfter: error.retryAfter, random: Double.random(in: 0..<1))
                    logger.info("batch will be sent again", metadata: ["batch.id": "\(batch.ledgerID)", "error.code": "\(error.code)", "wait": "\(wait)"])
                    await collector.add(waited: wait)
                    try await Task.sleep(for: wait)
                }
                if outcomeUnknown {
                    guard let found = await lookUp(documents, batch: batch, collector: collector) else { break sending }
                    settled.merge(found) { first, _ in first }
                    documents.removeAll { found[$0.documentID] != nil }
                    outcomeUnknown = false
                    if documents.isEmpty {
                        result = SendResult(outcomes: [:])
                        break sending
                    }
                }
            }
        }
        if outcomeUnknown, result == nil, let found = await lookUp(documents, batch: batch, collector: collector) {
            // Asked after the last attempt: what the target holds is done; the rest is known not stored.
            settled.merge(found) { first, _ in first }
            documents.removeAll { found[$0.documentID] != nil }
            outcomeUnknown = false
            if documents.isEmpty { result = SendResult(outcomes: [:]) }
        }
        if let result {
            try await record(batch, outcomes: result.outcomes.merging(settled) { first, _ in first }, collector: collector)
        } else if outcomeUnknown, let lastError {
            try await recordUnknown(batch, settled: settled, error: lastError, collector: collector)
        } else if let lastError {
            if settled.isEmpty {
                try await recordFailure(batch, error: lastError, collector: collector)
            } else {
                // Some were found on the target: they are done; the others failed (known not stored).
                var outcomes = settled
                for document in documents {
                    outcomes[document.documentID] = .failed(code: lastError.code, message: lastError.message)
                }
                try await record(batch, outcomes: outcomes, collector: collector)
            }
        }
    }

    /// Asks a target that cannot deduplicate which of `documents` it already holds, retrying the question (never
    /// the send) with backoff; nil when it could not be answered.
    private func lookUp(_ documents: [EncodedDocument], batch: PreparedBatch, collector: SendCollector) async
        -> [String: ItemOutcome]?
    {
        let known = documents.map { KnownDocument(documentID: $0.documentID, targetID: nil, userID: $0.request.userID) }
        for attempt in 1...max(1, retry.maxAttempts) {
            do {
                try await limiter.acquire(documents: 0)
                await collector.add(requests: 1)
                let found = try await target.reconcile(known)
                return found.filter { if case .accepted = $0.value { return true } else { return false } }
            } catch {
                let uploadError = error as? UploadError
                if let uploadError, uploadError.code == "rate_limited" {
                    await limiter.record(.throttled(retryAfter: uploadError.retryAfter))
                    await collector.add(throttled: 1)
                }
                guard attempt < retry.maxAttempts, !(await collector.isStopped), !Task.isCancelled else { break }
                let wait = retry.delay(
                    afterAttempt: attempt, retryAfter: uploadError?.retryAfter, random: Double.random(in: 0..<1))
                logger.info(
                    "the target will be asked again before anything is resent",
                    metadata: ["batch.id": "\(batch.ledgerID)", "error": "\(error)", "wait": "\(wait)"])
                await collector.add(waited: wait)
                try? await Task.sleep(for: wait)
            }
        }
        return nil
    }

    /// The target could not say whether it holds these documents: they stay `sending` (the durable "unknown
    /// outcome"), are not sent again in this run, and the next run asks the target before anything else.
    private func recordUnknown(
        _ batch: PreparedBatch, settled: [String: ItemOutcome], error: UploadError, collector: SendCollector
    ) async throws {
        var outcomes: [LedgerOutcome] = []
        var accepted = 0
        for item in batch.items {
            let id = item.encoded.documentID
            if case .accepted(let ingestionID)? = settled[id] {
                accepted += 1
                outcomes.append(LedgerOutcome(documentID: id, state: .accepted, ingestionID: ingestionID))
                continue
            }
            let message =
                "sent, but the outcome is unknown (\(error.message)) and the target could not be asked; the next run asks it before sending again"
            outcomes.append(LedgerOutcome(documentID: id, state: .sending, errorCode: "outcome_unknown", error: message))
            await collector.note(\.failures, code: "outcome_unknown", example: .init(documentID: id, location: item.provenance.location, message: message))
        }
        try ledger.finishBatch(batch.ledgerID, outcomes: outcomes, error: error.description)
        await collector.record(
            accepted: accepted, duplicate: 0, rejected: 0, failed: batch.items.count - accepted, sent: batch.items.count)
        let inARow = await collector.batchFailedCompletely()
        if inARow >= maxConsecutiveFailedBatches {
            await collector.requestStop(
                .init(
                    code: "target_unavailable",
                    message:
                        "\(inARow) batches in a row could not be confirmed (last: \(error.message)); run the same command again when the target is back — it asks before sending anything again"
                ))
        }
    }

    private func record(_ batch: PreparedBatch, outcomes: [String: ItemOutcome], collector: SendCollector) async throws {
        var ledgerOutcomes: [LedgerOutcome] = []
        var counts = (accepted: 0, duplicate: 0, rejected: 0, failed: 0)
        for item in batch.items {
            let id = item.encoded.documentID
            let location = item.provenance.location
            switch outcomes[id] ?? .failed(code: "unmatched_response", message: "no outcome for this document") {
            case .accepted(let ingestionID):
                counts.accepted += 1
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .accepted, ingestionID: ingestionID))
            case .duplicate(let message):
                counts.duplicate += 1
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .duplicate, errorCode: "duplicate", error: message))
            case .rejected(let code, let message):
                counts.rejected += 1
                await collector.note(\.rejections, code: code, example: .init(documentID: id, location: location, message: message))
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .rejected, errorCode: code, error: message))
                deadLetter?.write(documentID: id, code: code, message: message, provenance: item.provenance, requestJSON: item.encoded.json)
                if failFast {
                    await collector.requestStop(
                        .init(code: "fail_fast", message: "the target rejected a document (\(code)): \(message)", documentID: id, location: location))
                }
            case .failed(let code, let message):
                counts.failed += 1
                await collector.note(\.failures, code: code, example: .init(documentID: id, location: location, message: message))
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .failed, errorCode: code, error: message))
            }
        }
        try ledger.finishBatch(batch.ledgerID, outcomes: ledgerOutcomes)
        await collector.record(accepted: counts.accepted, duplicate: counts.duplicate, rejected: counts.rejected, failed: counts.failed, sent: batch.items.count)
        await collector.batchSucceeded()
        await collector.finished(seq: batch.seq, clean: counts.failed == 0)
    }

    private func recordFailure(_ batch: PreparedBatch, error: UploadError, collector: SendCollector) async throws {
        let state: DocumentState
        switch error.kind {
        case .invalid where failFast, .stop: state = .pending
        case .invalid, .retryable, .permanent: state = .failed
        }
        // Under fail-fast the target names the document that sank the batch: that one is rejected (and named in
        // the report), the others were not stored and stay pending.
        var named: BatchItem?
        if error.kind == .invalid && failFast {
            named = batch.items.first { $0.encoded.documentID == error.itemDocumentID }
                ?? error.itemIndex.flatMap { batch.items.indices.contains($0) ? batch.items[$0] : nil }
        }
        var outcomes: [LedgerOutcome] = []
        for item in batch.items {
            if let named, named.encoded.documentID == item.encoded.documentID {
                outcomes.append(LedgerOutcome(documentID: item.encoded.documentID, state: .rejected, errorCode: "rejected_by_target", error: error.message))
                await collector.note(\.rejections, code: "rejected_by_target", example: .init(documentID: item.encoded.documentID, location: item.provenance.location, message: error.message))
                deadLetter?.write(documentID: item.encoded.documentID, code: "rejected_by_target", message: error.message, provenance: item.provenance, requestJSON: item.encoded.json)
                continue
            }
            outcomes.append(LedgerOutcome(documentID: item.encoded.documentID, state: state, errorCode: error.code, error: error.message))
            if state == .failed {
                await collector.note(\.failures, code: error.code, example: .init(documentID: item.encoded.documentID, location: item.provenance.location, message: error.message))
            }
        }
        try ledger.finishBatch(batch.ledgerID, outcomes: outcomes, error: error.description)
        await collector.record(
            accepted: 0, duplicate: 0, rejected: named == nil ? 0 : 1, failed: state == .failed ? batch.items.count : 0,
            sent: batch.items.count)
        let inARow = await collector.batchFailedCompletely()
        switch error.kind {
        case .stop:
            await collector.requestStop(.init(code: error.code, message: error.message))
        case .invalid where failFast:
            await collector.requestStop(
                .init(
                    code: "fail_fast", message: "the target rejected the batch: \(error.message)",
                    documentID: named?.encoded.documentID, location: named?.provenance.location))
        case .retryable where inARow >= maxConsecutiveFailedBatches:
            await collector.requestStop(
                .init(
                    code: "target_unavailable",
                    message:
                        "\(inARow) batches in a row failed after \(retry.maxAttempts) attempts (last: \(error.message)); run the same command again when the target is back — the ledger resumes where this stopped"
                ))
        default:
            break
        }
    }
}
