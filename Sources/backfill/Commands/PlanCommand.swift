import ArgumentParser
import BackfillKit
import Foundation

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
