import ArgumentParser
import BackfillKit
import Foundation

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "Show a job's documents by state (or list the jobs).")

    @Option(help: "Job name.") var job: String?
    @Option(help: "Ledger file.") var ledger: String?
    @Flag(help: "Print JSON.") var json = false

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        do {
            if job == nil && ledger == nil { return try printJobList(json: json, environment: environment) }
            let jobName = job ?? "custom"
            let path = ledger ?? Backfill.ledgerPath(job: jobName, environment: environment)
            let status = try JobStatus.read(job: jobName, ledgerPath: path)
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(status), as: UTF8.self))
            } else {
                print("Job \(status.job) — ledger \(status.ledger)")
                if let holder = status.running {
                    print("  running now: pid \(holder.pid) on \(holder.host) since \(holder.since)")
                }
                for (state, count) in status.documents.sorted(by: { $0.key < $1.key }) {
                    print("  \(state.padding(toLength: 10, withPad: " ", startingAt: 0)) \(count)")
                }
                print("  batches    \(status.batches) (\(status.batchesInterrupted) interrupted while sending)")
                let checked = status.ingestion.filter { $0.key != "unchecked" }
                if !checked.isEmpty {
                    // What `backfill verify` last recorded of the target's processing.
                    let order = [
                        "queued", "processing", "completed", "partial_success", "failed", "missing", "unchecked",
                    ]
                    let keys =
                        order.filter { status.ingestion[$0] != nil }
                        + status.ingestion.keys.filter { !order.contains($0) }.sorted()
                    print("Ingestion (as of the last `backfill verify`):")
                    for key in keys {
                        print(
                            "  \(key.padding(toLength: 16, withPad: " ", startingAt: 0)) \(status.ingestion[key] ?? 0)")
                    }
                }
            }
        } catch {
            throw fail(error)
        }
    }
}
