import ArgumentParser
import BackfillKit
import Foundation

/// The report's format.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    /// For people: the text report.
    case text
    /// For programs: one JSON object.
    case json
}

/// How a command prints its report, shared by every command that prints one: `--format text|json`, with `--json`
/// kept as the same as `--format json`.
struct OutputOptions: ParsableArguments {
    @Option(help: "Report format: text (default) or json (one JSON object on stdout).")
    var format: OutputFormat?

    @Flag(help: "Same as --format json.")
    var json = false

    func validate() throws {
        if json && format == .text {
            throw ArgumentParser.ValidationError("--json and --format text disagree: give one of them")
        }
    }

    /// The format asked for (text when neither option is given).
    var resolved: OutputFormat { json ? .json : format ?? .text }

    /// Whether the report is printed as JSON.
    var isJSON: Bool { resolved == .json }

    /// `value` as one line of JSON (sorted keys, slashes as they are), the way every command prints it.
    static func jsonLine(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }
}
