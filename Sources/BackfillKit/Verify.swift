import BackfillLedger
import BackfillTargetKit
import Foundation
import Logging

extension Backfill {
    /// Reads back from the target what the ledger says was accepted, and reports what is missing. With
    /// `markMissing`, missing documents become `failed` in the ledger so `retry` sends them again. How is the
    /// target's own (``TargetDescriptor/verify(_:report:)``): an ingestion status per document, a batch read, a
    /// listing.
    public static func verify(
        job: String, ledgerPath: String, options: ImportOptions, markMissing: Bool,
        verification: VerifyOptions = VerifyOptions(), logger: Logger
    ) async throws -> VerifyReport {
        let ledger = try Ledger(path: ledgerPath)
        var report = VerifyReport(job: job, target: options.target.rawValue)
        let started = ContinuousClock.now
        let target = try options.targets.descriptor(for: options.target)
        let request = VerifyRequest(
            job: job, ledgerPath: ledgerPath, ledger: ledger, options: options.targetOptions, markMissing: markMissing,
            verification: verification, logger: logger)
        try await target.verify(request, report: &report)
        report.elapsedSeconds = (ContinuousClock.now - started).seconds
        if report.stopped != nil {
            report.exitCode = (report.stopReason?.exitStatus ?? .stoppedByTarget).rawValue
        } else {
            let failed = report.ingestion["failed"] ?? 0
            report.exitCode = report.missing > 0 || failed > 0 || report.timedOut ? 1 : 0
        }
        return report
    }
}
