import BackfillKit
import BackfillSandbox
import BackfillTestSupport
import Foundation
import Testing

/// Synap's special answers (docs/API-CONTRACTS.md, "Errors: special cases") rehearsed in the sandbox, and what
/// Backfill does with each: `409 instance_not_ready` waits (Retry-After) and goes on; `409 instance_build_failed`,
/// `402` and `429` with a credit `reason` stop the run (exit 4) before anything is stored.
///
/// Checked that it can fail: with `accountRefusal` in SandboxRoutes returning nil, every stop case failed (no stop,
/// exit code not 4) and the waiting case finished in under a second without a 429/409 counted.
@Suite("Synap account states")
struct SynapAccountTests {
    static func run(_ configure: @escaping (inout SandboxSynapAccount) -> Void) async throws -> (RunReport, Int) {
        let folder = try TestSupport.temporaryDirectory()
        let input = folder.appendingPathComponent("requests.jsonl")
        try TestSupport.writeRequestsJSONL(to: input, numbers: 1...3)
        let server = try TestSupport.sandbox {
            $0.apiKey = "synap_account"
            configure(&$0.account)
        }
        return try await server.withRunning { port in
            var options = ImportOptions(inputs: [input.path])
            options.target = .synap
            options.baseURL = "http://127.0.0.1:\(port)"
            options.ledger = folder.appendingPathComponent("ledger.sqlite").path
            options.environment = ["SYNAP_API_KEY": "synap_account"]
            let report = try await Backfill.runImport(options, logger: TestSupport.logger)
            return (report, try await server.documents().count)
        }
    }

    @Test func instanceNotReadyWaitsThenSends() async throws {
        let started = ContinuousClock.now
        let (report, stored) = try await Self.run { $0.readyAfter = .seconds(1.5) }
        #expect(report.exitCode == 0)
        #expect(stored == 3)
        #expect(report.documents.accepted == 3)
        #expect(report.requests.throttled >= 1)
        #expect(ContinuousClock.now - started >= .seconds(1))
    }

    @Test(arguments: [
        ("build", "instance_build_failed"), ("credits", "payment_required"), ("trial", "trial_limit_reached"),
    ])
    func accountStopsTheRun(state: String, code: String) async throws {
        let (report, stored) = try await Self.run { account in
            switch state {
            case "build": account.buildFailed = true
            case "credits": account.credits = 2
            default: account.blockedReason = "trial_limit_reached"
            }
        }
        #expect(report.exitCode == 4)
        #expect(report.stopped?.code == code)
        #expect(stored == 0)
        #expect(report.documents.accepted == 0)
    }
}
