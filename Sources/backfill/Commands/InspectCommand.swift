import ArgumentParser
import BackfillKit
import Foundation

struct InspectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "One file: which adapter claims it and why, and its first documents exactly as they would be sent.",
        discussion: """
            Reads the file through the same stages as `plan` and stops after --limit documents; nothing is sent and \
            no ledger is written. Each document shows its provenance and whether the chosen --target accepts it. \
            For a file no adapter claims, every adapter's answer is listed.
            """)

    @OptionGroup var source: SourceOptions
    @OptionGroup var targetOptions: TargetOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var logging: LoggingOptions

    @Option(help: "Documents to show (1 to 1000).")
    var limit = 5

    func validate() throws {
        guard (1...1000).contains(limit) else { throw ValidationError("--limit must be 1 to 1000, not \(limit)") }
    }

    func run() async throws {
        let logger = logging.makeLogger()
        do {
            var options = try source.options()
            targetOptions.apply(to: &options)
            let handlers = SignalHandlers(stop: options.stopSignal)
            defer { withExtendedLifetime(handlers) {} }
            let report = try await Backfill.inspect(options, limit: limit, logger: logger)
            print(output.isJSON ? report.json() : report.text())
            if report.claimedBy == nil { throw ExitCode(1) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
