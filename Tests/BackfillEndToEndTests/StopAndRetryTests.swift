import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// Graceful stop on SIGINT, `resume`, `retry` and `retry --rejected`, run as a user would.
@Suite("Stop, resume and retry")
struct StopAndRetryTests {
    @Test("SIGINT: in-flight batches finish, the report prints, exit 130; resume completes exactly once")
    func interruptAndResume() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        let ids = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...3000)
        let ledger = folder.appendingPathComponent("ledger.sqlite")
        let environment = Durability.environment(home: folder.appendingPathComponent("home"))
        let server = try TestSupport.sandbox { $0.apiKey = Durability.secret }
        try await server.withRunning { port in
            let arguments = Durability.importArguments(
                [input], port: port, job: "stop", ledger: ledger,
                ["--rate", "20", "--batch-size", "10", "--json", "--progress", "none"])
            let child = try TestSupport.startBackfill(arguments, environment: environment)
            // Signal once the first batch has landed (a loaded machine may not have sent one after a fixed delay).
            let clock = ContinuousClock()
            let started = clock.now
            while try await server.documents().isEmpty, clock.now - started < .seconds(30) {
                try await Task.sleep(for: .milliseconds(100))
            }
            try await Task.sleep(for: .milliseconds(500))
            child.send(signal: SIGINT)
            let status = await child.waitForExit(timeout: .seconds(20))
            #expect(status == 130, "\(Durability.brief(child.result()))")
            let report = TestSupport.jsonReport(child.stdout)
            #expect(report?["stopped"]?["code"] == .string("interrupted"))
            #expect(child.stderr.contains("stopping after the batches in flight"))
            // Consistent: nothing left `sending`, every sent batch has its outcomes.
            let counts = try Ledger(path: ledger.path).stateCounts()
            #expect(counts[.sending] == nil)
            let accepted = counts[.accepted] ?? 0
            #expect(accepted > 0 && accepted < ids.count)
            #expect(try await server.documents().count == accepted)

            let resumed = try await TestSupport.runBackfillAsync(
                ["resume", "--job", "stop", "--ledger", ledger.path, "--json", "--progress", "none"],
                environment: environment, timeout: .seconds(120))
            #expect(resumed.status == 0, "\(Durability.brief(resumed))")
            let resumedReport = TestSupport.jsonReport(resumed.stdout)
            #expect(resumedReport?["documents"]?["accepted"] == .integer(Int64(ids.count)))
            let records = try await server.documents()
            let missing = Set(ids).subtracting(records.map(\.documentID))
            #expect(missing.isEmpty, "missing \(missing.sorted().prefix(10))")
            #expect(records.count == ids.count)
            #expect(records.allSatisfy { $0.stored == 1 })
        }
    }

    @Test("retry sends failed documents again after an outage; retry --rejected the rejected ones")
    func retryAfterOutage() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        // Documents 1…300; 281…300 are long, and the first sandbox refuses long documents.
        var ids = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...280)
        let long = String(repeating: "long text ", count: 100)
        var text = try String(contentsOf: input, encoding: .utf8)
        for number in 281...300 {
            text += #"{"document":"\#(long)\#(number)","document_type":"document","document_id":"\#(TestSupport.documentID(number))"}"# + "\n"
            ids.append(TestSupport.documentID(number))
        }
        try text.write(to: input, atomically: true, encoding: .utf8)
        let ledger = folder.appendingPathComponent("ledger.sqlite")
        let environment = Durability.environment(home: folder.appendingPathComponent("home"))

        // An outage: every write answers 500. The run gives up after a few batches (exit 4), leaving `failed`.
        let down = try TestSupport.sandbox {
            $0.apiKey = Durability.secret
            $0.faults.failRate = 1
        }
        let port = try await down.withRunning { port in
            let result = try await TestSupport.runBackfillAsync(
                Durability.importArguments(
                    [input], port: port, job: "retry", ledger: ledger,
                    ["--max-attempts", "2", "--json", "--progress", "none", "--routes", "documented"]),
                environment: environment, timeout: .seconds(120))
            #expect(result.status == 4, "\(Durability.brief(result))")
            #expect(TestSupport.jsonReport(result.stdout)?["stopped"]?["code"] == .string("target_unavailable"))
            return port
        }
        #expect((try Ledger(path: ledger.path).stateCounts()[.failed] ?? 0) > 0)

        // Back up on the same address, but refusing documents over 500 bytes.
        let strict = try TestSupport.sandbox {
            $0.apiKey = Durability.secret
            $0.port = port
            $0.maxDocumentBytes = 500
        }
        try await strict.withRunning { _ in
            let retried = try await TestSupport.runBackfillAsync(
                ["retry", "--job", "retry", "--ledger", ledger.path, "--json", "--progress", "none"],
                environment: environment, timeout: .seconds(120))
            #expect(retried.status == 1, "\(Durability.brief(retried))")
            let report = TestSupport.jsonReport(retried.stdout)
            #expect(report?["documents"]?["accepted"] == .integer(280))
            #expect(report?["documents"]?["rejected"] == .integer(20))
            // The rejected ones are in the dead-letter file with their reason.
            let deadLetter = try String(
                contentsOf: folder.appendingPathComponent("ledger.dead-letter.jsonl"), encoding: .utf8)
            #expect(deadLetter.split(separator: "\n").count == 20)
            // A plain retry does not send what the target rejected.
            let again = try await TestSupport.runBackfillAsync(
                ["retry", "--job", "retry", "--ledger", ledger.path, "--json", "--progress", "none"],
                environment: environment, timeout: .seconds(60))
            #expect(TestSupport.jsonReport(again.stdout)?["documents"]?["sent"] == .integer(0))
        }

        // The limit lifted: retry --rejected sends them again.
        let relaxed = try TestSupport.sandbox {
            $0.apiKey = Durability.secret
            $0.port = port
            $0.storePath = nil
        }
        try await relaxed.withRunning { _ in
            let retried = try await TestSupport.runBackfillAsync(
                ["retry", "--job", "retry", "--ledger", ledger.path, "--rejected", "--json", "--progress", "none"],
                environment: environment, timeout: .seconds(60))
            #expect(retried.status == 0, "\(Durability.brief(retried))")
            #expect(TestSupport.jsonReport(retried.stdout)?["documents"]?["sent"] == .integer(20))
            #expect(try await relaxed.documents().count == 20)
        }
        let counts = try Ledger(path: ledger.path).stateCounts()
        #expect(counts[.accepted] == ids.count)
    }
}
