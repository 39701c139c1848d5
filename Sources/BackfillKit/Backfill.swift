import BackfillArchiveAdapter
import BackfillChatAdapter
import BackfillCore
import BackfillDocumentAdapter
import BackfillEmailAdapter
import BackfillLedger
import BackfillPipeline
import BackfillRequestsAdapter
import BackfillSandbox
import BackfillTargets
import BackfillTranscriptAdapter
import Foundation
import Logging

/// Everything one `import` or `plan` needs. Target-specific settings (`options.spaceID`, `options.routes`, …) are
/// ``TargetSettings`` properties each target declares in its folder, reached through `targetSettings`.
@dynamicMemberLookup
public struct ImportOptions: Sendable {
    public var inputs: [String]
    /// Where documents go (the registry's default: the embedded sandbox).
    public var target: TargetKind = TargetRegistry.standard.defaultKind
    /// The targets `target` is looked up in.
    public var targets: TargetRegistry = .standard
    public var targetSettings = TargetSettings()
    public var baseURL: String?
    public var out: String?
    public var job: String?
    public var ledger: String?
    public var userID: String?
    public var customerID: String?
    public var mode: Mode?
    public var typeMap: TypeMap = .standard
    public var maxDocumentBytes = ValidationProfile.defaultMaxDocumentBytes
    public var maxBatchBytes = 8 * 1024 * 1024
    /// What one input may cost (`--max-depth`, `--max-read-seconds`, …).
    public var budgets = InputBudgets()
    public var failFast = false
    public var maxAttempts = 5
    /// Documents per batch (≤ 100).
    public var batchSize = 100
    public var rate = RateLimitConfiguration()
    /// Batches in flight at once.
    public var concurrency = 4
    /// What a plan assumes one request takes (its estimate of the upload's duration).
    public var assumedSecondsPerRequest = 0.5
    /// `retry --rejected`: send again what the target rejected before.
    public var resendRejected = false
    public var progress: ProgressStyle?
    /// Triggered by SIGINT/SIGTERM in the CLI.
    public var stopSignal = StopSignal()
    public var adapterOptions: [String: String] = [:]
    /// `--parse-jobs`: records parsed at once (nil: the cores).
    public var parseJobs: Int?
    /// A CSV or YAML identity map (`--identity-map`).
    public var identityMapPath: String?
    /// TLS for self-signed servers.
    public var tls = TLSOptions()
    /// The environment to read API keys from (injectable for tests).
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(inputs: [String]) { self.inputs = inputs }

    public subscript<T>(dynamicMember keyPath: WritableKeyPath<TargetSettings, T>) -> T {
        get { targetSettings[keyPath: keyPath] }
        set { targetSettings[keyPath: keyPath] = newValue }
    }

    /// What the target reads of these options.
    public var targetOptions: TargetRunOptions {
        var options = TargetRunOptions()
        options.baseURL = baseURL
        options.out = out
        options.batchSize = batchSize
        options.typeMap = typeMap
        options.maxDocumentBytes = maxDocumentBytes
        options.tls = tls
        options.environment = environment
        options.settings = targetSettings
        return options
    }
}

/// The composition root: adapters, targets, ledger and pipeline put together.
public enum Backfill {
    /// Every adapter this build knows, in sniffing priority order.
    public static let adapters: [any SourceAdapter] = [RequestsJSONLAdapter(), TextAdapter(), EvernoteAdapter()] + ChatAdapters.all
        + [MboxAdapter(), EMLAdapter(), MaildirAdapter()] + TranscriptAdapters.all

    public static var registry: AdapterRegistry { AdapterRegistry(adapters, containers: [ArchiveAdapter()]) }

    /// The registry of one run: with `--spec`, the user's chat specs are sniffed first (a spec with a signature
    /// then wins over generic JSON/JSONL readers).
    public static func registry(for options: ImportOptions) -> AdapterRegistry {
        registry(for: options.adapterOptions)
    }

    static func registry(for adapterOptions: [String: String]) -> AdapterRegistry {
        guard let path = adapterOptions["spec"] else { return registry }
        let specs = ChatSpec.load(path: path).specs
        guard !specs.isEmpty else { return registry }
        let user = ChatSpecAdapter(extraSpecs: specs)
        return AdapterRegistry([user] + adapters.filter { $0.name != user.name }, containers: [ArchiveAdapter()])
    }

    /// The folder holding jobs' ledgers: `$BACKFILL_HOME`, else `./.backfill`.
    public static func home(_ environment: [String: String]) -> String {
        environment["BACKFILL_HOME"] ?? ".backfill"
    }

    /// A job name derived from the inputs and the target: the first input's name plus a hash of all the inputs'
    /// absolute paths and the target's identity (the same files sent to another target are another job).
    public static func jobName(for inputs: [String], target: String = "sandbox") -> String {
        let absolute = inputs.map { URL(fileURLWithPath: $0).standardizedFileURL.path }.sorted()
        let hash = ContentHash.sha256Hex(absolute.joined(separator: "\n") + "\n@" + target).prefix(8)
        let base = inputs.first.map { URL(fileURLWithPath: $0).standardizedFileURL.lastPathComponent } ?? "job"
        let safe = String(base.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "-" })
        return "\(safe.isEmpty ? "job" : safe)-\(hash)"
    }

    /// Rejected documents of a job, next to its ledger: `ledger.sqlite` → `ledger.dead-letter.jsonl`.
    public static func deadLetterPath(ledgerPath: String) -> String {
        let base = ledgerPath.hasSuffix(".sqlite") ? String(ledgerPath.dropLast(".sqlite".count)) : ledgerPath
        return base + ".dead-letter.jsonl"
    }

    /// The ledger path of a job.
    public static func ledgerPath(job: String, environment: [String: String]) -> String {
        (home(environment) as NSString).appendingPathComponent("jobs/\(job)/ledger.sqlite")
    }

    /// The target's identity as a job remembers it: kind and where (never a key).
    public static func targetIdentity(_ options: ImportOptions) -> String {
        options.targets.descriptor(named: options.target.rawValue)?.identity(options.targetOptions)
            ?? options.target.rawValue
    }

    /// Every input must exist and be readable: a usage error naming the path otherwise, raised before any job,
    /// ledger or sandbox store is created.
    public static func checkInputs(_ inputs: [String]) throws {
        guard !inputs.isEmpty else {
            throw ValidationError(message: "no inputs: name the files or folders to read (e.g. backfill import mail.mbox)")
        }
        for input in inputs {
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: input, isDirectory: &isDirectory) else {
                throw ValidationError(
                    message: "input '\(input)' does not exist; check the path (nothing was read, no job was created)")
            }
            let mode = isDirectory.boolValue ? R_OK | X_OK : R_OK
            guard access(input, mode) == 0 else {
                let reason = String(cString: strerror(errno))
                throw ValidationError(
                    message:
                        "input '\(input)' cannot be read (\(reason)); check its permissions (nothing was read, no job was created)"
                )
            }
        }
    }

    /// The validation profile of a target.
    static func profile(_ options: ImportOptions) throws -> ValidationProfile {
        try options.targets.descriptor(for: options.target).profile(options.targetOptions)
    }
}

/// A job's state, as `backfill status` shows it.
public struct JobStatus: Sendable, Codable {
    public var job: String
    public var ledger: String
    public var documents: [String: Int]
    public var batches: Int
    public var batchesInterrupted: Int
    /// Accepted and duplicate documents by the target's ingestion status as `backfill verify` last recorded it
    /// (`queued`, `processing`, `completed`, `failed`, `partial_success`; `unchecked`: never asked).
    public var ingestion: [String: Int]
    public var lastReport: JSONValue?
    /// The run holding the job now, if one does.
    public var running: JobLock.Holder?

    enum CodingKeys: String, CodingKey {
        case job, ledger, documents, batches, running, ingestion
        case batchesInterrupted = "batches_interrupted"
        case lastReport = "last_report"
    }

    public static func read(job: String, ledgerPath: String) throws -> JobStatus {
        guard FileManager.default.fileExists(atPath: ledgerPath) else {
            throw ValidationError(message: "no ledger for job '\(job)' at \(ledgerPath); pass --job NAME or --ledger PATH")
        }
        let ledger = try Ledger(path: ledgerPath)
        var documents: [String: Int] = [:]
        let counts = try ledger.stateCounts()
        for state in DocumentState.allCases { documents[state.rawValue] = counts[state] ?? 0 }
        let batches = try ledger.batchCounts()
        let last = try ledger.lastReport().flatMap { try? JSONDecoder().decode(JSONValue.self, from: Data($0.utf8)) }
        return JobStatus(
            job: (try ledger.jobValue("name")) ?? job, ledger: ledgerPath, documents: documents, batches: batches.total,
            batchesInterrupted: batches.sending, ingestion: try ledger.ingestionCounts(), lastReport: last,
            running: JobLock.currentHolder(ledgerPath: ledgerPath))
    }

    /// Lists the jobs under the Backfill home folder.
    public static func jobs(environment: [String: String]) -> [String] {
        let folder = (Backfill.home(environment) as NSString).appendingPathComponent("jobs")
        return ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    /// Every job under the Backfill home folder with its last run and its documents by state (`backfill status`
    /// without a job). A folder without a readable ledger is listed with the error.
    public static func list(environment: [String: String]) -> [JobSummary] {
        jobs(environment: environment).map { name in
            let path = Backfill.ledgerPath(job: name, environment: environment)
            guard FileManager.default.fileExists(atPath: path) else {
                return JobSummary(job: name, ledger: path, error: "no ledger")
            }
            do {
                let ledger = try Ledger(path: path)
                let counts = try ledger.stateCounts()
                var documents: [String: Int] = [:]
                for state in DocumentState.allCases { documents[state.rawValue] = counts[state] ?? 0 }
                var summary = JobSummary(job: (try ledger.jobValue("name")) ?? name, ledger: path)
                summary.target = try ledger.jobValue("target")
                summary.lastRun = try ledger.lastRun().map(JobSummary.Run.init)
                summary.documents = documents
                return summary
            } catch {
                return JobSummary(job: name, ledger: path, error: "\(error)")
            }
        }
    }
}

/// One line of `backfill status` without a job.
public struct JobSummary: Sendable, Codable {
    public struct Run: Sendable, Codable {
        public var command: String
        /// ISO 8601 (UTC).
        public var startedAt: String
        /// Nil while running, or when the run was killed.
        public var finishedAt: String?
        public var exitCode: Int32?

        init(_ run: LedgerRun) {
            command = run.command
            startedAt = Timestamp.format(run.startedAt)
            finishedAt = run.finishedAt.map(Timestamp.format)
            exitCode = run.exitCode
        }

        enum CodingKeys: String, CodingKey {
            case command
            case startedAt = "started_at"
            case finishedAt = "finished_at"
            case exitCode = "exit_code"
        }
    }

    public var job: String
    public var ledger: String
    public var target: String?
    public var lastRun: Run?
    public var documents: [String: Int] = [:]
    public var error: String?

    public init(job: String, ledger: String, error: String? = nil) {
        self.job = job
        self.ledger = ledger
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case job, ledger, target, documents, error
        case lastRun = "last_run"
    }

    /// The jobs as a table whose columns fit their contents.
    public static func text(_ jobs: [JobSummary], home: String) -> String {
        guard !jobs.isEmpty else { return "No jobs yet under \(home)/jobs." }
        let states = DocumentState.allCases.map(\.rawValue)
        var rows = [["JOB", "LAST RUN", "EXIT"] + states]
        for job in jobs {
            let run: String
            let exit: String
            if let last = job.lastRun {
                run = "\(last.command) \(last.startedAt)" + (last.finishedAt == nil ? " (unfinished)" : "")
                exit = last.exitCode.map(String.init) ?? "-"
            } else {
                run = job.error ?? "never run"
                exit = "-"
            }
            rows.append([job.job, run, exit] + states.map { job.documents[$0].map(String.init) ?? "-" })
        }
        return (["Jobs under \(home)/jobs"] + TextTable.lines(rows, indent: "  ")
            + ["Pass --job NAME (or --ledger PATH) for one job."]).joined(separator: "\n")
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
