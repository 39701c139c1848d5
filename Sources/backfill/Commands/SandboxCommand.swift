import ArgumentParser
import BackfillKit
import Foundation
import Logging

/// `backfill sandbox`: the contracts of `SandboxRegistry.standard`, composed by the server. The flags that set a
/// target's own sandbox settings (`--isolation`, `--nested-scopes`, `--not-ready-for`, `--build-failed`,
/// `--credits`, `--blocked-reason`, `--ingest-fail-rate`, `--ingest-partial-rate`) are declared here by flag, as
/// the CLI's target flags are (swift-argument-parser needs them at compile time; targets/README.md); they set
/// the default contract's settings through its `SandboxConfiguration` extension properties.
struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract:
            "Run the local server speaking the targets' contracts (\(SandboxRegistry.standard.names.joined(separator: ", "))), for rehearsals and tests."
    )

    @Option(help: "Port on 127.0.0.1 (0 = any free port).") var port: Int = 8765
    @Option(help: "Host to bind.") var host: String = "127.0.0.1"
    @Option(help: "SQLite file that keeps what was stored across restarts (default: in memory).") var store: String?
    @Option(name: .customLong("rate-limit"), help: "Requests per second (reads and writes) before answering 429.")
    var rateLimit: Double?
    @Option(name: .customLong("fail-rate"), help: "Probability of a 500/503 answer (any API route).") var failRate:
        Double = 0
    @Option(name: .customLong("reset-rate"), help: "Probability of dropping the connection unanswered (any API route).")
    var resetRate: Double = 0
    @Option(name: .customLong("accept-then-fail-rate"), help: "Probability of storing, then answering 503 (writes).")
    var acceptThenFailRate: Double = 0
    @Option(name: .customLong("latency-ms"), help: "Added latency per request, in milliseconds.") var latencyMs: Int = 0
    @Option(name: .customLong("processing-ms"), help: "Time from queued to completed (processing from half of it).")
    var processingMs: Int = 600
    @Option(
        name: .customLong("ingest-fail-rate"),
        help: "Probability that a document's ingestion ends failed (by id and seed).")
    var ingestFailRate: Double = 0
    @Option(name: .customLong("ingest-partial-rate"), help: "Probability that it ends partial_success.")
    var ingestPartialRate: Double = 0
    @Option(help: "Seed of the fault generator.") var seed: UInt64 = 1

    func validate() throws {
        for (name, value) in [
            ("--fail-rate", failRate), ("--reset-rate", resetRate), ("--accept-then-fail-rate", acceptThenFailRate),
            ("--ingest-fail-rate", ingestFailRate), ("--ingest-partial-rate", ingestPartialRate),
        ] where !(0...1).contains(value) {
            throw ArgumentParser.ValidationError("\(name) is a probability from 0 to 1, not \(value)")
        }
        if ingestFailRate + ingestPartialRate > 1 {
            throw ArgumentParser.ValidationError("--ingest-fail-rate plus --ingest-partial-rate must not pass 1")
        }
        if processingMs < 0 || latencyMs < 0 {
            throw ArgumentParser.ValidationError("--processing-ms and --latency-ms must not be negative")
        }
    }
    @Option(help: "User-context isolation reported by whoami: equals_customer (B2C) or strict (B2B).")
    var isolation: String = "equals_customer"
    @Flag(
        name: .customLong("nested-scopes"), help: "The account has a level between customer and user: accept `scope`.")
    var nestedScopes = false
    @Option(
        name: .customLong("not-ready-for"), help: "Answer memory writes 409 instance_not_ready for this many seconds.")
    var notReadyFor: Double = 0
    @Flag(name: .customLong("build-failed"), help: "Answer memory writes 409 instance_build_failed.")
    var buildFailed = false
    @Option(help: "Documents the account may store before writes answer 402 (insufficient credits).")
    var credits: Int?
    @Option(
        name: .customLong("blocked-reason"),
        help: "Answer writes 429 with this reason (trial_limit_reached, subscription_inactive).")
    var blockedReason: String?
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        var configuration = SandboxConfiguration()
        configuration.host = host
        configuration.port = port
        configuration.storePath = store
        configuration.isolation = isolation
        configuration.faults.rateLimitPerSecond = rateLimit
        configuration.faults.failRate = failRate
        configuration.faults.resetRate = resetRate
        configuration.faults.acceptThenFailRate = acceptThenFailRate
        configuration.faults.latency = .milliseconds(latencyMs)
        configuration.faults.seed = seed
        configuration.nestedScopes = nestedScopes
        configuration.account.readyAfter = .milliseconds(Int64(notReadyFor * 1000))
        configuration.account.buildFailed = buildFailed
        configuration.account.credits = credits
        configuration.account.blockedReason = blockedReason
        configuration.setProcessingTime(.milliseconds(processingMs))
        configuration.ingestion.failRate = ingestFailRate
        configuration.ingestion.partialSuccessRate = ingestPartialRate
        let banners = SandboxRegistry.standard.providers.compactMap(\.banner)
        let routesNote = banners.map(\.routes).joined(separator: "; ")
        let keysNote = banners.map(\.keys).joined(separator: "; ")
        let storeNote = store ?? "memory (lost on exit)"
        let server = try SandboxServer(configuration: configuration, logger: logger)
        try await server.run { port in
            print(
                "sandbox listening on http://\(host):\(port) — \(routesNote); store: \(storeNote); \(keysNote). Ctrl-C stops."
            )
            fflush(nil)
        }
    }
}
