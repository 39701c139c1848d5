import AsyncAlgorithms
import BackfillClean
import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Logging

/// The flow of one run, as named stages in the order data flows (Stages/): read (discovery, adapters) →
/// normalise and validate → deduplicate → batch → send (pacing, retries) → record (ledger outcomes, checkpoints)
/// → report. This class only wires them: an import wires all seven — the reading side on this task hands full
/// batches over a back-pressured channel to `concurrency` workers, so a slow target slows the reading and memory
/// stays at a few batches; a plan wires read, normalise, dedup (the ledger, when one exists, only read) and a
/// batch stage that counts instead of sending.
public final class ImportPipeline {
    private let configuration: PipelineConfiguration
    private let registry: AdapterRegistry
    private let ledger: (any LedgerStore)?
    private let target: (any UploadTarget)?
    private let logger: Logger
    private let stopSignal: StopSignal
    private let report: RunReport

    public init(
        configuration: PipelineConfiguration, registry: AdapterRegistry, ledger: (any LedgerStore)?,
        target: (any UploadTarget)?, report: RunReport, stopSignal: StopSignal = StopSignal(), logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.ledger = ledger
        self.target = target
        var report = report
        if configuration.redactor != nil || !configuration.strip.isEmpty {
            report.cleaning = RunReport.Cleaning(
                strip: configuration.strip, redact: configuration.redactor?.kinds ?? [])
        }
        self.report = report
        self.logger = logger
        self.stopSignal = stopSignal
    }

    /// Runs the flow to the end (or to a stop) and returns the report.
    public func run() async throws -> RunReport {
        let started = ContinuousClock.now
        let tally = RunTally(report: report, signal: stopSignal, started: started)
        guard let target, let ledger else {
            try await planStages(tally).run()
            return tally.finish(started: started)
        }
        let runID = try ledger.beginRun(command: report.command, target: target.name)
        do {
            try await CrashReconciler(target: target, ledger: ledger, retry: configuration.retry, tally: tally).run()
        } catch let error as UploadError where error.kind == .stop {
            tally.stopSending(.init(code: error.code, message: error.message))
            return try finish(tally, started: started, ledger: ledger, runID: runID)
        }
        let channel = AsyncChannel<PreparedBatch>()
        let (reader, sender, checkpoints) = importStages(tally, ledger, runID, target, channel)
        let workers = configuration.failFast ? 1 : max(1, configuration.concurrency)
        let progress = configuration.progress
        try await withThrowingTaskGroup(of: Void.self) { outer in
            if let progress {
                outer.addTask { try await ProgressPrinter(style: progress, tally: tally, started: started).run() }
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<workers {
                    group.addTask {
                        // A worker never dies while the reader may still hand it batches: an error stops the run,
                        // and the remaining batches are drained (left `pending` in the ledger).
                        for await batch in channel {
                            do {
                                try await sender.process(batch)
                            } catch {
                                tally.stopSending(.init(.internalError, message: "sending a batch failed: \(error)"))
                            }
                        }
                    }
                }
                do {
                    try await reader.run()
                } catch {
                    channel.finish()
                    throw error
                }
                channel.finish()
                try await group.waitForAll()
            }
            outer.cancelAll()
        }
        try checkpoints.save()
        return try finish(tally, started: started, ledger: ledger, runID: runID)
    }

    private func finish(
        _ tally: RunTally, started: ContinuousClock.Instant, ledger: any LedgerStore, runID: Int64
    ) throws -> RunReport {
        let report = tally.finish(started: started)
        try ledger.finishRun(runID, exitCode: report.exitCode, reportJSON: report.json())
        return report
    }

    private var batchLimit: Int {
        max(1, min(configuration.maxBatchDocuments, target?.maxBatchDocuments ?? 100))
    }

    /// Read → normalise → dedup (reading the ledger when there is one) → a batch stage that counts.
    private func planStages(_ tally: RunTally) -> ReadStage {
        let batcher = PlanBatcher(limit: batchLimit, maxBytes: configuration.maxBatchBytes, tally: tally)
        let dedup = DedupStage(
            ledger: ledger, runID: nil, refusesRejectedEarlier: false, tally: tally, next: batcher, looked: nil)
        let normalise = NormaliseStage(configuration: configuration, tally: tally, next: dedup, rejected: nil)
        return ReadStage(
            configuration: configuration, registry: registry, tally: tally, next: normalise, checkpoints: nil)
    }

    /// All seven stages: the reading side (read → normalise → dedup → batch, with the record stage's checkpoints
    /// and rejected documents) and the workers' sender, which records what the target answered.
    private func importStages(
        _ tally: RunTally, _ ledger: any LedgerStore, _ runID: Int64, _ target: any UploadTarget,
        _ channel: AsyncChannel<PreparedBatch>
    ) -> (ReadStage, BatchSender, SourceCheckpoints) {
        let watermark = Watermark()
        let recorder = OutcomeRecorder(
            ledger: ledger, deadLetter: configuration.deadLetterPath.map(DeadLetter.init(path:)), tally: tally,
            watermark: watermark, failFast: configuration.failFast, maxAttempts: configuration.retry.maxAttempts)
        let checkpoints = SourceCheckpoints(
            ledger: ledger, runID: runID, tally: tally, watermark: watermark,
            resendRejected: configuration.resendRejected)
        let batcher = SendBatcher(
            limit: batchLimit, maxBytes: configuration.maxBatchBytes, ledger: ledger, runID: runID, tally: tally,
            channel: channel)
        checkpoints.dependencySeq = { [weak batcher] in batcher?.dependencySeq ?? 0 }
        batcher.handedOver = { [weak checkpoints] in try checkpoints?.save() }
        let dedup = DedupStage(
            ledger: ledger, runID: runID, refusesRejectedEarlier: !configuration.resendRejected, tally: tally,
            next: batcher,
            looked: { [weak checkpoints] document in
                if let cursor = document.cursorAfter { checkpoints?.note(document.provenance.file, cursor) }
            })
        let rejected = RejectedBeforeSending(recorder: recorder, runID: runID, checkpoints: checkpoints)
        let normalise = NormaliseStage(configuration: configuration, tally: tally, next: dedup, rejected: rejected)
        let reader = ReadStage(
            configuration: configuration, registry: registry, tally: tally, next: normalise, checkpoints: checkpoints)
        let sender = BatchSender(
            target: target, limiter: RateLimiter(configuration.rate), retry: configuration.retry,
            failFast: configuration.failFast, tally: tally, recorder: recorder, logger: logger)
        return (reader, sender, checkpoints)
    }
}
