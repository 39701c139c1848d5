import ArgumentParser
import BackfillKit
import Foundation

struct AdaptersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "List the source formats Backfill reads.")
    @OptionGroup var output: OutputOptions

    func run() async throws {
        let descriptors = Backfill.adapters.map(\.descriptor)
        if output.isJSON {
            let items: [[String: JSONValue]] = descriptors.map {
                [
                    "name": .string($0.name), "family": .string($0.family),
                    "extensions": .array($0.fileExtensions.map { .string($0) }), "summary": .string($0.summary),
                    "resumable_within_file": .bool($0.supportsCursor),
                ]
            }
            print(try OutputOptions.jsonLine(["adapters": JSONValue.array(items.map { .object($0) })]))
        } else {
            for d in descriptors {
                print(
                    "\(d.name.padding(toLength: 16, withPad: " ", startingAt: 0)) \(d.family.padding(toLength: 10, withPad: " ", startingAt: 0)) .\(d.fileExtensions.joined(separator: " ."))"
                )
                print("    \(d.summary)")
            }
        }
    }
}
