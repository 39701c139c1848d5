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
    static let software: Int32 = 70
}

@main
struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Bulk-import years of history (email, chat exports, transcripts, documents) into AI memory APIs.",
        discussion: """
            Exit codes: 0 all done; 1 finished with rejected or failed documents; 3 aborted by --fail-fast; \
            4 stopped by the target (authentication, credits); 64 usage error.
            """,
        subcommands: [ImportCommand.self, PlanCommand.self, StatusCommand.self, SandboxCommand.self, AdaptersCommand.self]
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

    @Flag(help: "Print one JSON object on stdout instead of the text report.")
    var json = false

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
        return options
    }
}

struct TargetOptions: ParsableArguments {
    @Option(help: "Where to send: sandbox (default, embedded local server), synap, jsonl.")
    var target: String = "sandbox"

    @Option(name: .customLong("base-url"), help: "Target base URL (synap: default per route profile, or $SYNAP_BASE_URL).")
    var baseURL: String?

    @Option(help: "Synap route profile: sdk (/api/v1/memories/…, default) or documented (/v1/memories/…).")
    var routes: String = "sdk"

    @Option(help: "Output file for --target jsonl.")
    var out: String?

    func validate() throws {
        guard TargetKind(rawValue: target) != nil else {
            throw ArgumentParser.ValidationError("--target must be one of: sandbox, synap, jsonl (got '\(target)')")
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
    }
}

/// Prints a usage-level error (exit 64) or an unexpected one (exit 70), naming what to do.
func fail(_ error: any Error) -> ExitCode {
    let stderr = FileHandle.standardError
    switch error {
    case let error as BackfillCore.ValidationError:
        stderr.write(Data("backfill: \(error.message)\n".utf8))
        return ExitCode(Exit.usage)
    default:
        stderr.write(Data("backfill: \(error)\n".utf8))
        return ExitCode(Exit.software)
    }
}

func printNotice(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read the inputs and upload every document (resumes the job if it exists).")

    @OptionGroup var source: SourceOptions
    @OptionGroup var targetOptions: TargetOptions
    @Flag(name: .customLong("fail-fast"), help: "Stop at the first invalid document (exit 3).")
    var failFast = false
    @Option(name: .customLong("max-attempts"), help: "Attempts per batch for retryable errors.")
    var maxAttempts: Int = 5
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        do {
            var options = try source.options()
            targetOptions.apply(to: &options)
            options.failFast = failFast
            options.maxAttempts = max(1, maxAttempts)
            let report = try await Backfill.runImport(options, logger: logger, notice: printNotice)
            print(source.json ? report.json() : report.text())
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
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
            var name = job
            if name == nil && ledger == nil {
                let jobs = JobStatus.jobs(environment: environment)
                if jobs.count == 1 {
                    name = jobs[0]
                } else {
                    if json {
                        let data = try JSONEncoder().encode(["jobs": jobs])
                        print(String(decoding: data, as: UTF8.self))
                    } else {
                        print(jobs.isEmpty ? "No jobs yet under \(Backfill.home(environment))/jobs." : "Jobs:\n" + jobs.map { "  \($0)" }.joined(separator: "\n") + "\nPass --job NAME for one.")
                    }
                    return
                }
            }
            let jobName = name ?? "custom"
            let path = ledger ?? Backfill.ledgerPath(job: jobName, environment: environment)
            let status = try JobStatus.read(job: jobName, ledgerPath: path)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print("Job \(status.job) — ledger \(status.ledger)")
                for (state, count) in status.documents.sorted(by: { $0.key < $1.key }) {
                    print("  \(state.padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)")
                }
                print("  batches    \(status.batches) (\(status.batchesInterrupted) interrupted while sending)")
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
