import ArgumentParser
import BackfillKit

struct RetryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "retry",
        abstract: "Send a job's failed documents again (after an outage); with --rejected, the rejected ones too.")

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @Flag(help: "Also send documents the target rejected (after you fixed a mapping).") var rejected = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var html: HTMLOptions
    @Option(help: "Progress on stderr: auto, live, lines, none.") var progress: String = "auto"
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await runRecorded(
            job: job, ledger: ledger, progress: progress, json: output.isJSON, html: html, resendRejected: rejected,
            logger: logging.makeLogger())
    }
}
