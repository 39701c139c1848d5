import ArgumentParser
import BackfillKit
import Foundation

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Read the inputs and upload every document (resumes the job if it exists).")

    @OptionGroup var source: SourceOptions
    @OptionGroup var targetOptions: TargetOptions
    @OptionGroup var send: SendOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var html: HTMLOptions
    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        let logger = logging.makeLogger()
        do {
            var options = try source.options()
            targetOptions.apply(to: &options)
            send.apply(to: &options)
            try await runAndReport(options, json: output.isJSON, page: try html.open(), logger: logger)
        } catch let error as ExitCode {
            throw error
        } catch {
            throw fail(error)
        }
    }
}
