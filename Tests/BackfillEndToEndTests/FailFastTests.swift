import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

extension Durability {
    /// One invalid document among 1,000: `--fail-fast` stops at it (exit 3), naming it; without it the run goes on
    /// and the invalid one lands in the dead-letter file.
    @Suite("Fail-fast and dead letter")
    struct FailFastTests {
        static let documents = 1_000
        static let invalidLine = 437
        static let batchSize = 100
        static var invalidID: String { TestSupport.documentID(invalidLine) }

        struct Fixture {
            var folder: URL
            var input: URL
            var ledger: URL
            var home: URL
            var valid: Set<String>
        }

        /// 1,000 requests, one per line, line N holding `doc-N`; line 437 has a type no target knows.
        static func fixture() throws -> Fixture {
            let folder = try TestSupport.temporaryDirectory("fail-fast")
            let input = folder.appendingPathComponent("requests.jsonl")
            let ids = try TestSupport.writeRequestsJSONL(to: input, numbers: 1...documents) {
                $0 == invalidLine ? "spreadsheet" : "document"
            }
            var valid = Set(ids)
            valid.remove(invalidID)
            return Fixture(
                folder: folder, input: input, ledger: folder.appendingPathComponent("ledger.sqlite"),
                home: folder.appendingPathComponent("home"), valid: valid)
        }

        static func sandbox() throws -> SandboxServer {
            try TestSupport.sandbox { $0.apiKey = Durability.secret }
        }

        @Test("--fail-fast exits 3, names the document and its line, sends nothing from its batch on", .timeLimit(.minutes(2)),
              arguments: [true, false])
        func failFastStops(json: Bool) async throws {
            let fixture = try Self.fixture()
            let server = try Self.sandbox()
            let (result, stored) = try await server.withRunning { port in
                let result = try await TestSupport.runBackfillAsync(
                    Durability.importArguments(
                        [fixture.input], port: port, job: "fail-fast", ledger: fixture.ledger,
                        ["--fail-fast", "--batch-size", "\(Self.batchSize)"] + (json ? ["--json"] : [])),
                    environment: Durability.environment(home: fixture.home), timeout: .seconds(90))
                return (result, try await server.documents())
            }
            #expect(result.status == 3, "\(Durability.brief(result))")
            // Named: the id, the file and the line.
            #expect(result.output.contains(Self.invalidID), "\(Durability.brief(result))")
            #expect(result.output.contains("requests.jsonl"))
            #expect(result.output.contains("line \(Self.invalidLine)"), "\(Durability.brief(result))")
            if json {
                let report = try #require(TestSupport.jsonReport(result.stdout), "\(Durability.brief(result))")
                #expect(report["exit_code"]?.intValue == 3)
                let stopped = report["stopped"]
                #expect(stopped?["document_id"]?.stringValue == Self.invalidID, "stopped: \(String(describing: stopped))")
                #expect(stopped?["location"]?.stringValue?.contains("line \(Self.invalidLine)") == true)
                #expect(stopped?["location"]?.stringValue?.contains("requests.jsonl") == true)
                #expect(stopped?["code"]?.stringValue?.isEmpty == false)
            }

            // Nothing after the batch that would have held it: line 437 falls in 401…500, and a local rejection
            // stops before that batch is sent, so nothing past 400 reached the target.
            let numbers = stored.compactMap { Durability.number($0.documentID) }
            let lastBatchStart = ((Self.invalidLine - 1) / Self.batchSize) * Self.batchSize + 1
            let late = numbers.filter { $0 >= lastBatchStart }.sorted()
            #expect(late.isEmpty, "sent after the invalid document's batch began: \(late.prefix(10)) (\(late.count))")
            #expect(!numbers.contains(Self.invalidLine))

            // The ledger is consistent with the target: nothing left `sending`, and it knows what was stored.
            let ledger = try Ledger(path: fixture.ledger.path)
            let counts = try ledger.stateCounts()
            #expect((counts[.sending] ?? 0) == 0, "ledger: \(counts)")
            #expect(Set(try ledger.documentIDs(in: [.accepted, .duplicate])) == Set(stored.map(\.documentID)))
            #expect(try ledger.documentIDs(in: [.rejected]).contains(Self.invalidID), "ledger: \(counts)")
        }

        @Test("without --fail-fast: exit 1, the invalid one in the dead-letter file with its reason, 999 accepted",
              .timeLimit(.minutes(2)))
        func deadLetter() async throws {
            let fixture = try Self.fixture()
            let server = try Self.sandbox()
            let (result, stored) = try await server.withRunning { port in
                let result = try await TestSupport.runBackfillAsync(
                    Durability.importArguments(
                        [fixture.input], port: port, job: "dead-letter", ledger: fixture.ledger,
                        ["--batch-size", "\(Self.batchSize)", "--json"]),
                    environment: Durability.environment(home: fixture.home), timeout: .seconds(90))
                return (result, try await server.documents())
            }
            #expect(result.status == 1, "\(Durability.brief(result))")
            let report = try #require(TestSupport.jsonReport(result.stdout), "\(Durability.brief(result))")
            #expect(report["documents"]?["accepted"]?.intValue == Self.documents - 1)
            #expect(report["documents"]?["rejected"]?.intValue == 1)
            #expect(report["documents"]?["failed"]?.intValue == 0)
            #expect(Set(stored.map(\.documentID)) == fixture.valid)
            #expect(stored.allSatisfy { $0.stored == 1 })

            // `/x/ledger.sqlite` → `/x/ledger.dead-letter.jsonl`, one object per rejected document.
            let deadLetter = fixture.folder.appendingPathComponent("ledger.dead-letter.jsonl")
            let text = try String(contentsOf: deadLetter, encoding: .utf8)
            let lines = text.split(separator: "\n")
            #expect(lines.count == 1, "\(text)")
            let entry = try JSONDecoder().decode(JSONValue.self, from: Data(try #require(lines.first).utf8))
            #expect(entry["document_id"]?.stringValue == Self.invalidID)
            #expect(entry["reason"]?["code"]?.stringValue == "unknown_document_type", "\(entry)")
            #expect(entry["reason"]?["message"]?.stringValue?.isEmpty == false)
            #expect(entry["provenance"]?["file"]?.stringValue?.hasSuffix("requests.jsonl") == true, "\(entry)")
            #expect(entry["provenance"]?["position"]?["line"]?.intValue == Self.invalidLine, "\(entry)")
            #expect(entry["request"]?["document_id"]?.stringValue == Self.invalidID)
            #expect(entry["request"]?["document_type"]?.stringValue == "spreadsheet", "\(entry)")

            let counts = try Ledger(path: fixture.ledger.path).stateCounts()
            #expect(counts[.accepted] == Self.documents - 1, "ledger: \(counts)")
            #expect(counts[.rejected] == 1, "ledger: \(counts)")
        }
    }
}
