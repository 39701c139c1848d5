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

/// Where documents go.
public enum TargetKind: String, Sendable, CaseIterable {
    /// The embedded Synap-compatible sandbox on a loopback port (the default: nothing leaves the machine).
    case sandbox
    case synap
    /// Self-hosted GoodMem (`POST /v1/memories:batchCreate`, UUIDv5 memory ids: exactly-once).
    case goodmem
    /// Hosted Mielto (`POST /memories`, one per document, no client ids: guarded by the ledger and listing).
    case mielto
    /// Writes the requests to `--out`.
    case jsonl
}

/// Everything one `import` or `plan` needs.
public struct ImportOptions: Sendable {
    public var inputs: [String]
    public var target: TargetKind = .sandbox
    public var baseURL: String?
    public var routes: SynapRoutes = .sdk
    public var out: String?
    public var job: String?
    public var ledger: String?
    public var userID: String?
    public var customerID: String?
    public var mode: Mode?
    public var typeMap: TypeMap = .synapDefault
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
    /// `retry --rejected`: send again what the target rejected before.
    public var resendRejected = false
    public var progress: ProgressStyle?
    /// Triggered by SIGINT/SIGTERM in the CLI.
    public var stopSignal = StopSignal()
    public var adapterOptions: [String: String] = [:]
    /// A CSV or YAML identity map (`--identity-map`).
    public var identityMapPath: String?
    /// GoodMem: the space, by id or name (created with `createSpace`), and TLS for self-signed servers.
    public var spaceID: String?
    public var spaceName: String?
    public var createSpace = false
    public var tls = TLSOptions()
    /// Mielto: the `X-Workspace-Id` header.
    public var workspaceID: String?
    /// The environment to read API keys from (injectable for tests).
    public var environment: [String: String] = ProcessInfo.processInfo.environment

    public init(inputs: [String]) { self.inputs = inputs }
}

/// The composition root: adapters, targets, ledger and pipeline put together.
public enum Backfill {
    /// Every adapter this build knows, in sniffing priority order.
    public static let adapters: [any SourceAdapter] = [RequestsJSONLAdapter(), TextAdapter()] + ChatAdapters.all
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
    /// The embedded sandbox's store, beside the job's ledger.
    static func sandboxStorePath(ledgerPath: String) -> String {
        let folder = PathText.folder(of: ledgerPath)
        return (folder.isEmpty ? "." : folder) + "/sandbox.sqlite"
    }

    public static func deadLetterPath(ledgerPath: String) -> String {
        let base = ledgerPath.hasSuffix(".sqlite") ? String(ledgerPath.dropLast(".sqlite".count)) : ledgerPath
        return base + ".dead-letter.jsonl"
    }

    /// The ledger path of a job.
    public static func ledgerPath(job: String, environment: [String: String]) -> String {
        (home(environment) as NSString).appendingPathComponent("jobs/\(job)/ledger.sqlite")
    }

    /// Runs an import and returns its report. Usage mistakes throw ``ValidationError``.
    /// The target's identity as a job remembers it: kind and where (never a key).
    public static func targetIdentity(_ options: ImportOptions) -> String {
        switch options.target {
        case .sandbox: return "sandbox"
        case .synap:
            let base = options.baseURL ?? options.environment["SYNAP_BASE_URL"] ?? options.routes.defaultBaseURL
            return "synap \(base)"
        case .jsonl:
            guard let out = options.out, out != "-" else { return "jsonl -" }
            return "jsonl \(URL(fileURLWithPath: out).standardizedFileURL.path)"
        case .goodmem:
            return "goodmem \(options.baseURL ?? "http://localhost:8080") space \(options.spaceID ?? options.spaceName ?? "-")"
        case .mielto:
            return "mielto \(options.baseURL ?? "https://api.mielto.com/api/v1") workspace \(options.workspaceID ?? "-")"
        }
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
    static func profile(_ options: ImportOptions) -> ValidationProfile {
        switch options.target {
        case .goodmem: return .goodmem(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
        case .mielto: return .mielto(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
        default: return .synap(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
        }
    }

    /// Builds the client of a remote target (not the embedded sandbox); the key comes from the environment.
    public static func makeRemoteTarget(_ options: ImportOptions, logger: Logger) throws -> any UploadTarget {
        func key(_ name: String, _ hint: String) throws -> String {
            guard let key = options.environment[name], !key.isEmpty else {
                throw ValidationError(message: "\(name) is not set: export your \(hint) API key and run again")
            }
            return key
        }
        switch options.target {
        case .synap:
            let base = options.baseURL ?? options.environment["SYNAP_BASE_URL"] ?? options.routes.defaultBaseURL
            guard URL(string: base)?.scheme != nil else {
                throw ValidationError(message: "--base-url '\(base)' is not a URL (e.g. https://api.synap.maximem.ai)")
            }
            return try SynapClient(
                configuration: .init(baseURL: base, routes: options.routes, apiKey: try key("SYNAP_API_KEY", "Synap (synap_…)")),
                logger: logger)
        case .goodmem:
            var configuration = GoodMemClient.Configuration(apiKey: try key("GOODMEM_API_KEY", "GoodMem (gm_…)"))
            if let base = options.baseURL { configuration.baseURL = base }
            configuration.spaceID = options.spaceID
            configuration.spaceName = options.spaceName
            configuration.createSpace = options.createSpace
            configuration.batchSize = min(100, max(1, options.batchSize))
            configuration.tls = options.tls
            guard configuration.spaceID != nil || configuration.spaceName != nil else {
                throw ValidationError(message: "--target goodmem needs --space-id ID or --space-name NAME (with --create-space to create it)")
            }
            return try GoodMemClient(configuration: configuration, logger: logger)
        case .mielto:
            var configuration = MieltoClient.Configuration(apiKey: try key("MIELTO_API_KEY", "Mielto"))
            if let base = options.baseURL { configuration.baseURL = base }
            configuration.workspaceID = options.workspaceID
            return try MieltoClient(configuration: configuration, logger: logger)
        case .sandbox, .jsonl:
            throw ValidationError(message: "\(options.target.rawValue) is not a remote target")
        }
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

/// How `backfill verify` asks ingestion statuses (Synap and the sandbox).
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
    /// Why the run stopped early (a refused key), when it did.
    public var stopped: String?
    public var exitCode: Int32 = 0

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
    static let statusOrder = ["queued", "processing", "completed", "partial_success", "failed", "unchecked"]

    public func text() -> String {
        var lines = [
            "Verify \(job) against \(target)",
            "  checked  \(checked) documents the ledger holds as accepted or duplicate",
            "  present  \(present)",
            "  missing  \(missing)" + (markedForRetry ? "  (marked failed: `backfill retry --job \(job)` sends them again)" : ""),
            "  unknown  \(unknown)",
        ]
        for (reason, count) in unknownReasons.sorted(by: { $0.key < $1.key }) { lines.append("    \(reason) × \(count)") }
        if !ingestion.isEmpty {
            let ordered = Self.statusOrder.filter { ingestion[$0] != nil }
                + ingestion.keys.filter { !Self.statusOrder.contains($0) }.sorted()
            lines.append("Ingestion status (\(polls) round\(polls == 1 ? "" : "s"), \(String(format: "%.1f", elapsedSeconds)) s):")
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
                "Timed out with \(pending) documents still pending (\(waiting.isEmpty ? "unreadable" : waiting)); run `backfill verify --job \(job) --wait` again later")
        }
        if let stopped { lines.append("Stopped: \(stopped)") }
        return lines.joined(separator: "\n")
    }
}

extension Backfill {
    /// Reads back from the target what the ledger says was accepted, and reports what is missing. With
    /// `markMissing`, missing documents become `failed` in the ledger so `retry` sends them again.
    ///
    /// Synap (and the sandbox, over HTTP like Synap): the ingestion status of every accepted document, asked
    /// `verification.concurrency` at a time under a rate limiter, recorded per document in the ledger (status,
    /// `error_message`, when); with `verification.wait`, the documents still `queued` or `processing` are asked
    /// again every `pollInterval` until none is left or `timeout` passes. Processing failures are reported with
    /// the target's error (exit 1) and, with `markMissing`, marked `failed` too. GoodMem: `batchGet`; Mielto:
    /// the listing.
    public static func verify(
        job: String, ledgerPath: String, options: ImportOptions, markMissing: Bool,
        verification: VerifyOptions = VerifyOptions(), logger: Logger
    ) async throws -> VerifyReport {
        let ledger = try Ledger(path: ledgerPath)
        var report = VerifyReport(job: job, target: options.target.rawValue)
        let started = ContinuousClock.now
        func check(_ target: any UploadTarget) async throws {
            do {
                try await readBack(target)
            } catch {
                try? await target.shutdown()
                throw error
            }
            try await target.shutdown()
        }
        func readBack(_ target: any UploadTarget) async throws {
            var after = ""
            var missingIDs: [String] = []
            while true {
                let page = try ledger.knownDocuments(in: [.accepted, .duplicate], afterID: after, limit: 500)
                guard let last = page.last else { break }
                after = last.documentID
                let outcomes = try await target.verify(
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
            if markMissing && !missingIDs.isEmpty {
                try ledger.mark(
                    missingIDs, as: .failed, code: "missing_on_target",
                    message: "the ledger held it as accepted but the target does not have it (backfill verify)")
                report.markedForRetry = true
            }
        }
        switch options.target {
        case .sandbox:
            var configuration = SandboxConfiguration()
            configuration.storePath = sandboxStorePath(ledgerPath: ledgerPath)
            let key = "synap_sandbox_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            configuration.apiKey = key
            // The job's embedded sandbox runs again on its store and is asked over HTTP, like Synap; documents
            // the ledger holds as duplicate (no ingestion id) are found by their document id in the store.
            let server = try SandboxServer(configuration: configuration, logger: logger)
            let stored = Dictionary(
                try await server.documents().map { ($0.documentID, $0.ingestionID) }, uniquingKeysWith: { a, _ in a })
            let routes = options.routes
            report = try await server.withRunning { [report] port in
                var clientConfiguration = SynapClient.Configuration(
                    baseURL: "http://127.0.0.1:\(port)", routes: routes, apiKey: key)
                clientConfiguration.displayName = "sandbox"
                let client = try SynapClient(configuration: clientConfiguration, logger: logger)
                var report = report
                try await verifyIngestion(
                    ledger: ledger, client: client, report: &report, verification: verification,
                    markMissing: markMissing, lookup: { stored[$0] })
                return report
            }
        case .jsonl:
            throw ValidationError(message: "a jsonl job has nothing to read back")
        case .synap:
            guard let client = try makeRemoteTarget(options, logger: logger) as? SynapClient else {
                throw ValidationError(message: "internal: the synap target is not a Synap client")
            }
            try await verifyIngestion(
                ledger: ledger, client: client, report: &report, verification: verification, markMissing: markMissing,
                lookup: { _ in nil })
        case .goodmem, .mielto:
            try await check(try makeRemoteTarget(options, logger: logger))
            report.polls = 1
        }
        report.elapsedSeconds = (ContinuousClock.now - started).seconds
        if let stopped = report.stopped {
            report.exitCode = stopped.hasPrefix("interrupted") ? 130 : 4
        } else {
            let failed = report.ingestion["failed"] ?? 0
            report.exitCode = report.missing > 0 || failed > 0 || report.timedOut ? 1 : 0
        }
        return report
    }

    /// Synap's half of ``verify(job:ledgerPath:options:markMissing:verification:logger:)``.
    private static func verifyIngestion(
        ledger: Ledger, client: SynapClient, report: inout VerifyReport, verification: VerifyOptions,
        markMissing: Bool, lookup: @Sendable (String) -> String?
    ) async throws {
        do {
            try await askStatuses(
                ledger: ledger, client: client, report: &report, verification: verification, markMissing: markMissing,
                lookup: lookup)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    private static func askStatuses(
        ledger: Ledger, client: SynapClient, report: inout VerifyReport, verification: VerifyOptions,
        markMissing: Bool, lookup: @Sendable (String) -> String?
    ) async throws {
        let checker = IngestionStatusChecker(
            concurrency: verification.concurrency, limiter: RateLimiter(verification.rate), retry: verification.retry,
            fetch: { try await client.statusReply(ingestionID: $0) })
        let noID = "no ingestion id (the target answered duplicate)"
        var missingIDs: [String] = []
        /// Documents whose status could not be read in the first round, with the reason they were counted under.
        var unreadable: [String: String] = [:]

        /// Asks one page's statuses, records them, and counts them (`first`: the first round, which counts every
        /// document once; later rounds only move documents between the counts).
        func round(_ page: [(documentID: String, targetID: String?, userID: String?, state: DocumentState)], first: Bool)
            async throws -> Int
        {
            var asks: [(documentID: String, ingestionID: String)] = []
            for document in page {
                if first { report.checked += 1 }
                if let id = document.targetID ?? lookup(document.documentID) {
                    asks.append((document.documentID, id))
                } else if first {
                    report.unknown += 1
                    report.unknownReasons[noID, default: 0] += 1
                }
            }
            let answers = try await checker.check(asks)
            var records: [IngestionRecord] = []
            for ask in asks {
                let id = ask.documentID
                switch answers[id] ?? .unreadable("no answer") {
                case .status(let status, let error):
                    records.append(IngestionRecord(documentID: id, status: status, error: error))
                    if first {
                        report.present += 1
                    } else if let reason = unreadable.removeValue(forKey: id) {
                        report.unknown -= 1
                        report.unknownReasons[reason, default: 1] -= 1
                        if report.unknownReasons[reason] == 0 { report.unknownReasons[reason] = nil }
                        report.present += 1
                    }
                case .missing:
                    if !first {
                        if let reason = unreadable.removeValue(forKey: id) {
                            report.unknown -= 1
                            report.unknownReasons[reason, default: 1] -= 1
                            if report.unknownReasons[reason] == 0 { report.unknownReasons[reason] = nil }
                        } else {
                            report.present -= 1
                        }
                    }
                    report.missing += 1
                    missingIDs.append(id)
                    if report.missingExamples.count < 20 { report.missingExamples.append(id) }
                    // Not pending any more: the target does not know it (Backfill's own mark, not a target status).
                    records.append(
                        IngestionRecord(documentID: id, status: "missing", error: "the target does not know this ingestion id"))
                case .unreadable(let why):
                    if first {
                        let reason = "status unreadable: " + String(why.prefix(120))
                        report.unknown += 1
                        report.unknownReasons[reason, default: 0] += 1
                        unreadable[id] = reason
                    }
                }
            }
            try ledger.recordIngestion(records)
            return asks.count
        }

        do {
            var after = ""
            report.polls = 1
            let stop = verification.stopSignal
            while !stop.isTriggered {
                let page = try ledger.knownDocuments(in: [.accepted, .duplicate], afterID: after, limit: 1000)
                guard let last = page.last else { break }
                after = last.documentID
                _ = try await round(page, first: true)
            }
            if verification.wait {
                let clock = ContinuousClock()
                let deadline = clock.now + verification.timeout
                polling: while !stop.isTriggered {
                    // Anything left to ask (never asked with an id, unreadable, queued, processing)?
                    guard try awaitingCount(ledger, lookup: lookup) > 0 else { break }
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
                        _ = try await round(page, first: false)
                    }
                }
            }
            if stop.isTriggered {
                report.stopped = "interrupted: stopped by a signal; what was asked is recorded — run verify again to go on"
            }
        } catch let error as UploadError where error.kind == .stop {
            report.stopped = "\(error.code): \(error.message)"
        }
        report.pending = try awaitingCount(ledger, lookup: lookup)
        var counts = try ledger.ingestionCounts()
        counts["missing"] = nil
        report.ingestion = counts
        report.ingestionFailures = try ledger.ingestionFailures(limit: 100)
        if markMissing {
            if !missingIDs.isEmpty {
                try ledger.mark(
                    missingIDs, as: .failed, code: "missing_on_target",
                    message: "the ledger held it as accepted but the target does not have it (backfill verify)")
                report.markedForRetry = true
            }
            let failed = try ledger.ingestionFailures(limit: Int.max).filter { $0.status == "failed" }
            for failure in failed {
                try ledger.mark(
                    [failure.documentID], as: .failed, code: "ingestion_failed",
                    message: "the target failed to process it: \(failure.error ?? "no error message") (backfill verify)")
            }
            if !failed.isEmpty { report.markedForRetry = true }
        }
    }

    /// Accepted documents whose processing is not known to be over and that have an id to ask by.
    private static func awaitingCount(_ ledger: Ledger, lookup: (String) -> String?) throws -> Int {
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

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
