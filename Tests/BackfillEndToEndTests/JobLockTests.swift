import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// One run per job (issue 12): a second run of a running job exits 75 at once, names the holder and sends
/// nothing; the first finishes normally; a lock file left by a dead process does not block; `status` shows a
/// running job as running.
///
/// Checked that it can fail: with the `JobLock` line removed from `Backfill.runImport`, the second run sent
/// (exit 0 after the first, every id submitted twice) and `status` showed no holder.
@Suite("Job lock")
struct JobLockTests {
    @Test func aSecondRunOfARunningJobExits75AndSendsNothing() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        let ids = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...300)
        let ledger = folder.appendingPathComponent("ledger.sqlite").path
        // Slow writes keep the first run busy for a few seconds.
        let server = try TestSupport.sandbox {
            $0.apiKey = "synap_lock"
            $0.faults.latency = .milliseconds(600)
        }
        try await server.withRunning { port in
            let arguments = [
                "import", input.path, "--target", "synap", "--base-url", "http://127.0.0.1:\(port)", "--ledger", ledger,
                "--batch-size", "50", "--concurrency", "1", "--json",
            ]
            let environment = ["SYNAP_API_KEY": "synap_lock"]
            let first = try TestSupport.startBackfill(arguments, environment: environment)
            // Wait until the first run holds the job.
            let clock = ContinuousClock()
            let deadline = clock.now.advanced(by: .seconds(30))
            while JobLock.currentHolder(ledgerPath: ledger)?.pid != first.pid && clock.now < deadline && first.isRunning {
                try await Task.sleep(for: .milliseconds(20))
            }
            #expect(JobLock.currentHolder(ledgerPath: ledger)?.pid == first.pid)

            let started = clock.now
            let second = try await TestSupport.runBackfillAsync(arguments, environment: environment, timeout: .seconds(20))
            #expect(second.status == 75, "\(second.output)")
            // The issue asks for under 1 s; alone this takes 0.10–0.12 s (a debug binary's start-up included), but the
            // full suite runs beside CPU-heavy tests on 2 cores (1.3 s seen), so the suite allows 3 s and prints it.
            let took = clock.now - started
            print("second run of a running job: exit \(second.status) after \(took)")
            #expect(took < .seconds(3))
            #expect(second.stderr.contains("is being run by pid \(first.pid) on host"), "\(second.stderr)")
            #expect(second.stderr.contains("wait for it, or stop it"))

            let status = try await TestSupport.runBackfillAsync(["status", "--ledger", ledger, "--json"])
            #expect(TestSupport.jsonReport(status.stdout)?["running"]?["pid"] == .integer(Int64(first.pid)))

            #expect(await first.waitForExit(timeout: .seconds(120)) == 0, "\(first.stderr)")
            let report = try #require(TestSupport.jsonReport(first.stdout))
            #expect(report["documents"]?["accepted"] == .integer(Int64(ids.count)))
            // Each id was submitted exactly once: the second run sent nothing.
            let documents = try await server.documents()
            #expect(documents.map(\.documentID) == ids)
            #expect(documents.allSatisfy { $0.submissions == 1 })
            #expect(JobLock.currentHolder(ledgerPath: ledger) == nil)
        }
    }

    @Test func aLockFileLeftByADeadProcessDoesNotBlock() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        try TestSupport.writeRequestsJSONL(to: input, numbers: 1...3)
        let ledger = folder.appendingPathComponent("ledger.sqlite").path
        // What a run killed with SIGKILL leaves: the file with its holder, and no lock (the kernel dropped it).
        try #"{"pid":999999,"host":"elsewhere","since":"2020-01-01T00:00:00Z"}"#.write(
            toFile: JobLock.path(forLedger: ledger), atomically: true, encoding: .utf8)
        #expect(JobLock.currentHolder(ledgerPath: ledger) == nil)
        let out = folder.appendingPathComponent("out.jsonl").path
        let result = try await TestSupport.runBackfillAsync([
            "import", input.path, "--target", "jsonl", "--out", out, "--ledger", ledger,
        ])
        #expect(result.status == 0, "\(result.output)")
    }
}
