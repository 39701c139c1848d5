import ArgumentParser
import BackfillKit
import Foundation
import Logging

/// Documented exit codes.
enum Exit {
    static let done: Int32 = 0
    static let finishedWithErrors: Int32 = 1
    static let failFast: Int32 = 3
    static let stoppedByTarget: Int32 = 4
    static let usage: Int32 = 64
    /// Another run holds the job (EX_TEMPFAIL): try again when it has finished.
    static let jobBusy: Int32 = 75
    static let software: Int32 = 70
    static let interrupted: Int32 = 130
}

@main
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Bulk-import years of history (email, chat exports, transcripts, documents) into AI memory APIs.",
        discussion: """
            Exit codes: 0 all done; 1 finished with rejected or failed documents; 3 aborted by --fail-fast; \
            4 stopped by the target (authentication, credits, unavailable); 64 usage error; 130 interrupted \
            (resumable).
            """,
        subcommands: [
            ImportCommand.self, ResumeCommand.self, RetryCommand.self, PlanCommand.self, StatusCommand.self,
            VerifyCommand.self, SandboxCommand.self, AdaptersCommand.self,
        ]
    )
}

/// Logging to stderr, bootstrapped once by the executable.
struct LoggingOptions: ParsableArguments {
    @Option(name: .long, help: "Log level on stderr: trace, debug, info, notice, warning, error, critical.")
    var logLevel: String = "warning"

    func makeLogger() -> Logger {
        let level = Logger.Level(rawValue: logLevel.lowercased()) ?? .warning
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        return Logger(label: "backfill")
    }
}

/// Inputs and the shape of the requests, shared by `import` and `plan`.
struct SourceOptions: ParsableArguments {
    @Argument(help: "Files and folders to read (folders are walked; see .backfillignore).")
    var inputs: [String]

    @Option(help: "Job name: its ledger lives in .backfill/jobs/NAME/ (default: derived from the inputs).")
    var job: String?

    @Option(help: "Ledger file (overrides the job's default location).")
    var ledger: String?

    @Option(name: .customLong("user-id"), help: "user_id for documents that have none.")
    var userID: String?

    @Option(name: .customLong("customer-id"), help: "customer_id for documents that have none.")
    var customerID: String?

    @Option(help: "Ingestion mode for documents that have none: fast or long-range.")
    var mode: String?

    @Option(
        name: .customLong("type-map"),
        help: "FROM=TO document-type mapping for types the target does not accept (repeatable).")
    var typeMap: [String] = []

    @Option(name: .customLong("max-document-bytes"), help: "Largest document text, in bytes.")
    var maxDocumentBytes: Int = 4 * 1024 * 1024

    @Option(name: .customLong("max-batch-bytes"), help: "Largest request body, in bytes.")
    var maxBatchBytes: Int = 8 * 1024 * 1024

    @Option(name: .customLong("group-by"), help: "Grouping: message|thread (email), conversation|thread|day|channel (chat).")
    var groupBy: String?

    @Option(name: .customLong("identity-map"), help: "CSV (key,user_id[,customer_id]) or YAML map of addresses/handles/speakers to ids.")
    var identityMap: String?

    @Option(help: "IANA time zone for sources with wall-clock times (WhatsApp, plain transcripts).")
    var timezone: String?

    @Option(help: "Charset of legacy text sources without one (e.g. windows-1252, gb2312).")
    var encoding: String?

    @Option(help: "Folder or file of declarative chat specs (YAML).")
    var spec: String?

    @Flag(help: "Transcripts: put [mm:ss] stamps before each turn.")
    var timestamps = false

    @Option(name: .customLong("created-at"), help: "ISO 8601 date for sources without one (transcripts).")
    var createdAt: String?

    @Option(name: .customLong("transcript-type"), help: "Transcripts as meeting-transcript (default) or audio.")
    var transcriptType: String?

    @Option(name: .customLong("adapter-option"), help: "KEY=VALUE passed to adapters (repeatable).")
    var adapterOption: [String] = []

    @Flag(help: "Print one JSON object on stdout instead of the text report.")
    var json = false

    @OptionGroup(title: "Budgets (past one, the item is skipped with a reason and the run goes on)")
    var budgets: BudgetOptions

    func validate() throws {
        if let mode, mode != "fast" && mode != "long-range" {
            throw ArgumentParser.ValidationError("--mode must be fast or long-range, not '\(mode)'")
        }
        if maxDocumentBytes <= 0 || maxBatchBytes <= 1024 {
            throw ArgumentParser.ValidationError("--max-document-bytes and --max-batch-bytes must be positive (batch > 1024)")
        }
    }

    func options() throws -> ImportOptions {
        var options = ImportOptions(inputs: inputs)
        options.job = job
        options.ledger = ledger
        options.userID = userID
        options.customerID = customerID
        options.mode = mode.map { Mode(rawValue: $0) }
        options.typeMap = try TypeMap.synapDefault.overriding(with: typeMap)
        options.maxDocumentBytes = maxDocumentBytes
        options.maxBatchBytes = maxBatchBytes
        for pair in adapterOption {
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw BackfillCore.ValidationError(message: "--adapter-option takes KEY=VALUE; got '\(pair)'")
            }
            options.adapterOptions[parts[0]] = parts[1]
        }
        if let groupBy { options.adapterOptions["group-by"] = groupBy }
        if let timezone { options.adapterOptions["timezone"] = timezone }
        if let encoding { options.adapterOptions["encoding"] = encoding }
        if let spec { options.adapterOptions["spec"] = spec }
        if timestamps { options.adapterOptions["timestamps"] = "true" }
        if let createdAt {
            guard Timestamp.parse(createdAt) != nil else {
                throw BackfillCore.ValidationError(message: "--created-at '\(createdAt)' is not ISO 8601 with a zone (e.g. 2024-01-05T10:00:00Z)")
            }
            options.adapterOptions["created-at"] = createdAt
        }
        if let transcriptType { options.adapterOptions["transcript-type"] = transcriptType }
        options.identityMapPath = identityMap
        options.budgets = budgets.budgets()
        return options
    }
}

/// What one input may cost: `InputBudgets`, one flag each (README.md, "Budgets").
struct BudgetOptions: ParsableArguments {
    private static let defaults = InputBudgets()

    @Option(
        name: .customLong("max-depth"),
        help: "Nesting of MIME parts, quoted messages, JSON and XML in one item (default \(defaults.maxDepth)).")
    var maxDepth: Int?

    @Option(
        name: .customLong("max-parts"),
        help: "MIME parts of one message, cues of one transcript (default \(defaults.maxParts)).")
    var maxParts: Int?

    @Option(
        name: .customLong("max-line-bytes"),
        help: "One line (JSONL, WhatsApp) or one element of a JSON export, in bytes (default \(defaults.maxLineBytes)).")
    var maxLineBytes: Int?

    @Option(
        name: .customLong("max-read-seconds"),
        help:
            "Wall time to read one item: a file, an archive entry or one record (default \(Int(defaults.maxReadSeconds))).")
    var maxReadSeconds: Double?

    @Option(
        name: .customLong("max-entry-bytes"),
        help: "One archive entry, expanded, in bytes (default \(defaults.containers.maxEntryBytes)).")
    var maxEntryBytes: Int64?

    @Option(
        name: .customLong("max-expanded-bytes"),
        help: "One archive, all entries expanded, in bytes (default \(defaults.containers.maxTotalBytes)).")
    var maxExpandedBytes: Int64?

    @Option(
        name: .customLong("max-compression-ratio"),
        help: "Expanded ÷ compressed size of an archive entry (default \(Int(defaults.containers.maxCompressionRatio))).")
    var maxCompressionRatio: Double?

    @Option(
        name: .customLong("max-archive-entries"),
        help: "Entries of one archive (default \(defaults.containers.maxEntries)).")
    var maxArchiveEntries: Int?

    @Option(
        name: .customLong("max-archive-depth"),
        help: "Archives inside archives, the outermost counting 1 (default \(defaults.containers.maxDepth)).")
    var maxArchiveDepth: Int?

    @Option(
        name: .customLong("max-compression-layers"),
        help: "Compression filters stacked on one file, e.g. x.gz.gz (default \(defaults.containers.maxCompressionLayers)).")
    var maxCompressionLayers: Int?

    private var given: [(InputBudgets.Budget, String)] {
        var out: [(InputBudgets.Budget, String)] = []
        if let maxDepth { out.append((.depth, "\(maxDepth)")) }
        if let maxParts { out.append((.parts, "\(maxParts)")) }
        if let maxLineBytes { out.append((.lineBytes, "\(maxLineBytes)")) }
        if let maxReadSeconds { out.append((.readSeconds, "\(maxReadSeconds)")) }
        if let maxEntryBytes { out.append((.entryBytes, "\(maxEntryBytes)")) }
        if let maxExpandedBytes { out.append((.expandedBytes, "\(maxExpandedBytes)")) }
        if let maxCompressionRatio { out.append((.compressionRatio, "\(maxCompressionRatio)")) }
        if let maxArchiveEntries { out.append((.archiveEntries, "\(maxArchiveEntries)")) }
        if let maxArchiveDepth { out.append((.archiveDepth, "\(maxArchiveDepth)")) }
        if let maxCompressionLayers { out.append((.compressionLayers, "\(maxCompressionLayers)")) }
        return out
    }

    func validate() throws {
        var budgets = InputBudgets()
        for (budget, value) in given where !budgets.set(budget, value) {
            throw ArgumentParser.ValidationError("\(budget.rawValue) must be a positive number (got \(value))")
        }
    }

    func budgets() -> InputBudgets {
        var budgets = InputBudgets()
        for (budget, value) in given { budgets.set(budget, value) }
        return budgets
    }
}

struct TargetOptions: ParsableArguments {
    @Option(help: "Where to send: sandbox (default, embedded local server), synap, goodmem, mielto, jsonl.")
    var target: String = "sandbox"

    @Option(name: .customLong("base-url"), help: "Target base URL (synap: default per route profile, or $SYNAP_BASE_URL).")
    var baseURL: String?

    @Option(help: "Synap route profile: sdk (/api/v1/memories/…, default) or documented (/v1/memories/…).")
    var routes: String = "sdk"

    @Option(help: "Output file for --target jsonl.")
    var out: String?

    @Option(name: .customLong("space-id"), help: "GoodMem space id.")
    var spaceID: String?

    @Option(name: .customLong("space-name"), help: "GoodMem space name (resolved through GET /v1/spaces).")
    var spaceName: String?

    @Flag(name: .customLong("create-space"), help: "GoodMem: create --space-name when it does not exist.")
    var createSpace = false

    @Option(name: .customLong("ca-cert"), help: "PEM CA certificate of a self-hosted target (GoodMem over HTTPS).")
    var caCert: String?

    @Flag(name: .customLong("insecure-localhost"), help: "Skip certificate checks for a target on localhost.")
    var insecureLocalhost = false

    @Option(name: .customLong("workspace-id"), help: "Mielto workspace (X-Workspace-Id).")
    var workspaceID: String?

    func validate() throws {
        guard TargetKind(rawValue: target) != nil else {
            throw ArgumentParser.ValidationError(
                "--target must be one of: sandbox, synap, goodmem, mielto, jsonl (got '\(target)')")
        }
        guard SynapRoutes(rawValue: routes) != nil else {
            throw ArgumentParser.ValidationError("--routes must be sdk or documented (got '\(routes)')")
        }
    }

    func apply(to options: inout ImportOptions) {
        options.target = TargetKind(rawValue: target) ?? .sandbox
        options.baseURL = baseURL
        options.routes = SynapRoutes(rawValue: routes) ?? .sdk
        options.out = out
        options.spaceID = spaceID
        options.spaceName = spaceName
        options.createSpace = createSpace
        options.tls = TLSOptions(caCertificatePath: caCert, insecureLocalhost: insecureLocalhost)
        options.workspaceID = workspaceID
    }
}

/// Prints a usage-level error (exit 64) or an unexpected one (exit 70), naming what to do.
func fail(_ error: any Error) -> ExitCode {
    let stderr = FileHandle.standardError
    switch error {
    case let error as BackfillCore.ValidationError:
        stderr.write(Data("backfill: \(error.message)\n".utf8))
        return ExitCode(Exit.usage)
    case let error as JobLock.Busy:
        stderr.write(Data("backfill: \(error.description)\n".utf8))
        return ExitCode(Exit.jobBusy)
    default:
        stderr.write(Data("backfill: \(error)\n".utf8))
        return ExitCode(Exit.software)
    }
}

func printNotice(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Pacing, retries and failure handling for the sending commands.
struct SendOptions: ParsableArguments {
    @Flag(name: .customLong("fail-fast"), help: "Stop at the first invalid document (exit 3); one batch in flight.")
    var failFast = false
    @Option(name: .customLong("max-attempts"), help: "Attempts per batch for retryable errors (429s do not count).")
    var maxAttempts: Int = 5
    @Option(name: .customLong("batch-size"), help: "Documents per batch (at most 100).")
    var batchSize: Int = 100
    @Option(help: "Requests per second at most (token bucket).")
    var rate: Double?
    @Option(name: .customLong("doc-rate"), help: "Documents per second at most.")
    var docRate: Double?
    @Option(help: "Requests that may start at once above --rate (1 = strictly paced).")
    var burst: Double = 1
    @Option(help: "Batches in flight at once.")
    var concurrency: Int = 4
    @Flag(help: "Adapt the request rate to the target (halve on 429, creep back up on success).")
    var adaptive = false
    @Option(help: "Progress on stderr: auto (live on a terminal, a line every 10 s otherwise), live, lines, none.")
    var progress: String = "auto"

    func validate() throws {
        if batchSize < 1 || batchSize > 100 { throw ArgumentParser.ValidationError("--batch-size must be 1…100") }
        if concurrency < 1 || concurrency > 64 { throw ArgumentParser.ValidationError("--concurrency must be 1…64") }
        if let rate, rate <= 0 { throw ArgumentParser.ValidationError("--rate must be positive") }
        if let docRate, docRate <= 0 { throw ArgumentParser.ValidationError("--doc-rate must be positive") }
        if !["auto", "live", "lines", "none"].contains(progress) {
            throw ArgumentParser.ValidationError("--progress must be auto, live, lines or none")
        }
    }

    func apply(to options: inout ImportOptions) {
        options.failFast = failFast
        options.maxAttempts = max(1, maxAttempts)
        options.batchSize = batchSize
        options.rate = RateLimitConfiguration(
            requestsPerSecond: rate, documentsPerSecond: docRate, burst: burst, adaptive: adaptive)
        options.concurrency = concurrency
        options.progress = Self.progressStyle(progress)
    }

    static func progressStyle(_ name: String) -> ProgressStyle? {
        switch name {
        case "live": return .live
        case "lines": return .lines(interval: .seconds(10))
        case "none": return nil
        default: return isatty(2) != 0 ? .live : .lines(interval: .seconds(10))
        }
    }
}

/// SIGINT/SIGTERM: the first stops reading and lets in-flight batches finish (the report still prints, exit 130);
/// the second exits at once (the ledger is consistent after every transaction).
///
/// A stop is honoured within ``grace`` whatever the process is doing: when the run has not ended by then — a
/// batch still waiting on a slow server, or a parser busy inside a C library that checks no stop flag — the process
/// exits 130 without its report. Nothing is lost: the ledger is consistent after every transaction, and documents
/// whose batch was in flight are asked about (not re-sent blindly) when the same command runs again.
final class SignalHandlers {
    static let grace: Double = 2
    private var sources: [any DispatchSourceSignal] = []

    init(stop: StopSignal) {
        for number in [SIGINT, SIGTERM] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if stop.isTriggered {
                    FileHandle.standardError.write(Data("\nbackfill: stopped at once; the ledger is consistent — run the same command to resume\n".utf8))
                    exit(Exit.interrupted)
                }
                stop.trigger()
                FileHandle.standardError.write(
                    Data("\nbackfill: stopping after the batches in flight (again to stop at once)…\n".utf8))
                DispatchQueue.global().asyncAfter(deadline: .now() + SignalHandlers.grace) {
                    FileHandle.standardError.write(
                        Data(
                            "backfill: still busy \(Int(SignalHandlers.grace)) s after the stop; stopped at once without the report — the ledger is consistent, run the same command to resume\n"
                                .utf8))
                    exit(Exit.interrupted)
                }
            }
            source.resume()
            sources.append(source)
        }
    }

    deinit { sources.forEach { $0.cancel() } }
}

/// Runs an import with signal handling and prints its report.
func runAndReport(_ options: ImportOptions, json: Bool, logger: Logger) async throws {
    let handlers = SignalHandlers(stop: options.stopSignal)
    defer { withExtendedLifetime(handlers) {} }
    let report = try await Backfill.runImport(options, logger: logger, notice: printNotice)
    let text = json ? report.json() : report.text()
    if options.target == .jsonl && options.out == "-" {
        // stdout carries the requests: the report goes to stderr.
        FileHandle.standardError.write(Data((text + "\n").utf8))
    } else {
        print(text)
    }
    if report.exitCode != 0 { throw ExitCode(report.exitCode) }
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read the inputs and upload every document (resumes the job if it exists).")

    @OptionGroup var source: SourceOptions
    @OptionGroup var targetOptions: TargetOptions
    @OptionGroup var send: SendOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        do {
            var options = try source.options()
            targetOptions.apply(to: &options)
            send.apply(to: &options)
            try await runAndReport(options, json: source.json, logger: logger)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

/// The options of a recorded job, run again from the folder it was started in. `--job`, `--ledger` or both name
/// it: a ledger knows its job.
func recordedJob(job: String?, ledger: String?) throws -> ImportOptions {
    let environment = ProcessInfo.processInfo.environment
    guard let path = ledger ?? job.map({ Backfill.ledgerPath(job: $0, environment: environment) }) else {
        throw BackfillCore.ValidationError(
            message: "name the job: --job NAME or --ledger PATH (`backfill status` lists the jobs)")
    }
    let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
    let (job, spec) = try JobSpec.load(job: job, ledgerPath: absolute)
    if spec.workingDirectory != FileManager.default.currentDirectoryPath {
        // Inputs and the ledger's source paths are relative to where the job started.
        guard FileManager.default.changeCurrentDirectoryPath(spec.workingDirectory) else {
            throw BackfillCore.ValidationError(
                message: "job '\(job)' was started in \(spec.workingDirectory), which no longer exists")
        }
    }
    return spec.options(job: job, ledger: absolute)
}

/// Runs a command's body: exit codes pass through; other errors are printed with what to do (64 or 70).
func guarded(_ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExitCode {
        throw error
    } catch {
        throw fail(error)
    }
}

/// `resume` and `retry`: a recorded job run again, with progress and, for `retry --rejected`, rejected documents.
func runRecorded(job: String?, ledger: String?, progress: String, json: Bool, resendRejected: Bool, logger: Logger)
    async throws
{
    try await guarded {
        var options = try recordedJob(job: job, ledger: ledger)
        options.resendRejected = resendRejected
        options.progress = SendOptions.progressStyle(progress)
        try await runAndReport(options, json: json, logger: logger)
    }
}

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract: "Resume a job with its recorded inputs and options: finished sources are skipped, half-read ones resume at their checkpoint.")

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Progress on stderr: auto, live, lines, none.") var progress: String = "auto"
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await runRecorded(
            job: job, ledger: ledger, progress: progress, json: json, resendRejected: false,
            logger: logging.makeLogger())
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read back from the target what the ledger says was accepted, and report what is missing.")

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @Flag(
        name: .customLong("mark-missing"),
        help: "Mark missing documents (and those whose processing failed) failed, so `backfill retry` sends them again.")
    var markMissing = false
    @Flag(help: "Poll until no document is queued or processing (or --timeout passes: exit 1, naming what is pending).")
    var wait = false
    @Option(help: "How long --wait polls at most: seconds, or with a unit (90s, 10m, 1h).") var timeout: String = "10m"
    @Option(name: .customLong("poll-interval"), help: "Pause between two polls of --wait: seconds or with a unit (500ms, 2s).")
    var pollInterval: String = "2s"
    @Option(help: "Status requests in flight at once.") var concurrency: Int = 8
    @Option(help: "Status requests per second at most (token bucket).") var rate: Double?
    @Option(help: "Requests that may start at once above --rate.") var burst: Double = 1
    @Flag(help: "Print one JSON object.") var json = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if concurrency < 1 || concurrency > 256 { throw ArgumentParser.ValidationError("--concurrency must be 1…256") }
        if let rate, rate <= 0 { throw ArgumentParser.ValidationError("--rate must be positive") }
        guard parseDuration(timeout) != nil else {
            throw ArgumentParser.ValidationError("--timeout takes seconds or a duration like 90s, 10m, 1h (got '\(timeout)')")
        }
        guard let interval = parseDuration(pollInterval), interval > .zero else {
            throw ArgumentParser.ValidationError(
                "--poll-interval takes a positive duration like 500ms or 2s (got '\(pollInterval)')")
        }
    }

    func run() async throws {
        let logger = logging.makeLogger()
        try await guarded {
            let options = try recordedJob(job: job, ledger: ledger)
            var verification = VerifyOptions()
            verification.wait = wait
            verification.timeout = parseDuration(timeout) ?? .seconds(600)
            verification.pollInterval = parseDuration(pollInterval) ?? .seconds(2)
            verification.concurrency = concurrency
            verification.rate = RateLimitConfiguration(requestsPerSecond: rate, burst: burst)
            // SIGINT/SIGTERM: stop asking, record what was learnt, print the report (exit 130).
            let handlers = SignalHandlers(stop: verification.stopSignal)
            defer { withExtendedLifetime(handlers) {} }
            let report = try await Backfill.verify(
                job: options.job ?? "", ledgerPath: options.ledger ?? "", options: options, markMissing: markMissing,
                verification: verification, logger: logger)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                print(report.text())
            }
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        }
    }
}

/// `90`, `90s`, `500ms`, `10m`, `1h` as a duration; nil when it is none of those (or negative).
func parseDuration(_ text: String) -> Duration? {
    let trimmed = text.trimmingCharacters(in: .whitespaces).lowercased()
    for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("", 1.0)] where trimmed.hasSuffix(suffix) {
        guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value.isFinite else { continue }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
    return nil
}

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send a job's failed documents again (after an outage); with --rejected, the rejected ones too.")

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @Flag(help: "Also send documents the target rejected (after you fixed a mapping).") var rejected = false
    @Flag(help: "Print one JSON object.") var json = false
    @Option(help: "Progress on stderr: auto, live, lines, none.") var progress: String = "auto"
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await runRecorded(
            job: job, ledger: ledger, progress: progress, json: json, resendRejected: rejected,
            logger: logging.makeLogger())
    }
}

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry run: everything but sending — counts, rejects with reasons, duplicates, missing dates.")

    @OptionGroup var source: SourceOptions
    @OptionGroup var targetOptions: TargetOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        do {
            var options = try source.options()
            targetOptions.apply(to: &options)
            // SIGINT/SIGTERM: stop reading, print the partial report (exit 130); a second signal exits at once.
            let handlers = SignalHandlers(stop: options.stopSignal)
            defer { withExtendedLifetime(handlers) {} }
            let report = try await Backfill.runPlan(options, logger: logger)
            print(source.json ? report.json() : report.text())
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a job's documents by state (or list the jobs).")

    @Option(help: "Job name.") var job: String?
    @Option(help: "Ledger file.") var ledger: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            if job == nil && ledger == nil { return try printJobList(json: json, environment: environment) }
            let jobName = job ?? "custom"
            let path = ledger ?? Backfill.ledgerPath(job: jobName, environment: environment)
            let status = try JobStatus.read(job: jobName, ledgerPath: path)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print("Job \(status.job) — ledger \(status.ledger)")
                if let holder = status.running {
                    print("  running now: pid \(holder.pid) on \(holder.host) since \(holder.since)")
                }
                for (state, count) in status.documents.sorted(by: { $0.key < $1.key }) {
                    print("  \(state.padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)")
                }
                print("  batches    \(status.batches) (\(status.batchesInterrupted) interrupted while sending)")
                let checked = status.ingestion.filter { $0.key != "unchecked" }
                if !checked.isEmpty {
                    // What `backfill verify` last recorded of the target's processing.
                    let order = ["queued", "processing", "completed", "partial_success", "failed", "missing", "unchecked"]
                    let keys = order.filter { status.ingestion[$0] != nil }
                        + status.ingestion.keys.filter { !order.contains($0) }.sorted()
                    print("Ingestion (as of the last `backfill verify`):")
                    for key in keys {
                        print("  \(key.padding(toLength: 16, withPad: " ", startingAt: 0)) \(status.ingestion[key] ?? 0)")
                    }
                }
            }
        } catch {
            throw fail(error)
        }
    }
}

struct AdaptersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "adapters", abstract: "List the source formats Backfill reads.")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let descriptors = Backfill.adapters.map(\.descriptor)
        if json {
            let items: [[String: JSONValue]] = descriptors.map {
                [
                    "name": .string($0.name), "family": .string($0.family),
                    "extensions": .array($0.fileExtensions.map { .string($0) }), "summary": .string($0.summary),
                    "resumable_within_file": .bool($0.supportsCursor),
                ]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(["adapters": JSONValue.array(items.map { .object($0) })]), as: UTF8.self))
        } else {
            for d in descriptors {
                print("\(d.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(d.family.padding(toLength: 10, withPad: " ", startingAt: 0)) .\(d.fileExtensions.joined(separator: " ."))")
                print("    \(d.summary)")
            }
        }
    }
}
