import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

extension Durability {
    /// A sandbox limited to R requests/s: with `--rate R` the client sustains ≥ 95% of R with < 1% 429s; without a
    /// client rate it recovers from 429s through Retry-After and fails nothing.
    @Suite("Rate limits")
    struct RateLimitTests {
        static let limit = 20
        static let documents = 2_000
        static let batchSize = 10

        struct Run {
            var result: TestSupport.ProcessResult
            var report: JSONValue?
            var stats: SandboxStats
            var records: [SandboxDocumentRecord]
            var expected: Set<String>
        }

        static func run(_ extra: [String]) async throws -> Run {
            let folder = try TestSupport.temporaryDirectory("rate")
            let input = folder.appendingPathComponent("requests.jsonl")
            let expected = Set(try TestSupport.writeRequestsJSONL(to: input, numbers: 1...documents))
            let server = try TestSupport.sandbox {
                $0.apiKey = Durability.secret
                $0.faults.rateLimitPerSecond = Double(limit)
                $0.faults.seed = 7
            }
            return try await server.withRunning { port in
                let arguments = Durability.importArguments(
                    [input], port: port, job: "rate", ledger: folder.appendingPathComponent("ledger.sqlite"),
                    ["--batch-size", "\(batchSize)", "--json"] + extra)
                let result = try await TestSupport.runBackfillAsync(
                    arguments, environment: Durability.environment(home: folder.appendingPathComponent("home")),
                    timeout: .seconds(120))
                return Run(
                    result: result, report: TestSupport.jsonReport(result.stdout), stats: try await server.stats(),
                    records: try await server.documents(), expected: expected)
            }
        }

        @Test("--rate R against a sandbox limited to R: ≥ 95% of R, < 1% answered 429", .timeLimit(.minutes(3)))
        func clientRateMatchesTheLimit() async throws {
            let run = try await Self.run(["--rate", "\(Self.limit)"])
            #expect(run.result.status == 0, "\(Durability.brief(run.result))")
            let report = try #require(run.report, "no JSON report: \(Durability.brief(run.result))")
            let wall = try #require(report["wall_seconds"]?.doubleValue)
            let requests = report["requests"]
            // Requests the sandbox saw (whoami included) over the binary's own wall time, start-up included.
            let perSecond = Double(run.stats.requests) / wall
            let throttled = max(run.stats.rateLimited, requests?["throttled"]?.intValue ?? 0)
            print(
                "rate: \(run.stats.requests) requests in \(String(format: "%.2f", wall)) s = \(String(format: "%.2f", perSecond))/s against a limit of \(Self.limit)/s; \(throttled) answered 429 (sandbox \(run.stats.rateLimited), report \(requests?["throttled"]?.intValue ?? -1)); report requests: \(report["requests"].map { "\($0)" } ?? "-")"
            )
            #expect(perSecond >= 0.95 * Double(Self.limit), "sustained \(perSecond) requests/s")
            #expect(Double(throttled) < 0.01 * Double(run.stats.requests), "\(throttled) of \(run.stats.requests) were 429")
            #expect(report["documents"]?["accepted"]?.intValue == Self.documents)
            #expect(Set(run.records.map(\.documentID)) == run.expected)
            // The client really batched as asked: about documents / batch size write requests.
            let sent = requests?["requests"]?.intValue ?? 0
            #expect(sent >= Self.documents / Self.batchSize, "requests: \(String(describing: requests))")
        }

        @Test("no client rate against a limited sandbox: 429s recovered via Retry-After, nothing failed", .timeLimit(.minutes(3)))
        func retryAfterRecovers() async throws {
            let run = try await Self.run([])
            #expect(run.result.status == 0, "\(Durability.brief(run.result))")
            let report = try #require(run.report, "no JSON report: \(Durability.brief(run.result))")
            let documents = report["documents"]
            #expect(documents?["accepted"]?.intValue == Self.documents)
            #expect(documents?["failed"]?.intValue == 0)
            #expect(documents?["rejected"]?.intValue == 0)
            // The limit was really hit, and the report counts it.
            #expect(run.stats.rateLimited > 0, "the sandbox never answered 429: the test did not exercise anything")
            #expect(report["requests"]?["throttled"]?.intValue ?? 0 > 0, "report: \(String(describing: report["requests"]))")
            #expect(report["requests"]?["waited_seconds"]?.doubleValue ?? 0 > 0)
            #expect(Set(run.records.map(\.documentID)) == run.expected)
            #expect(run.records.allSatisfy { $0.stored == 1 })
            print(
                "retry-after: \(run.stats.requests) requests, \(run.stats.rateLimited) answered 429, waited \(report["requests"]?["waited_seconds"]?.doubleValue ?? -1) s, wall \(report["wall_seconds"]?.doubleValue ?? -1) s"
            )
        }
    }
}
