import ArgumentParser
import BackfillKit
import Foundation

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read back from the target what the ledger says was accepted, and report what is missing.")

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @Flag(
        name: .customLong("mark-missing"),
        help: "Mark missing documents (and those whose processing failed) failed, so `backfill retry` sends them again."
    )
    var markMissing = false
    @Flag(help: "Poll until no document is queued or processing (or --timeout passes: exit 1, naming what is pending).")
    var wait = false
    @Option(help: "How long --wait polls at most: seconds, or with a unit (90s, 10m, 1h).") var timeout: String = "10m"
    @Option(
        name: .customLong("poll-interval"),
        help: "Pause between two polls of --wait: seconds or with a unit (500ms, 2s).")
    var pollInterval: String = "2s"
    @Option(help: "Status requests in flight at once.") var concurrency: Int = 8
    @Option(help: "Status requests per second at most (token bucket).") var rate: Double?
    @Option(help: "Requests that may start at once above --rate.") var burst: Double = 1
    @OptionGroup var output: OutputOptions
    @OptionGroup var html: HTMLOptions
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if concurrency < 1 || concurrency > 256 { throw ArgumentParser.ValidationError("--concurrency must be 1…256") }
        if let rate, rate <= 0 { throw ArgumentParser.ValidationError("--rate must be positive") }
        guard parseDuration(timeout) != nil else {
            throw ArgumentParser.ValidationError(
                "--timeout takes seconds or a duration like 90s, 10m, 1h (got '\(timeout)')")
        }
        guard let interval = parseDuration(pollInterval), interval > .zero else {
            throw ArgumentParser.ValidationError(
                "--poll-interval takes a positive duration like 500ms or 2s (got '\(pollInterval)')")
        }
    }

    func run() async throws {
        let logger = logging.makeLogger()
        try await guarded {
            // Opened before the job's folder becomes the working directory: a relative path is the user's.
            let page = try html.open()
            let options = try HTMLReportFile.around(page) { try recordedJob(job: job, ledger: ledger) }
            var verification = VerifyOptions()
            verification.wait = wait
            verification.timeout = parseDuration(timeout) ?? .seconds(600)
            verification.pollInterval = parseDuration(pollInterval) ?? .seconds(2)
            verification.concurrency = concurrency
            verification.rate = RateLimitConfiguration(requestsPerSecond: rate, burst: burst)
            // SIGINT/SIGTERM: stop asking, record what was learnt, print the report (exit 130).
            let handlers = SignalHandlers(stop: verification.stopSignal)
            defer { withExtendedLifetime(handlers) {} }
            let report = try await HTMLReportFile.around(page) {
                try await Backfill.verify(
                    job: options.job ?? "", ledgerPath: options.ledger ?? "", options: options,
                    markMissing: markMissing, verification: verification, logger: logger)
            }
            try page?.write(report.html())
            if output.isJSON {
                print(try OutputOptions.jsonLine(report))
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
    for (suffix, scale) in [("ms", 0.001), ("s", 1.0), ("m", 60.0), ("h", 3600.0), ("", 1.0)]
    where trimmed.hasSuffix(suffix) {
        guard let value = Double(trimmed.dropLast(suffix.count)), value >= 0, value.isFinite else { continue }
        return .milliseconds(Int64((value * scale * 1000).rounded()))
    }
    return nil
}
