import BackfillCore
import BackfillLedger
import BackfillPipeline
import BackfillTargets
import Foundation
import Logging

/// One `backfill verify` run, as a target's ``TargetDescriptor/verify(_:report:)`` gets it.
public struct VerifyRequest: Sendable {
    public var job: String
    public var ledgerPath: String
    public var ledger: Ledger
    public var options: TargetRunOptions
    /// Mark missing documents `failed` so `retry` sends them again.
    public var markMissing: Bool
    public var verification: VerifyOptions
    public var logger: Logger

    public init(
        job: String, ledgerPath: String, ledger: Ledger, options: TargetRunOptions, markMissing: Bool,
        verification: VerifyOptions, logger: Logger
    ) {
        self.job = job
        self.ledgerPath = ledgerPath
        self.ledger = ledger
        self.options = options
        self.markMissing = markMissing
        self.verification = verification
        self.logger = logger
    }

    /// Asks `client` about every document the ledger holds as accepted or duplicate, 500 at a time, counts the
    /// answers into `report`, and with `markMissing` marks the missing ones `failed`.
    public static func readBack(_ request: VerifyRequest, client: any UploadTarget, report: inout VerifyReport)
        async throws
    {
        let ledger = request.ledger
        var after = ""
        var missingIDs: [String] = []
        while true {
            let page = try ledger.knownDocuments(in: [.accepted, .duplicate], afterID: after, limit: 500)
            guard let last = page.last else { break }
            after = last.documentID
            let outcomes = try await client.verify(
                page.map { KnownDocument(documentID: $0.documentID, targetID: $0.targetID, userID: $0.userID) })
            for document in page {
                report.checked += 1
                switch outcomes[document.documentID] ?? .unknown("no answer") {
                case .present: report.present += 1
                case .missing:
                    report.missing += 1
                    missingIDs.append(document.documentID)
                    if report.missingExamples.count < 20 { report.missingExamples.append(document.documentID) }
                case .unknown(let why):
                    report.unknown += 1
                    report.unknownReasons[why, default: 0] += 1
                }
            }
        }
        if request.markMissing && !missingIDs.isEmpty {
            try ledger.markMissingOnTarget(missingIDs)
            report.markedForRetry = true
        }
    }
}

/// The codes `backfill verify --mark-missing` leaves on the documents it hands to `backfill retry`.
public enum VerifyCode: String, Sendable, CaseIterable {
    /// The ledger held it as accepted, the target does not have it.
    case missingOnTarget = "missing_on_target"
    /// The target accepted it but failed to process it.
    case ingestionFailed = "ingestion_failed"
}

extension Ledger {
    /// Documents the ledger held as accepted that the target does not have: `failed`, for `backfill retry`.
    public func markMissingOnTarget(_ ids: [String]) throws {
        try mark(
            ids, as: .failed, code: VerifyCode.missingOnTarget.rawValue,
            message: "the ledger held it as accepted but the target does not have it (backfill verify)")
    }
}

/// How `backfill verify` asks ingestion statuses (targets that report processing, such as the embedded sandbox).
public struct VerifyOptions: Sendable {
    /// Poll until no document is `queued` or `processing` (the SDK's `wait_for_completion`), or `timeout` passes.
    public var wait = false
    public var timeout: Duration = .seconds(600)
    /// Pause between two polls of the documents still pending.
    public var pollInterval: Duration = .seconds(2)
    /// Status requests in flight at once.
    public var concurrency = 8
    /// Pacing of the status requests (`--rate`, `--burst`).
    public var rate = RateLimitConfiguration()
    /// Attempts per status request for 5xx and connection errors (429s do not count).
    public var retry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
    /// SIGINT/SIGTERM: stop asking after the requests in flight; what was learnt is recorded, the report prints.
    public var stopSignal = StopSignal()

    public init() {}
}

/// What `backfill verify` found.
public struct VerifyReport: Sendable, Codable {
    public var job: String
    public var target: String
    public var checked = 0
    public var present = 0
    public var missing = 0
    public var unknown = 0
    /// Missing documents (the first 20) with where they came from.
    public var missingExamples: [String] = []
    public var unknownReasons: [String: Int] = [:]
    /// Whether missing documents were marked `failed` so `backfill retry` sends them again.
    public var markedForRetry = false
    /// Accepted documents by the target's ingestion status (`queued`, `processing`, `completed`, `failed`,
    /// `partial_success`; `unchecked` when none could be read), as the ledger holds them after this run.
    public var ingestion: [String: Int] = [:]
    /// Documents whose processing failed (then those that only partly succeeded), with the target's error: the
    /// first 100.
    public var ingestionFailures: [IngestionRecord] = []
    /// Documents still `queued` or `processing` (or unreadable) at the end.
    public var pending = 0
    /// `--wait`: whether the timeout passed with documents still pending.
    public var timedOut = false
    /// Rounds of status requests (1 without `--wait`).
    public var polls = 0
    public var elapsedSeconds = 0.0
    /// Why the run stopped early (a refused key), when it did: the reason's code and message (see ``stop(_:message:)``).
    public var stopped: String?
    /// The reason behind `stopped` (not in the JSON: `stopped` carries it), which picks the exit status.
    public var stopReason: StopReason?
    public var exitCode: Int32 = 0

    /// Records that verification stopped early for `reason`: `stopped` reads `<code>: <message>`.
    public mutating func stop(_ reason: StopReason, message: String) {
        stopReason = reason
        stopped = "\(reason.rawValue): \(message)"
    }

    enum CodingKeys: String, CodingKey {
        case job, target, checked, present, missing, unknown, ingestion, pending, polls, stopped
        case missingExamples = "missing_examples"
        case unknownReasons = "unknown_reasons"
        case markedForRetry = "marked_for_retry"
        case ingestionFailures = "ingestion_failures"
        case timedOut = "timed_out"
        case elapsedSeconds = "elapsed_seconds"
        case exitCode = "exit_code"
    }

    public init(job: String, target: String) {
        self.job = job
        self.target = target
    }

    /// Statuses in the order of an ingestion's life.
    public static let statusOrder = ["queued", "processing", "completed", "partial_success", "failed", "unchecked"]

    public func text() -> String {
        var lines = [
            "Verify \(job) against \(target)",
            "  checked  \(checked) documents the ledger holds as accepted or duplicate",
            "  present  \(present)",
            "  missing  \(missing)"
                + (markedForRetry ? "  (marked failed: `backfill retry --job \(job)` sends them again)" : ""),
            "  unknown  \(unknown)",
        ]
        for (reason, count) in unknownReasons.sorted(by: { $0.key < $1.key }) {
            lines.append("    \(reason) × \(count)")
        }
        if !ingestion.isEmpty {
            let ordered =
                Self.statusOrder.filter { ingestion[$0] != nil }
                + ingestion.keys.filter { !Self.statusOrder.contains($0) }.sorted()
            lines.append(
                "Ingestion status (\(polls) round\(polls == 1 ? "" : "s"), \(String(format: "%.1f", elapsedSeconds)) s):"
            )
            for status in ordered {
                lines.append("  \(status.padding(toLength: 16, withPad: " ", startingAt: 0)) \(ingestion[status] ?? 0)")
            }
        }
        if !ingestionFailures.isEmpty {
            lines.append("Processing failures (the target's error):")
            lines += ingestionFailures.map { "  - \($0.documentID) (\($0.status)): \($0.error ?? "no error message")" }
        }
        if !missingExamples.isEmpty {
            lines.append("Missing on the target:")
            lines += missingExamples.map { "  - \($0)" }
        }
        if timedOut {
            let waiting = ingestion.filter { !Ledger.finishedIngestion.contains($0.key) && $0.key != "unchecked" }
                .sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
            lines.append(
                "Timed out with \(pending) documents still pending (\(waiting.isEmpty ? "unreadable" : waiting)); run `backfill verify --job \(job) --wait` again later"
            )
        }
        if let stopped { lines.append("Stopped: \(stopped)") }
        return lines.joined(separator: "\n")
    }
}
