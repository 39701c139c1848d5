import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

extension Durability {
    /// Mielto cannot refuse a repeated document, so exactly-once rests on Backfill alone: a send with an unknown
    /// outcome is never repeated before the listing has answered that the memory is not there, and when the
    /// listing itself fails the document waits (issue 12). Faults hit every route, the listing included.
    ///
    /// Checked that it can fail: with `BatchSender` resending without asking (`outcomeUnknown` never set), the
    /// five seeds ended with 2,044–2,059 memories (44–59 duplicated ids each).
    @Suite("Chaos: Mielto exactly once", .serialized)
    struct MieltoChaosTests {
        static let documents = 2_000
        static let kills = 3

        @Test(
            "2,000 documents, 5% 5xx on every route, 2% resets, 3% accept-then-fail, a rate limit, SIGKILL 3 times",
            .timeLimit(.minutes(4)), arguments: [1, 2, 3, 4, 5] as [UInt64])
        func exactlyOnce(seed: UInt64) async throws {
            let folder = try TestSupport.temporaryDirectory("mielto-chaos")
            let input = folder.appendingPathComponent("requests.jsonl")
            let expected = Set(try TestSupport.writeRequestsJSONL(to: input, numbers: 1...Self.documents))
            let ledger = folder.appendingPathComponent("ledger.sqlite")
            let environment = ["MIELTO_API_KEY": "mielto_chaos", "BACKFILL_HOME": folder.appendingPathComponent("home").path]
            let server = try TestSupport.sandbox {
                $0.mieltoAPIKey = "mielto_chaos"
                $0.faults.failRate = 0.05
                $0.faults.resetRate = 0.02
                $0.faults.acceptThenFailRate = 0.03
                $0.faults.rateLimitPerSecond = 400
                $0.faults.seed = 0x5EED_0000 + seed
            }
            var rng = SeededGenerator(seed: 7_000 + seed)
            let delays = (0..<Self.kills).map { _ in Double.random(in: 0.5...2.0, using: &rng) }
            try await server.withRunning { port in
                let arguments = [
                    "import", input.path, "--target", "mielto", "--base-url", "http://127.0.0.1:\(port)/mielto/api/v1",
                    "--user-id", "chaos-user", "--ledger", ledger.path, "--concurrency", "16", "--max-attempts", "8",
                    "--json",
                ]
                var journal: [String] = []
                for kill in 1...Self.kills {
                    let child = try TestSupport.startBackfill(arguments, environment: environment)
                    let delay = delays[kill - 1]
                    if let status = await child.waitForExit(timeout: .seconds(delay)) {
                        journal.append("run \(kill) ended (\(status)) before its kill")
                        continue
                    }
                    child.send(signal: SIGKILL)
                    _ = await child.waitForExit(timeout: .seconds(20))
                    journal.append("kill \(kill) at \(String(format: "%.2f", delay)) s: \(try await server.mieltoMemories().count) stored")
                }
                // Then runs to the end (a run may stop early when the listing keeps failing: it asks again next time).
                var final = try await TestSupport.runBackfillAsync(arguments, environment: environment, timeout: .seconds(120))
                var finals = 1
                while final.status != 0 && finals < 4 {
                    journal.append("final run \(finals) exited \(final.status)")
                    final = try await TestSupport.runBackfillAsync(arguments, environment: environment, timeout: .seconds(120))
                    finals += 1
                }
                #expect(final.status == 0, "\(journal)\n\(Durability.brief(final))")

                let memories = try await server.mieltoMemories()
                var perID: [String: Int] = [:]
                for memory in memories { perID[memory.documentID ?? "?", default: 0] += 1 }
                let duplicated = perID.filter { $0.value > 1 }
                #expect(memories.count == Self.documents, "\(memories.count) memories; \(journal)")
                #expect(duplicated.isEmpty, "\(duplicated.count) ids stored twice, e.g. \(duplicated.prefix(5)); \(journal)")
                #expect(Set(perID.keys) == expected)
                let stats = try await server.mieltoStats()
                #expect(stats.faults > 0, "the faults were not exercised")
                print("mielto chaos seed \(seed): \(journal.joined(separator: "; ")); \(stats.faults) faults, \(stats.rateLimited) 429s")
            }
            let counts = try Ledger(path: ledger.path).stateCounts()
            #expect(counts[.accepted] == Self.documents, "ledger: \(counts)")
        }
    }
}
