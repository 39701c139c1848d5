import BackfillClean
import BackfillCore
import BackfillLedger
import BackfillPipeline
import BackfillTargetKit
import BackfillTargets
import Foundation
import Logging

/// `import` and `plan`: the job opened (its lock, its ledger), the target connected through the registry, the
/// pipeline run.
extension Backfill {
    public static func runImport(
        _ options: ImportOptions, logger: Logger, notice: @Sendable (String) -> Void = { _ in }
    ) async throws -> RunReport {
        // Usage mistakes are found before anything is created: inputs, flags, the output file.
        try checkInputs(options.inputs)
        var configuration = try pipelineConfiguration(options)
        let target = try options.targets.descriptor(for: options.target)
        var targetOptions = options.targetOptions
        try target.checkUsage(&targetOptions)
        let identity = target.identity(targetOptions)
        let job = options.job ?? jobName(for: options.inputs, target: identity)
        let ledgerPath = options.ledger ?? ledgerPath(job: job, environment: options.environment)
        // One run per job: a second run exits at once, before anything is opened or sent.
        let lock = try JobLock(ledgerPath: ledgerPath, job: job)
        defer { withExtendedLifetime(lock) {} }
        let ledger = try openLedger(ledgerPath, job: job, identity: identity, options: options)
        configuration.redactor = try redactor(options, key: ledger.redactionKey())
        var report = RunReport(command: "import")
        report.job = job
        report.ledger = ledgerPath
        configuration.deadLetterPath = deadLetterPath(ledgerPath: ledgerPath)

        let stopSignal = options.stopSignal
        return try await target.connect(
            targetOptions, job: TargetJob(ledgerPath: ledgerPath, ledger: ledger), logger: logger, notice: notice
        ) { [report, configuration] session in
            try await run(
                configuration, ledger: ledger, session: session, report: report, stopSignal: stopSignal, logger: logger)
        }
    }

    /// The job's ledger, created with the job's settings the first time; a job that sends elsewhere is refused.
    private static func openLedger(_ path: String, job: String, identity: String, options: ImportOptions) throws
        -> Ledger
    {
        let ledger = try Ledger(path: path)
        if (try ledger.jobValue("name")) == nil {
            try ledger.setJobValue("name", job)
            try ledger.setJobValue("inputs", options.inputs.joined(separator: "\n"))
            try ledger.setJobValue("target", identity)
            try ledger.setJobValue("spec", JobSpec(options).json())
        } else if let recorded = try ledger.jobValue("target"), recorded != identity {
            throw ValidationError(
                message:
                    "job '\(job)' sends to \(recorded), not \(identity); its ledger would skip documents the new target never saw — pass another --job (or --ledger)"
            )
        }
        return ledger
    }

    /// A dry run: the whole flow but sending. Reads the job's ledger when it exists (to show what is already
    /// done) and writes nothing.
    public static func runPlan(_ options: ImportOptions, logger: Logger) async throws -> RunReport {
        try checkInputs(options.inputs)
        let job = options.job ?? jobName(for: options.inputs, target: targetIdentity(options))
        let ledgerPath = options.ledger ?? ledgerPath(job: job, environment: options.environment)
        let ledger = FileManager.default.fileExists(atPath: ledgerPath) ? try Ledger(path: ledgerPath) : nil
        var report = RunReport(command: "plan")
        report.job = job
        report.ledger = ledger == nil ? nil : ledgerPath
        report.target = .init(
            name: options.target.rawValue, endpoint: "not contacted (dry run)",
            isDefault: options.target == options.targets.defaultKind)
        var configuration = try pipelineConfiguration(options)
        // A job that redacted before has its key (so a plan's content hashes are the import's); a new one gets a
        // key for this plan only — a plan sends nothing and stores nothing.
        configuration.redactor = try redactor(options, key: try ledger?.storedRedactionKey() ?? RedactionKey.random())
        let perRequest = try options.targets.descriptor(for: options.target).documentsPerRequest(options.targetOptions)
        configuration.maxBatchDocuments = min(configuration.maxBatchDocuments, perRequest)
        let pipeline = ImportPipeline(
            configuration: configuration, registry: registry(for: options), ledger: ledger, target: nil,
            report: report, stopSignal: options.stopSignal, logger: logger)
        var finished = try await pipeline.run()
        finished.estimate = RunReport.Estimate(
            requests: finished.requests.requests, documents: finished.documents.valid ?? 0,
            concurrency: options.failFast ? 1 : options.concurrency,
            requestsPerSecond: options.rate.requestsPerSecond, documentsPerSecond: options.rate.documentsPerSecond,
            assumedSecondsPerRequest: options.assumedSecondsPerRequest)
        return finished
    }

    static func pipelineConfiguration(_ options: ImportOptions) throws -> PipelineConfiguration {
        var configuration = PipelineConfiguration(
            inputs: options.inputs,
            profile: try profile(options),
            adapterContext: AdapterContext(
                maxDocumentBytes: options.maxDocumentBytes, options: options.adapterOptions,
                identities: try options.identities, budgets: options.budgets))
        if let jobs = options.parseJobs { configuration.adapterContext.parseJobs = max(1, jobs) }
        configuration.userID = options.userID
        configuration.customerID = options.customerID
        configuration.mode = options.mode
        configuration.maxBatchBytes = options.maxBatchBytes
        configuration.failFast = options.failFast
        configuration.retry.maxAttempts = options.maxAttempts
        configuration.maxBatchDocuments = min(100, max(1, options.batchSize))
        configuration.rate = options.rate
        configuration.concurrency = max(1, options.concurrency)
        configuration.resendRejected = options.resendRejected
        configuration.progress = options.progress
        configuration.strip = try options.stripKinds
        return configuration
    }

    /// `--redact`'s redactor, keyed with the job's key (nil when nothing is redacted).
    static func redactor(_ options: ImportOptions, key: @autoclosure () throws -> [UInt8]) throws -> Redactor? {
        let kinds = try options.redactKinds
        return kinds.isEmpty ? nil : Redactor(kinds: kinds, key: try key())
    }

    /// Prepares the connected target (an ``UploadError`` of kind `.stop` ends the run with exit 4), then runs.
    private static func run(
        _ configuration: PipelineConfiguration, ledger: Ledger, session: TargetSession, report: RunReport,
        stopSignal: StopSignal, logger: Logger
    ) async throws -> RunReport {
        var configuration = configuration
        var report = report
        report.target = session.report
        do {
            try await session.prepare(&configuration)
        } catch let error as UploadError where error.kind == .stop {
            try? await session.client.shutdown()
            report.stopped = .init(code: error.code, message: error.message)
            report.exitCode = ExitStatus.stoppedByTarget.rawValue
            return report
        } catch {
            try? await session.client.shutdown()
            throw error
        }
        return try await run(
            configuration, ledger: ledger, target: session.client, report: report, stopSignal: stopSignal,
            logger: logger)
    }

    private static func run(
        _ configuration: PipelineConfiguration, ledger: Ledger, target: any UploadTarget, report: RunReport,
        stopSignal: StopSignal, logger: Logger
    ) async throws -> RunReport {
        let pipeline = ImportPipeline(
            configuration: configuration, registry: registry(for: configuration.adapterContext.options),
            ledger: ledger, target: target, report: report, stopSignal: stopSignal, logger: logger)
        do {
            let result = try await pipeline.run()
            try await target.shutdown()
            return result
        } catch {
            try? await target.shutdown()
            throw error
        }
    }

    /// The report the job's last finished run stored in its ledger (`backfill report`).
    public static func storedReport(ledgerPath: String) throws -> RunReport {
        guard FileManager.default.fileExists(atPath: ledgerPath) else {
            throw ValidationError(
                message: "no ledger at \(ledgerPath): `backfill status` lists the jobs, or name it with --ledger")
        }
        guard let json = try Ledger(path: ledgerPath).lastReport() else {
            throw ValidationError(
                message: "the job at \(ledgerPath) has no finished run yet: run `backfill import` or `backfill resume`")
        }
        do {
            return try JSONDecoder().decode(RunReport.self, from: Data(json.utf8))
        } catch {
            throw ValidationError(message: "the report stored in \(ledgerPath) cannot be read (\(error))")
        }
    }
}
