import ArgumentParser
import BackfillKit
import Foundation

struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Dry run: everything but sending — counts, rejects with reasons, duplicates, missing dates.")

    @OptionGroup var source: SourceOptions
    @OptionGroup var targetOptions: TargetOptions
    @OptionGroup var pace: PaceOptions
    @Option(
        name: .customLong("assumed-latency"),
        help: "Seconds one request is assumed to take, for the estimate of the upload's duration.")
    var assumedLatency: Double = 0.5
    @OptionGroup var output: OutputOptions
    @OptionGroup var html: HTMLOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        do {
            var options = try source.options()
            targetOptions.apply(to: &options)
            pace.apply(to: &options)
            options.assumedSecondsPerRequest = max(0, assumedLatency)
            let page = try html.open()
            // SIGINT/SIGTERM: stop reading, print the partial report (exit 130); a second signal exits at once.
            let handlers = SignalHandlers(stop: options.stopSignal)
            defer { withExtendedLifetime(handlers) {} }
            let report = try await HTMLReportFile.around(page) { try await Backfill.runPlan(options, logger: logger) }
            try page?.write(report.html())
            print(output.isJSON ? report.json() : report.text())
            if report.exitCode != 0 { throw ExitCode(report.exitCode) }
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
