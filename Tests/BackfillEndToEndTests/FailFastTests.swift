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

        /// Who finds the invalid document.
        enum Invalidity: String, CaseIterable, Sendable, CustomTestStringConvertible {
            /// `document_type: spreadsheet`: local validation rejects it before it is batched.
            case local
            /// A `customer_id` on a B2C (`equals_customer`) instance, with the documented routes (no whoami, so
            /// Backfill cannot know the isolation mode): it passes local validation and the target rejects it.
            case server

            var testDescription: String { rawValue }
            var routes: [String] { self == .server ? ["--routes", "documented"] : [] }
            var reasonCode: String? { self == .local ? "unknown_document_type" : nil }
        }

        struct Fixture {
            var folder: URL
            var input: URL
            var ledger: URL
            var home: URL
            var valid: Set<String>
        }

        /// 1,000 requests, one per line, line N holding `doc-N`; line 437 is invalid.
        static func fixture(_ invalidity: Invalidity) throws -> Fixture {
            let folder = try TestSupport.temporaryDirectory("fail-fast")
            let input = folder.appendingPathComponent("requests.jsonl")
            let ids = try TestSupport.writeRequestsJSONL(
                to: input, numbers: 1...documents,
                documentType: { invalidity == .local && $0 == invalidLine ? "spreadsheet" : "document" },
                extraFields: { invalidity == .server && $0 == invalidLine ? #""customer_id":"c1""# : "" })
            var valid = Set(ids)
            valid.remove(invalidID)
            return Fixture(
                folder: folder, input: input, ledger: folder.appendingPathComponent("ledger.sqlite"),
                home: folder.appendingPathComponent("home"), valid: valid)
        }

        static func sandbox() throws -> SandboxServer {
            try TestSupport.sandbox { $0.apiKey = Durability.secret }
        }

        @Test(
            "--fail-fast exits 3, names the document and its line, sends nothing after its batch",
            .timeLimit(.minutes(2)), arguments: Invalidity.allCases, [true, false])
        func failFastStops(invalidity: Invalidity, json: Bool) async throws {
            let fixture = try Self.fixture(invalidity)
            let server = try Self.sandbox()
            let (result, stored) = try await server.withRunning { port in
                let result = try await TestSupport.runBackfillAsync(
                    Durability.importArguments(
                        [fixture.input], port: port, job: "fail-fast", ledger: fixture.ledger,
                        ["--fail-fast", "--batch-size", "\(Self.batchSize)"] + invalidity.routes
                            + (json ? ["--json"] : [])),
                    environment: Durability.environment(home: fixture.home), timeout: .seconds(90))
                return (result, try await server.documents())
            }
            #expect(result.status == 3, "\(Durability.brief(result))")
            // Named: the id, the file and the line.
            #expect(result.output.contains(Self.invalidID), "the output does not name the document: \(Durability.brief(result))")
            #expect(result.output.contains("requests.jsonl"))
            #expect(result.output.contains("line \(Self.invalidLine)"), "the output does not name the line: \(Durability.brief(result))")
            if json {
                let report = try #require(TestSupport.jsonReport(result.stdout), "\(Durability.brief(result))")
                #expect(report["exit_code"]?.intValue == 3)
                let stopped = report["stopped"]
                #expect(stopped?["document_id"]?.stringValue == Self.invalidID, "stopped: \(String(describing: stopped))")
                #expect(stopped?["location"]?.stringValue?.contains("line \(Self.invalidLine)") == true)
                #expect(stopped?["location"]?.stringValue?.contains("requests.jsonl") == true)
                #expect(stopped?["code"]?.stringValue?.isEmpty == false)
            }

            // Nothing after the batch that held it. Line 437 falls in 401…500: a local rejection stops before that
            // batch is sent; a server rejection of a `fail_fast: true` batch stores none of it. Either way nothing
            // past 400 reached the target.
            let numbers = stored.compactMap { Durability.number($0.documentID) }
            let batchStart = ((Self.invalidLine - 1) / Self.batchSize) * Self.batchSize + 1
            let late = numbers.filter { $0 >= batchStart }.sorted()
            #expect(late.isEmpty, "sent after the invalid document's batch began: \(late.prefix(10)) (\(late.count))")
            #expect(!numbers.contains(Self.invalidLine))
            print("fail-fast (\(invalidity), json \(json)): exit \(result.status), \(numbers.count) stored, last \(numbers.max() ?? 0)")

            // The ledger is consistent with the target: nothing left `sending`, it knows what was stored, and it
            // holds the invalid document as rejected.
            let ledger = try Ledger(path: fixture.ledger.path)
            let counts = try ledger.stateCounts()
            #expect((counts[.sending] ?? 0) == 0, "ledger: \(counts)")
            #expect(Set(try ledger.documentIDs(in: [.accepted, .duplicate])) == Set(stored.map(\.documentID)))
            #expect(try ledger.documentIDs(in: [.rejected]) == [Self.invalidID], "ledger: \(counts)")
        }

        @Test(
            "without --fail-fast: exit 1, the invalid one in the dead-letter file with its reason, 999 accepted",
            .timeLimit(.minutes(2)), arguments: Invalidity.allCases)
        func deadLetter(invalidity: Invalidity) async throws {
            let fixture = try Self.fixture(invalidity)
            let server = try Self.sandbox()
            let (result, stored) = try await server.withRunning { port in
                let result = try await TestSupport.runBackfillAsync(
                    Durability.importArguments(
                        [fixture.input], port: port, job: "dead-letter", ledger: fixture.ledger,
                        ["--batch-size", "\(Self.batchSize)", "--json"] + invalidity.routes),
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
            let code = entry["reason"]?["code"]?.stringValue
            #expect(code?.isEmpty == false, "\(entry)")
            if let expected = invalidity.reasonCode { #expect(code == expected, "\(entry)") }
            let message = entry["reason"]?["message"]?.stringValue ?? ""
            #expect(!message.isEmpty)
            if invalidity == .server { #expect(message.contains("customer_id"), "\(entry)") }
            #expect(entry["provenance"]?["file"]?.stringValue?.hasSuffix("requests.jsonl") == true, "\(entry)")
            #expect(entry["provenance"]?["position"]?["line"]?.intValue == Self.invalidLine, "\(entry)")
            #expect(entry["request"]?["document_id"]?.stringValue == Self.invalidID)
            switch invalidity {
            case .local: #expect(entry["request"]?["document_type"]?.stringValue == "spreadsheet", "\(entry)")
            case .server: #expect(entry["request"]?["customer_id"]?.stringValue == "c1", "\(entry)")
            }

            let counts = try Ledger(path: fixture.ledger.path).stateCounts()
            #expect(counts[.accepted] == Self.documents - 1, "ledger: \(counts)")
            #expect(counts[.rejected] == 1, "ledger: \(counts)")
        }
    }
}
