import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// Issue 3's acceptance tests (chaos, rate limits, fail-fast). They run the built binary against an in-process
/// sandbox, time things and load both cores, so they run one at a time.
@Suite("Durability (issue 3)", .serialized)
enum Durability {
    static let secret = "synap_durability_test_key"

    /// The environment of every child run: the key, and a private `.backfill`.
    static func environment(home: URL) -> [String: String] {
        ["SYNAP_API_KEY": secret, "BACKFILL_HOME": home.path]
    }

    /// `import` against the sandbox on `port` with the SDK routes.
    static func importArguments(_ inputs: [URL], port: Int, job: String, ledger: URL, _ extra: [String]) -> [String] {
        ["import"] + inputs.map(\.path) + [
            "--target", "synap", "--base-url", "http://127.0.0.1:\(port)", "--job", job, "--ledger", ledger.path,
        ] + extra
    }

    /// The number in `doc-000123`.
    static func number(_ documentID: String) -> Int? {
        Int(documentID.dropFirst("doc-".count))
    }

    static func brief(_ result: TestSupport.ProcessResult) -> String {
        "exit \(result.status)\(result.timedOut ? " (timed out)" : "")\nstderr: \(result.stderr.suffix(3000))\nstdout: \(result.stdout.suffix(3000))"
    }
}

extension Durability {
    /// Kill -9 at random moments under faults: the target ends with every document exactly once.
    @Suite("Chaos: kill -9 under faults")
    struct ChaosTests {
        static let files = 4
        static let perFile = 5_000
        static let kills = 6

        @Test(
            "20,000 documents, 5% 5xx, 2% resets, 2% accept-then-fail, a rate limit, SIGKILL 6 times: exactly once",
            .timeLimit(.minutes(5)))
        func killNineAndResume() async throws {
            let folder = try TestSupport.temporaryDirectory("chaos")
            var inputFiles: [URL] = []
            var expectedIDs: [String] = []
            for file in 0..<Self.files {
                let url = folder.appendingPathComponent("part-\(file + 1).jsonl")
                let first = file * Self.perFile + 1
                expectedIDs += try TestSupport.writeRequestsJSONL(to: url, numbers: first...(first + Self.perFile - 1))
                inputFiles.append(url)
            }
            let inputs = inputFiles
            let expected = expectedIDs
            let expectedSet = Set(expected)
            #expect(expectedSet.count == Self.files * Self.perFile)
            let ledger = folder.appendingPathComponent("ledger.sqlite")
            let home = folder.appendingPathComponent("home")
            let environment = Durability.environment(home: home)

            let server = try TestSupport.sandbox {
                $0.apiKey = Durability.secret
                $0.faults.failRate = 0.05
                $0.faults.resetRate = 0.02
                $0.faults.acceptThenFailRate = 0.02
                $0.faults.rateLimitPerSecond = 40
                $0.faults.seed = 0xC4A0_5EED
            }
            // The kill moments: seeded, 0.3–2.0 s after each start.
            var rng = SeededGenerator(seed: 20_240_605)
            let delays = (0..<(Self.kills + 3)).map { _ in Double.random(in: 0.3...2.0, using: &rng) }

            try await server.withRunning { port in
                // Small batches and no client rate, so the sandbox's limit answers 429s (Retry-After) too: about
                // 1,000 requests, ~20 s of sending in all, so each run is killed mid-upload.
                let arguments = Durability.importArguments(
                    inputs, port: port, job: "chaos", ledger: ledger,
                    ["--concurrency", "4", "--batch-size", "20", "--max-attempts", "8", "--json"])
                var kills = 0
                var killsMidUpload = 0
                var runs = 0
                var journal: [String] = []
                while kills < Self.kills {
                    runs += 1
                    try #require(runs <= Self.kills + 3, "too many runs: \(journal)")
                    let before = try await server.stats()
                    let child = try TestSupport.startBackfill(arguments, environment: environment)
                    let delay = delays[runs - 1]
                    if let status = await child.waitForExit(timeout: .seconds(delay)) {
                        // It ended before the planned kill: fine only if it failed to start (then it is a bug).
                        journal.append("run \(runs): exited \(status) before the kill at \(delay)s")
                        Issue.record(
                            "run \(runs) ended on its own before the kill at \(String(format: "%.2f", delay)) s — \(Durability.brief(child.result()))"
                        )
                        break
                    }
                    child.send(signal: SIGKILL)
                    let reaped = await child.waitForExit(timeout: .seconds(20))
                    try #require(reaped != nil, "the child survived SIGKILL")
                    #expect(child.wasKilledBySignal)
                    kills += 1
                    let after = try await server.stats()
                    if after.requests > before.requests { killsMidUpload += 1 }
                    // Whatever the instant, the ledger never calls settled what the target does not hold.
                    do {
                        let settled = Set(try Ledger(path: ledger.path).documentIDs(in: [.accepted, .duplicate]))
                        let held = Set(try await server.documents().map(\.documentID))
                        let phantom = settled.subtracting(held)
                        #expect(phantom.isEmpty, "after kill \(kills + 1) the ledger settled \(phantom.count) ids the target lacks")
                    }
                    journal.append(
                        "kill \(kills) at \(String(format: "%.2f", delay)) s: +\(after.requests - before.requests) requests, \(after.documents) stored"
                    )
                }
                // The kills that count are those that hit a running importer mid-upload (not `kills`, which is true
                // by construction).
                #expect(killsMidUpload >= 5, "the kills should land while uploading: \(journal)")
                let storedBeforeFinal = try await server.stats().documents
                #expect(storedBeforeFinal < expected.count, "the kills came too late to interrupt anything: \(journal)")

                // Then let it finish.
                let final = try await TestSupport.runBackfillAsync(arguments, environment: environment, timeout: .seconds(180))
                #expect(final.status == 0, "\(journal)\n\(Durability.brief(final))")
                let report = TestSupport.jsonReport(final.stdout)
                #expect(report?["exit_code"]?.intValue == 0)
                let documents = report?["documents"]
                let settled = (documents?["accepted"]?.intValue ?? 0) + (documents?["duplicate"]?.intValue ?? 0)
                #expect(settled == expected.count, "report: \(final.stdout.suffix(2000))")
                #expect(documents?["rejected"]?.intValue == 0 && documents?["failed"]?.intValue == 0)

                // The target holds exactly the expected ids, each stored once.
                let records = try await server.documents()
                let ids = records.map(\.documentID)
                #expect(ids.count == Set(ids).count, "an id is listed twice")
                let storedSet = Set(ids)
                let missing = expectedSet.subtracting(storedSet)
                let extra = storedSet.subtracting(expectedSet)
                #expect(missing.isEmpty, "missing \(missing.count), e.g. \(missing.sorted().prefix(5))")
                #expect(extra.isEmpty, "unexpected \(extra.sorted().prefix(5))")
                let twice = records.filter { $0.stored != 1 }
                #expect(twice.isEmpty, "stored more than once: \(twice.prefix(5))")
                let stats = try await server.stats()
                #expect(stats.faults > 0, "the faults were not exercised")
                // The sandbox's rate limit is on for the whole run; whether it answers 429 depends on how fast this
                // machine sends (a loaded CI machine may stay under it), so its count is reported, not required.
                // Resending is bounded: only what was in flight at a kill (workers × batch size per kill) and what the
                // sandbox stored and then answered 503 for (a batch each) may be submitted twice. A resume that
                // re-sent everything would submit all 20,000 again. Checked that it can fail: with the ledger's
                // settled ids ignored on resume (`known` emptied in `DedupStage.flush`), 1,940 ids were submitted more
                // than once against a bound of 960, and this failed (a correct run: 460 against 880).
                let resent = records.filter { $0.submissions > 1 }.count
                let bound = killsMidUpload * 4 * 20 + stats.acceptedThenFailed * 20
                #expect(resent <= bound, "\(resent) ids submitted more than once; the bound is \(bound): \(journal)")
                print(
                    "chaos: \(runs + 1) runs, \(kills) kills (\(killsMidUpload) mid-upload), \(stats.requests) requests, \(stats.faults) faults (\(stats.acceptedThenFailed) accepted then failed), \(stats.rateLimited) 429s, \(resent) ids submitted more than once (bound \(bound)); \(journal.joined(separator: "; "))"
                )
            }

            // The ledger agrees: every document accepted or duplicate, nothing pending, sending, failed.
            let ledgerFile = try Ledger(path: ledger.path)
            let counts = try ledgerFile.stateCounts()
            let settled = (counts[.accepted] ?? 0) + (counts[.duplicate] ?? 0)
            #expect(settled == expected.count, "ledger: \(counts)")
            for (state, count) in counts where state != .accepted && state != .duplicate {
                #expect(count == 0, "ledger has \(count) \(state)")
            }
            #expect(Set(try ledgerFile.documentIDs(in: [.accepted, .duplicate])) == expectedSet)
        }
    }
}
