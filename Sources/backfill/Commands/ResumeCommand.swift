import ArgumentParser
import BackfillKit

struct ResumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resume",
        abstract:
            "Resume a job with its recorded inputs and options: finished sources are skipped, half-read ones resume at their checkpoint."
    )

    @Option(help: "Job name (see `backfill status`); --ledger alone names it too.") var job: String?
    @Option(help: "Ledger file, when not in the default place.") var ledger: String?
    @OptionGroup var output: OutputOptions
    @OptionGroup var html: HTMLOptions
    @Option(help: "Progress on stderr: auto, live, lines, none.") var progress: String = "auto"
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        try await runRecorded(
            job: job, ledger: ledger, progress: progress, json: output.isJSON, html: html, resendRejected: false,
            logger: logging.makeLogger())
    }
}
