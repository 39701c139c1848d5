import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

extension Durability {
    /// GoodMem under the Synap chaos test's faults (issue 12): kill -9 five times mid-upload, then finish. GoodMem
    /// refuses a repeated `memoryId` (`ALREADY_EXISTS`), so the target must end with the exact id set, each stored
    /// once, and the ids submitted more than once (counted from the bodies the sandbox received) stay within what
    /// the kills and the accepted-then-failed batches can explain.
    ///
    /// Checked that it can fail: with the ledger's settled ids ignored on resume (`known` emptied in
    /// `DedupStage.flush`), 2,300 ids were submitted more than once against a bound of 760, and this
    /// failed (a correct run: 400 against 680).
    @Suite("Chaos: GoodMem kill -9 under faults")
    struct GoodMemChaosTests {
        static let files = 4
        static let perFile = 5_000
        static let kills = 5
        static let space = "3f1c2b9d-7a4e-4c1b-9e2d-5a6b7c8d9e0f"

        @Test(
            "20,000 documents, 5% 5xx, 2% resets, 2% accept-then-fail, a rate limit, SIGKILL 5 times: exactly once",
            .timeLimit(.minutes(5)))
        func killNineAndResume() async throws {
            let folder = try TestSupport.temporaryDirectory("goodmem-chaos")
            var inputFiles: [URL] = []
            var expectedIDs: Set<String> = []
            for file in 0..<Self.files {
                let url = folder.appendingPathComponent("part-\(file + 1).jsonl")
                let first = file * Self.perFile + 1
                expectedIDs.formUnion(try TestSupport.writeRequestsJSONL(to: url, numbers: first...(first + Self.perFile - 1)))
                inputFiles.append(url)
            }
            let inputs = inputFiles
            let expected = expectedIDs
            let ledger = folder.appendingPathComponent("ledger.sqlite")
            let environment = ["GOODMEM_API_KEY": "gm_chaos", "BACKFILL_HOME": folder.appendingPathComponent("home").path]
            let server = try TestSupport.sandbox {
                $0.goodmemAPIKey = "gm_chaos"
                $0.faults.failRate = 0.05
                $0.faults.resetRate = 0.02
                $0.faults.acceptThenFailRate = 0.02
                $0.faults.rateLimitPerSecond = 40
                $0.faults.seed = 0x600D_3E3
                $0.recordedRequests = 200_000
            }
            var rng = SeededGenerator(seed: 20_261_129)
            let delays = (0..<(Self.kills + 3)).map { _ in Double.random(in: 0.5...2.0, using: &rng) }
            try await server.withRunning { port in
                try await server.createGoodMemSpace(id: Self.space, name: "chaos")
                let arguments =
                    ["import"] + inputs.map(\.path) + [
                        "--target", "goodmem", "--base-url", "http://127.0.0.1:\(port)/goodmem", "--space-id", Self.space,
                        "--ledger", ledger.path, "--concurrency", "4", "--batch-size", "20", "--max-attempts", "8",
                        "--json",
                    ]
                var killsMidUpload = 0
                var journal: [String] = []
                for run in 0..<(Self.kills + 3) where killsMidUpload < Self.kills {
                    let before = try await server.goodmemStats().requests
                    let child = try TestSupport.startBackfill(arguments, environment: environment)
                    if let status = await child.waitForExit(timeout: .seconds(delays[run])) {
                        journal.append("run \(run + 1) ended (\(status)) before its kill")
                        break
                    }
                    child.send(signal: SIGKILL)
                    _ = await child.waitForExit(timeout: .seconds(20))
                    let stats = try await server.goodmemStats()
                    if stats.requests > before { killsMidUpload += 1 }
                    journal.append("kill at \(String(format: "%.2f", delays[run])) s: \(stats.documents) stored")
                }
                #expect(killsMidUpload == Self.kills, "kills that hit a running upload: \(journal)")
                let final = try await TestSupport.runBackfillAsync(arguments, environment: environment, timeout: .seconds(180))
                #expect(final.status == 0, "\(journal)\n\(Durability.brief(final))")

                let memories = try await server.goodmemMemories()
                let ids = memories.compactMap(\.documentID)
                #expect(ids.count == expected.count, "\(ids.count) memories")
                #expect(Set(ids) == expected)
                #expect(memories.allSatisfy { $0.stored == 1 }, "a document stored twice")

                // Submissions per id, from the bodies the sandbox received.
                let recorded = try await SandboxTests.send(.GET, port, "/_sandbox/requests?target=goodmem", key: nil)
                var submissions: [String: Int] = [:]
                for entry in recorded["requests"]?.arrayValue ?? [] {
                    if let id = entry["body"]?["metadata"]?["backfill_document_id"]?.stringValue {
                        submissions[id, default: 0] += 1
                    }
                }
                let stats = try await server.goodmemStats()
                let resent = submissions.values.filter { $0 > 1 }.count
                let bound = killsMidUpload * 4 * 20 + stats.acceptedThenFailed * 20
                #expect(stats.faults > 0)
                #expect(resent <= bound, "\(resent) ids submitted more than once; the bound is \(bound): \(journal)")
                print(
                    "goodmem chaos: \(killsMidUpload) kills mid-upload, \(stats.requests) requests, \(stats.faults) faults (\(stats.acceptedThenFailed) accepted then failed), \(stats.rateLimited) 429s, \(resent) ids submitted more than once (bound \(bound)); \(journal.joined(separator: "; "))"
                )
            }
        }
    }
}
