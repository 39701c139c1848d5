import BackfillCore
import BackfillLedger
import BackfillPipeline
import BackfillSandbox
import BackfillTargets
import Foundation
import Logging

/// `import` and `plan`: the job opened (its lock, its ledger), the target made, the pipeline run.
extension Backfill {
    public static func runImport(
        _ options: ImportOptions, logger: Logger, notice: @Sendable (String) -> Void = { _ in }
    ) async throws -> RunReport {
        // Usage mistakes are found before anything is created: inputs, flags, the output file.
        try checkInputs(options.inputs)
        var configuration = try pipelineConfiguration(options)
        var output: OutputFile?
        if options.target == .jsonl {
            guard let out = options.out, !out.isEmpty else {
                throw ValidationError(
                    message: "--target jsonl needs --out PATH (the file the requests are written to, - for stdout)")
            }
            output = try OutputFile(path: out)
        }
        let identity = targetIdentity(options)
        let job = options.job ?? jobName(for: options.inputs, target: identity)
        let ledgerPath = options.ledger ?? ledgerPath(job: job, environment: options.environment)
        // One run per job: a second run exits at once, before anything is opened or sent.
        let lock = try JobLock(ledgerPath: ledgerPath, job: job)
        defer { withExtendedLifetime(lock) {} }
        let ledger = try openLedger(ledgerPath, job: job, identity: identity, options: options)
        var report = RunReport(command: "import")
        report.job = job
        report.ledger = ledgerPath
        configuration.deadLetterPath = deadLetterPath(ledgerPath: ledgerPath)
        let run = ImportRun(
            options: options, configuration: configuration, ledger: ledger, ledgerPath: ledgerPath, report: report,
            logger: logger)
        return try await send(run, output: output, notice: notice)
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

    /// What one import needs once its job is open.
    private struct ImportRun {
        var options: ImportOptions
        var configuration: PipelineConfiguration
        var ledger: Ledger
        var ledgerPath: String
        var report: RunReport
        var logger: Logger
    }

    /// Makes the target and runs the pipeline into it.
    private static func send(_ run: ImportRun, output: OutputFile?, notice: @Sendable (String) -> Void) async throws
        -> RunReport
    {
        let (options, ledger, logger) = (run.options, run.ledger, run.logger)
        var (configuration, report) = (run.configuration, run.report)
        switch options.target {
        case .sandbox:
            return try await sendToSandbox(run, notice: notice)
        case .synap, .goodmem, .mielto:
            let target = try makeRemoteTarget(options, logger: logger)
            notice("target: \(target.name) at \(target.endpointDescription)")
            report.target = .init(name: target.name, endpoint: target.endpointDescription, isDefault: false)
            if let client = target as? SynapClient {
                return try await runSynap(
                    configuration, ledger: ledger, client: client, report: report, stopSignal: options.stopSignal,
                    logger: logger)
            }
            if let goodmem = target as? GoodMemClient {
                do {
                    try await goodmem.prepare()
                } catch let error as UploadError where error.kind == .stop {
                    try? await goodmem.shutdown()
                    report.stopped = .init(code: error.code, message: error.message)
                    report.exitCode = ExitStatus.stoppedByTarget.rawValue
                    return report
                }
            }
            return try await Self.run(
                configuration, ledger: ledger, target: target, report: report, stopSignal: options.stopSignal,
                logger: logger)
        case .jsonl:
            guard let output else { throw ValidationError(message: "--target jsonl needs --out PATH") }
            try resumeOutput(output, ledger: ledger, notice: notice)
            let target = JSONLTarget(output: output)
            notice("target: jsonl — writing requests to \(target.endpointDescription)")
            report.target = .init(name: "jsonl", endpoint: target.endpointDescription, isDefault: false)
            // One batch at a time: lines land in the file in the order the ledger commits them, so after a crash
            // the ledger's last committed byte is exactly where the file is cut back to.
            configuration.concurrency = 1
            return try await Self.run(
                configuration, ledger: ledger, target: target, report: report, stopSignal: options.stopSignal,
                logger: logger)
        }
    }

    /// The embedded sandbox on a loopback port, storing next to the ledger, for the length of the run.
    private static func sendToSandbox(_ run: ImportRun, notice: @Sendable (String) -> Void) async throws
        -> RunReport
    {
        let (options, ledger, logger, ledgerPath) = (run.options, run.ledger, run.logger, run.ledgerPath)
        let report = run.report
        let store = sandboxStorePath(ledgerPath: ledgerPath)
        var sandboxConfiguration = SandboxConfiguration()
        sandboxConfiguration.storePath = store
        let key = "synap_sandbox_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        sandboxConfiguration.apiKey = key
        sandboxConfiguration.maxDocumentBytes = max(options.maxDocumentBytes, sandboxConfiguration.maxDocumentBytes)
        let server = try SandboxServer(configuration: sandboxConfiguration, logger: logger)
        let baseReport = report
        let sandboxConfigurationForRun = run.configuration
        return try await server.withRunning { port in
            let base = "http://127.0.0.1:\(port)"
            notice(
                "target: sandbox (the default) — Backfill's embedded Synap-compatible server at \(base), storing in \(store); nothing leaves this machine. Use --target synap to send to Synap."
            )
            var clientConfiguration = SynapClient.Configuration(baseURL: base, routes: options.routes, apiKey: key)
            clientConfiguration.displayName = "sandbox"
            let client = try SynapClient(configuration: clientConfiguration, logger: logger)
            var report = baseReport
            report.target = .init(
                name: "sandbox", endpoint: "\(base) (routes: \(options.routes.rawValue)), store \(store)",
                isDefault: true)
            return try await runSynap(
                sandboxConfigurationForRun, ledger: ledger, client: client, report: report,
                stopSignal: options.stopSignal, logger: logger)
        }
    }

    /// Puts a regular `--out` file in the state the job's ledger vouches for: a new job starts it empty; a resumed
    /// job keeps the lines its ledger records as written and cuts off anything after them (a batch whose outcome
    /// was never committed, a line cut short by a crash) — those documents are written again. A file shorter than
    /// the ledger says is kept and appended to, with a notice. Devices, FIFOs and stdout are only written to.
    static func resumeOutput(_ output: OutputFile, ledger: Ledger, notice: @Sendable (String) -> Void) throws {
        guard output.isRegularFile else { return }
        let size = output.size ?? 0
        guard let committed = try ledger.maxIngestionRangeEnd(prefix: JSONLTarget.ingestionPrefix) else {
            let counts = try ledger.stateCounts()
            if (counts[.accepted] ?? 0) + (counts[.duplicate] ?? 0) > 0 {
                // Written by a Backfill that did not record byte ranges: keep everything, append.
                if size > 0 { notice("jsonl: appending to \(output.path) (the job wrote to it before)") }
            } else {
                try output.truncate(to: 0)
            }
            return
        }
        if size > committed {
            try output.truncate(to: committed)
            if committed > 0 {
                notice(
                    "jsonl: \(output.path) kept its first \(committed) bytes (what the ledger records as written); \(size - committed) bytes after them were cut and their documents are written again"
                )
            }
        } else if size < committed {
            notice(
                "jsonl: the ledger records \(committed) bytes written to \(output.path) but it holds \(size): documents already written are not written again (use another --job to write everything)"
            )
        }
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
            name: options.target.rawValue, endpoint: "not contacted (dry run)", isDefault: options.target == .sandbox)
        let pipeline = ImportPipeline(
            configuration: try pipelineConfiguration(options), registry: registry(for: options), ledger: ledger,
            target: nil,
            report: report, stopSignal: options.stopSignal, logger: logger)
        return try await pipeline.run()
    }

    private static func pipelineConfiguration(_ options: ImportOptions) throws -> PipelineConfiguration {
        var configuration = PipelineConfiguration(
            inputs: options.inputs,
            profile: profile(options),
            adapterContext: AdapterContext(
                maxDocumentBytes: options.maxDocumentBytes, options: options.adapterOptions,
                identities: try options.identities, budgets: options.budgets))
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
        return configuration
    }

    /// Asks whoami first (SDK routes): a refused key stops the run before anything is read, and the account's
    /// isolation mode lets validation catch B2C/B2B scope mistakes locally.
    private static func runSynap(
        _ configuration: PipelineConfiguration, ledger: Ledger, client: SynapClient, report: RunReport,
        stopSignal: StopSignal, logger: Logger
    ) async throws -> RunReport {
        var configuration = configuration
        if client.configuration.routes == .sdk {
            do {
                configuration.profile.isolation = try await client.whoami().userContextIsolation
            } catch let error as UploadError where error.kind == .stop {
                try? await client.shutdown()
                var report = report
                report.stopped = .init(code: error.code, message: error.message)
                report.exitCode = ExitStatus.stoppedByTarget.rawValue
                return report
            } catch {
                logger.warning("whoami failed; B2C/B2B scope is not checked locally", metadata: ["error": "\(error)"])
            }
        }
        return try await run(
            configuration, ledger: ledger, target: client, report: report, stopSignal: stopSignal, logger: logger)
    }

    private static func run(
        _ configuration: PipelineConfiguration, ledger: Ledger, target: any UploadTarget, report: RunReport,
        stopSignal: StopSignal, logger: Logger
    ) async throws -> RunReport {
        let pipeline = ImportPipeline(
            configuration: configuration, registry: registry(for: configuration.adapterContext.options), ledger: ledger,
            target: target, report: report,
            stopSignal: stopSignal, logger: logger)
        do {
            let result = try await pipeline.run()
            try await target.shutdown()
            return result
        } catch {
            try? await target.shutdown()
            throw error
        }
    }
}
