import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

extension Durability {
    /// SIGTERM is honoured within 2 seconds wherever the work is (issue 12): in `plan` over a large mbox, and in an
    /// `import` busy decompressing a large `.gz`. The partial report prints and the exit code is 130.
    ///
    /// Checked that it can fail: without the signal handlers in `plan`, SIGTERM killed it with no report (status
    /// 15). Not shown by these inputs: the per-chunk `StopCheck` (removing it, both still pass: messages come out
    /// often enough for the pipeline's own check). A single 400 MiB message under the 512 MiB message budget keeps
    /// the MIME body walk busy past 2 s (a gap left to the budgets issue, 13).
    @Suite("Stop within 2 s", .serialized)
    struct StopWithinTwoSecondsTests {
        /// An mbox of `messages` small messages, about 1 KiB each.
        static func writeMbox(_ url: URL, messages: Int) throws {
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            let handle = try FileHandle(forWritingTo: url)
            defer { try? handle.close() }
            let body = String(
                repeating: "The quarterly numbers were reviewed and the plan stands as agreed. ", count: 12)
            var chunk = ""
            for number in 0..<messages {
                chunk += """
                    From sender@example.com Mon Jan  1 10:00:00 2024
                    From: Sender <sender@example.com>
                    To: team@example.com
                    Subject: Update \(number)
                    Date: Mon, 1 Jan 2024 10:00:00 +0000
                    Message-ID: <m\(number)@example.com>

                    \(body)


                    """
                if chunk.utf8.count > 1 << 20 {
                    try handle.write(contentsOf: Data(chunk.utf8))
                    chunk = ""
                }
            }
            try handle.write(contentsOf: Data(chunk.utf8))
        }

        static func stop(_ arguments: [String], after delay: Duration, environment: [String: String] = [:])
            async throws -> (TestSupport.ProcessResult, Duration)
        {
            var environment = environment
            environment["BACKFILL_HOME"] = try TestSupport.temporaryDirectory("home").path
            let child = try TestSupport.startBackfill(arguments, environment: environment)
            if let status = await child.waitForExit(timeout: delay) {
                Issue.record("the run ended (\(status)) before the signal: make the input larger")
                return (child.result(), .zero)
            }
            let clock = ContinuousClock()
            let signalled = clock.now
            child.send(signal: SIGTERM)
            let status = await child.waitForExit(timeout: .seconds(30))
            let took = clock.now - signalled
            if status == nil { child.send(signal: SIGKILL) }
            return (child.result(), took)
        }

        @Test(.timeLimit(.minutes(3)))
        func planOfALargeMbox() async throws {
            let folder = try TestSupport.temporaryDirectory("stop-plan")
            let mbox = folder.appendingPathComponent("large.mbox")
            try Self.writeMbox(mbox, messages: 200_000)
            let (result, took) = try await Self.stop(["plan", mbox.path, "--json"], after: .seconds(1.5))
            #expect(result.status == 130, "\(Durability.brief(result))")
            #expect(took < .seconds(2), "took \(took)")
            let report = try #require(TestSupport.jsonReport(result.stdout), "no report: \(Durability.brief(result))")
            #expect(report["stopped"]?["code"] == "interrupted")
            #expect((report["documents"]?["valid"]?.intValue ?? 0) > 0)
        }

        /// `verify --wait` polling documents that stay queued: SIGTERM ends it at once with its report. Checked that it
        /// can fail: without the signal handlers in `verify`, SIGTERM killed it (status 15, no report).
        @Test(.timeLimit(.minutes(3)))
        func verifyWaiting() async throws {
            let folder = try TestSupport.temporaryDirectory("stop-verify")
            let input = folder.appendingPathComponent("requests.jsonl")
            try TestSupport.writeRequestsJSONL(to: input, numbers: 1...200)
            let ledger = folder.appendingPathComponent("ledger.sqlite").path
            let server = try TestSupport.sandbox {
                $0.apiKey = "synap_stop_verify"
                $0.setProcessingTime(.seconds(3600))
            }
            try await server.withRunning { port in
                var options = ImportOptions(inputs: [input.path])
                options.target = .synap
                options.baseURL = "http://127.0.0.1:\(port)"
                options.ledger = ledger
                options.environment = ["SYNAP_API_KEY": "synap_stop_verify"]
                let imported = try await Backfill.runImport(options, logger: TestSupport.logger)
                #expect(imported.documents.accepted == 200)
                let child = try TestSupport.startBackfill(
                    ["verify", "--ledger", ledger, "--wait", "--poll-interval", "1s"],
                    environment: ["SYNAP_API_KEY": "synap_stop_verify"])
                if let status = await child.waitForExit(timeout: .seconds(2)) {
                    Issue.record("verify ended (\(status)) before the signal: \(Durability.brief(child.result()))")
                    return
                }
                let clock = ContinuousClock()
                let signalled = clock.now
                child.send(signal: SIGTERM)
                let status = await child.waitForExit(timeout: .seconds(30))
                #expect(clock.now - signalled < .seconds(2))
                #expect(status == 130, "\(Durability.brief(child.result()))")
                #expect(child.stdout.contains("interrupted"), "\(Durability.brief(child.result()))")
                #expect(child.stdout.contains("queued"))
            }
        }

        /// A batch the server holds for 12 s: the stop is still honoured within the 2 s grace — the process exits
        /// 130 without waiting for the answer (the ledger leaves that batch `sending`: the next run asks about it
        /// before sending, the unknown-outcome rule that the chaos tests check). Checked that it can fail: without the grace timer in
        /// `SignalHandlers` the child waited for the held batch (took ~10.5 s, the assertion on `took` failed).
        @Test(.timeLimit(.minutes(3)))
        func importWaitingOnAHeldBatch() async throws {
            let folder = try TestSupport.temporaryDirectory("stop-held")
            let input = folder.appendingPathComponent("requests.jsonl")
            try TestSupport.writeRequestsJSONL(to: input, numbers: 1...150)
            let ledger = folder.appendingPathComponent("ledger.sqlite").path
            let server = try TestSupport.sandbox {
                $0.apiKey = "synap_stop_held"
                $0.faults.latency = .seconds(12)
            }
            try await server.withRunning { port in
                let arguments = [
                    "import", input.path, "--target", "synap", "--base-url", "http://127.0.0.1:\(port)", "--ledger",
                    ledger,
                    "--json",
                ]
                let (result, took) = try await Self.stop(
                    arguments, after: .seconds(1.5), environment: ["SYNAP_API_KEY": "synap_stop_held"])
                #expect(result.status == 130, "\(Durability.brief(result))")
                #expect(took < .seconds(3), "took \(took)")
                #expect(result.stderr.contains("stopped at once"), "\(Durability.brief(result))")
            }
        }

        @Test(.timeLimit(.minutes(3)))
        func importBusyDecompressing() async throws {
            let folder = try TestSupport.temporaryDirectory("stop-gz")
            let mbox = folder.appendingPathComponent("large.mbox")
            try Self.writeMbox(mbox, messages: 200_000)
            let gzip = Process()
            gzip.executableURL = URL(fileURLWithPath: "/bin/gzip")
            gzip.arguments = ["-1", mbox.path]
            try gzip.run()
            gzip.waitUntilExit()
            let archive = folder.appendingPathComponent("large.mbox.gz")
            try #require(FileManager.default.fileExists(atPath: archive.path))
            let out = folder.appendingPathComponent("out.jsonl")
            let (result, took) = try await Self.stop(
                [
                    "import", archive.path, "--target", "jsonl", "--out", out.path, "--ledger",
                    folder.appendingPathComponent("ledger.sqlite").path, "--json",
                ], after: .seconds(1.5))
            #expect(result.status == 130, "\(Durability.brief(result))")
            #expect(took < .seconds(2), "took \(took)")
            let report = try #require(TestSupport.jsonReport(result.stdout), "no report: \(Durability.brief(result))")
            #expect(report["stopped"]?["code"] == "interrupted")
        }
    }
}
