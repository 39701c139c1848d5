import ArgumentParser
import BackfillKit
import Foundation

struct AdaptersCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "adapters", abstract: "List the source formats Backfill reads.")
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let descriptors = Backfill.adapters.map(\.descriptor)
        if json {
            let items: [[String: JSONValue]] = descriptors.map {
                [
                    "name": .string($0.name), "family": .string($0.family),
                    "extensions": .array($0.fileExtensions.map { .string($0) }), "summary": .string($0.summary),
                    "resumable_within_file": .bool($0.supportsCursor),
                ]
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            print(
                String(
                    decoding: try encoder.encode(["adapters": JSONValue.array(items.map { .object($0) })]),
                    as: UTF8.self))
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
