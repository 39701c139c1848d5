import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

extension Durability {
    /// SIGINT/SIGTERM stop a run cleanly (exit 130, report printed, ledger committed); `resume --job` and
    /// `retry --job` finish the job.
    @Suite("Graceful stop, resume and retry")
    struct GracefulStopTests {
        static let documents = 2_000

        @Test(
            "a signal mid-run: exit 130, report printed, ledger agrees with the target; resume --job finishes",
            .timeLimit(.minutes(2)), arguments: [SIGINT, SIGTERM])
        func signalThenResume(signal: Int32) async throws {
            let folder = try TestSupport.temporaryDirectory("signal")
            let input = folder.appendingPathComponent("requests.jsonl")
            let expected = Set(try TestSupport.writeRequestsJSONL(to: input, numbers: 1...Self.documents))
            let ledger = folder.appendingPathComponent("ledger.sqlite")
            let environment = Durability.environment(home: folder.appendingPathComponent("home"))
            let server = try TestSupport.sandbox {
                $0.apiKey = Durability.secret
                $0.faults.latency = .milliseconds(30)
            }
            try await server.withRunning { port in
                // 200 requests at 20/s: about 10 s, stopped after 1.5 s.
                let child = try TestSupport.startBackfill(
                    Durability.importArguments(
                        [input], port: port, job: "signal", ledger: ledger,
                        ["--rate", "20", "--batch-size", "10", "--json"]), environment: environment)
                try await Task.sleep(for: .milliseconds(1500))
                child.send(signal: signal)
                let status = await child.waitForExit(timeout: .seconds(20))
                if status == nil { child.send(signal: SIGKILL) }
                let result = child.result()
                #expect(status == 130, "\(Durability.brief(result))")
                let report = TestSupport.jsonReport(result.stdout)
                #expect(report?["exit_code"]?.intValue == 130, "no report, or the wrong exit code: \(Durability.brief(result))")
                let stored = Set(try await server.documents().map(\.documentID))
                #expect(!stored.isEmpty && stored.count < Self.documents, "stored \(stored.count)")

                // In-flight batches finished and were committed: the ledger knows exactly what the target holds.
                do {
                    let ledgerFile = try Ledger(path: ledger.path)
                    let counts = try ledgerFile.stateCounts()
                    #expect((counts[.sending] ?? 0) == 0, "ledger: \(counts)")
                    #expect(Set(try ledgerFile.documentIDs(in: [.accepted, .duplicate])) == stored, "ledger: \(counts)")
                }
                #expect(report?["documents"]?["accepted"]?.intValue == stored.count)

                // resume --job re-runs the recorded inputs and options and sends only the rest.
                let resumed = try await TestSupport.runBackfillAsync(
                    ["resume", "--job", "signal", "--ledger", ledger.path, "--json"], environment: environment,
                    timeout: .seconds(90))
                #expect(resumed.status == 0, "\(Durability.brief(resumed))")
                let resumedReport = TestSupport.jsonReport(resumed.stdout)
                #expect(resumedReport?["documents"]?["already_ingested"]?.intValue == stored.count)
                #expect(resumedReport?["documents"]?["sent"]?.intValue == Self.documents - stored.count)
                let records = try await server.documents()
                #expect(Set(records.map(\.documentID)) == expected)
                #expect(records.allSatisfy { $0.stored == 1 && $0.submissions == 1 }, "something was sent twice")
            }
        }

        @Test("an outage fails documents; retry --job sends them again once the target is back", .timeLimit(.minutes(2)))
        func retryAfterOutage() async throws {
            let folder = try TestSupport.temporaryDirectory("outage")
            let input = folder.appendingPathComponent("requests.jsonl")
            let expected = Set(try TestSupport.writeRequestsJSONL(to: input, numbers: 1...1_000))
            let ledger = folder.appendingPathComponent("ledger.sqlite")
            let environment = Durability.environment(home: folder.appendingPathComponent("home"))

            // Every write answers 500: nothing is stored, the documents sent are failed (or left pending when the
            // run gives up on the target).
            let broken = try TestSupport.sandbox {
                $0.apiKey = Durability.secret
                $0.faults.failRate = 1
            }
            let (port, outage) = try await broken.withRunning { port in
                let result = try await TestSupport.runBackfillAsync(
                    Durability.importArguments(
                        [input], port: port, job: "outage", ledger: ledger, ["--max-attempts", "1", "--json"]),
                    environment: environment, timeout: .seconds(60))
                return (port, result)
            }
            #expect(outage.status == 1 || outage.status == 4, "\(Durability.brief(outage))")
            #expect(try await broken.documents().isEmpty)
            let failedBefore = try Ledger(path: ledger.path).documentIDs(in: [.failed])
            #expect(!failedBefore.isEmpty, "no document was recorded as failed")

            // The target is back on the same address.
            let healthy = try TestSupport.sandbox {
                $0.apiKey = Durability.secret
                $0.port = port
            }
            try await healthy.withRunning { _ in
                let retried = try await TestSupport.runBackfillAsync(
                    ["retry", "--job", "outage", "--ledger", ledger.path, "--json"], environment: environment,
                    timeout: .seconds(60))
                #expect(retried.status == 0, "\(Durability.brief(retried))")
                let stored = Set(try await healthy.documents().map(\.documentID))
                #expect(stored.isSuperset(of: failedBefore), "retry did not send every failed document")
                #expect(try Ledger(path: ledger.path).documentIDs(in: [.failed]).isEmpty)

                // Whatever was never sent goes with resume; in the end everything is there once.
                let resumed = try await TestSupport.runBackfillAsync(
                    ["resume", "--job", "outage", "--ledger", ledger.path, "--json"], environment: environment,
                    timeout: .seconds(60))
                #expect(resumed.status == 0, "\(Durability.brief(resumed))")
                let records = try await healthy.documents()
                #expect(Set(records.map(\.documentID)) == expected)
                #expect(records.allSatisfy { $0.stored == 1 && $0.submissions == 1 })
                let counts = try Ledger(path: ledger.path).stateCounts()
                #expect((counts[.accepted] ?? 0) == expected.count, "ledger: \(counts)")
            }
        }
    }
}
