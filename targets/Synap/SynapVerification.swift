import BackfillCore
import BackfillLedger
import BackfillPipeline
import BackfillTargetKit
import BackfillTargets
import Foundation

/// Synap's `backfill verify` (and the embedded sandbox's, over HTTP like Synap): the ingestion status of every
/// accepted document, asked `verification.concurrency` at a time under a rate limiter, recorded per document in
/// the ledger (status, `error_message`, when); with `verification.wait`, the documents still `queued` or
/// `processing` are asked again every `pollInterval` until none is left or `timeout` passes. Processing failures
/// are reported with the target's error (exit 1) and, with `markMissing`, marked `failed` too.
package struct SynapVerification {
    let ledger: Ledger
    let checker: IngestionStatusChecker
    let verification: VerifyOptions
    /// The ingestion id of a document the ledger holds without one (the sandbox's store knows it).
    let lookup: @Sendable (String) -> String?
    var report: VerifyReport
    var missingIDs: [String] = []
    /// Documents whose status could not be read in the first round, with the reason they were counted under.
    var unreadable: [String: String] = [:]

    static let noID = "no ingestion id (the target answered duplicate)"

    /// Runs the whole verification with `client`, shutting it down after.
    package static func run(
        _ request: VerifyRequest, client: SynapClient, report: inout VerifyReport,
        lookup: @escaping @Sendable (String) -> String?
    ) async throws {
        let verification = request.verification
        let checker = IngestionStatusChecker(
            concurrency: verification.concurrency, limiter: RateLimiter(verification.rate), retry: verification.retry,
            fetch: { try await client.statusReply(ingestionID: $0) })
        var run = SynapVerification(
            ledger: request.ledger, checker: checker, verification: verification, lookup: lookup, report: report)
        do {
            try await run.askStatuses(markMissing: request.markMissing)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        report = run.report
    }

    mutating func askStatuses(markMissing: Bool) async throws {
        do {
            try await firstRound()
            if verification.wait { try await poll() }
            if verification.stopSignal.isTriggered {
                report.stop(
                    .interrupted, message: "stopped by a signal; what was asked is recorded — run verify again to go on")
            }
        } catch let error as UploadError where error.kind == .stop {
            report.stop(.target(error.code), message: error.message)
        }
        report.pending = try awaitingCount()
        var counts = try ledger.ingestionCounts()
        counts["missing"] = nil
        report.ingestion = counts
        report.ingestionFailures = try ledger.ingestionFailures(limit: 100)
        if markMissing { try markForRetry() }
    }

    /// Every accepted or duplicate document once.
    private mutating func firstRound() async throws {
        var after = ""
        report.polls = 1
        while !verification.stopSignal.isTriggered {
            let page = try ledger.knownDocuments(in: [.accepted, .duplicate], afterID: after, limit: 1000)
            guard let last = page.last else { break }
            after = last.documentID
            try await round(page.map { ($0.documentID, $0.targetID) }, first: true)
        }
    }

    /// `--wait`: the documents still pending, every `pollInterval`, until none is left or the timeout passes.
    private mutating func poll() async throws {
        let stop = verification.stopSignal
        let clock = ContinuousClock()
        let deadline = clock.now + verification.timeout
        polling: while !stop.isTriggered {
            // Anything left to ask (never asked with an id, unreadable, queued, processing)?
            guard try awaitingCount() > 0 else { break }
            if clock.now + verification.pollInterval > deadline {
                report.timedOut = true
                break
            }
            // Sleep in short steps, so a signal is honoured at once.
            let wake = clock.now + verification.pollInterval
            while clock.now < wake {
                if stop.isTriggered { break polling }
                try await clock.sleep(for: min(.milliseconds(100), wake - clock.now))
            }
            report.polls += 1
            var after = ""
            while !stop.isTriggered {
                let page = try ledger.documentsAwaitingIngestion(afterID: after, limit: 1000)
                guard let last = page.last else { break }
                after = last.documentID
                try await round(page.map { ($0.documentID, $0.targetID) }, first: false)
            }
        }
    }

    /// Asks one page's statuses, records them, and counts them (`first`: the first round, which counts every
    /// document once; later rounds only move documents between the counts).
    private mutating func round(_ page: [(documentID: String, targetID: String?)], first: Bool) async throws {
        var asks: [(documentID: String, ingestionID: String)] = []
        for document in page {
            if first { report.checked += 1 }
            if let id = document.targetID ?? lookup(document.documentID) {
                asks.append((document.documentID, id))
            } else if first {
                report.unknown += 1
                report.unknownReasons[Self.noID, default: 0] += 1
            }
        }
        let answers = try await checker.check(asks)
        var records: [IngestionRecord] = []
        for ask in asks {
            if let record = count(answers[ask.documentID] ?? .unreadable("no answer"), id: ask.documentID, first: first)
            {
                records.append(record)
            }
        }
        try ledger.recordIngestion(records)
    }

    /// Counts one answer; returns what to record of it.
    private mutating func count(_ answer: IngestionAnswer, id: String, first: Bool) -> IngestionRecord? {
        switch answer {
        case .status(let status, let error):
            if first {
                report.present += 1
            } else if forgetUnreadable(id) {
                report.present += 1
            }
            return IngestionRecord(documentID: id, status: status, error: error)
        case .missing:
            if !first && !forgetUnreadable(id) { report.present -= 1 }
            report.missing += 1
            missingIDs.append(id)
            if report.missingExamples.count < 20 { report.missingExamples.append(id) }
            // Not pending any more: the target does not know it (Backfill's own mark, not a target status).
            return IngestionRecord(
                documentID: id, status: "missing", error: "the target does not know this ingestion id")
        case .unreadable(let why):
            if first {
                let reason = "status unreadable: " + String(why.prefix(120))
                report.unknown += 1
                report.unknownReasons[reason, default: 0] += 1
                unreadable[id] = reason
            }
            return nil
        }
    }

    /// Takes a document unreadable in the first round out of the unknown count; false when it was not.
    private mutating func forgetUnreadable(_ id: String) -> Bool {
        guard let reason = unreadable.removeValue(forKey: id) else { return false }
        report.unknown -= 1
        report.unknownReasons[reason, default: 1] -= 1
        if report.unknownReasons[reason] == 0 { report.unknownReasons[reason] = nil }
        return true
    }

    /// `--mark-missing`: missing documents and failed ingestions become `failed`, for `backfill retry`.
    private mutating func markForRetry() throws {
        if !missingIDs.isEmpty {
            try ledger.markMissingOnTarget(missingIDs)
            report.markedForRetry = true
        }
        let failed = try ledger.ingestionFailures(limit: Int.max).filter { $0.status == "failed" }
        for failure in failed {
            try ledger.mark(
                [failure.documentID], as: .failed, code: VerifyCode.ingestionFailed.rawValue,
                message: "the target failed to process it: \(failure.error ?? "no error message") (backfill verify)")
        }
        if !failed.isEmpty { report.markedForRetry = true }
    }

    /// Accepted documents whose processing is not known to be over and that have an id to ask by.
    private func awaitingCount() throws -> Int {
        var count = 0
        var after = ""
        while true {
            let page = try ledger.documentsAwaitingIngestion(afterID: after, limit: 5000)
            guard let last = page.last else { break }
            after = last.documentID
            count += page.filter { $0.targetID != nil || lookup($0.documentID) != nil }.count
        }
        return count
    }
}
