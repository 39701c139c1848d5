import BackfillKit
import BackfillTestSupport
import Foundation
import Testing

/// Every request is complete before it leaves (issue 11): Synap requires `mode` and `document_type` on the wire,
/// so `mode` is `--mode`, else the source's own, else the SDK's default `long-range`, and the report counts what
/// Backfill filled in.
///
/// Checked that it can fail: with `fillMode` not filling the target's default, `planCountsDefaultedModes` failed
/// (no defaults, 4 rejected as `missing_mode`) and `importedRequestsCarryModeAndType` failed (422s from the
/// sandbox, nothing stored); with `--mode` applied only to requests without one, the override case failed.
@Suite("Request completeness")
struct RequestCompletenessTests {
    static func writeRequests(_ folder: URL) throws -> URL {
        let url = folder.appendingPathComponent("requests.jsonl")
        try TestSupport.writeRequestsJSONL(
            to: url, numbers: 1...5,
            extraFields: { number in
                switch number {
                case 4: return #""mode":"fast""#
                case 5: return #""mode":"slow""#
                default: return ""
                }
            })
        return url
    }

    static func options(_ input: URL, folder: URL) -> ImportOptions {
        var options = ImportOptions(inputs: [input.path])
        options.target = .synap
        options.ledger = folder.appendingPathComponent("ledger.sqlite").path
        options.environment = [:]
        return options
    }

    @Test func planCountsDefaultedModesAndRejectsInvalidOnes() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = try Self.writeRequests(folder)
        let report = try await Backfill.runPlan(Self.options(input, folder: folder), logger: TestSupport.logger)
        #expect(report.documents.valid == 4)
        #expect(report.documents.rejected == 1)
        #expect(report.rejections.map(\.code) == ["invalid_mode"])
        #expect(report.rejections.first?.examples.first?.documentID == TestSupport.documentID(5))
        #expect(report.defaults == [.init(field: "mode", value: "long-range", origin: .targetDefault, count: 3)])
        #expect(report.text().contains("mode = long-range (the target's default): 3 documents"))
        let json = try #require(TestSupport.jsonReport(report.json()))
        let defaults = try #require(json["defaults"]?.arrayValue)
        #expect(defaults.count == 1)
        #expect(defaults.first?["count"] == 3)
        #expect(defaults.first?["value"] == "long-range")
        #expect(defaults.first?["origin"] == "target_default")
    }

    @Test func modeFlagWinsOverTheSource() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = try Self.writeRequests(folder)
        var options = Self.options(input, folder: folder)
        options.mode = .fast
        let report = try await Backfill.runPlan(options, logger: TestSupport.logger)
        #expect(report.documents.valid == 5)
        #expect(report.documents.rejected == 0)
        // Three without a mode and the invalid one; the line that already said `fast` is not counted.
        #expect(report.defaults == [.init(field: "mode", value: "fast", origin: .flag, count: 4)])
    }

    @Test func importedRequestsCarryModeAndType() async throws {
        let folder = try TestSupport.temporaryDirectory()
        let input = try Self.writeRequests(folder)
        let server = try TestSupport.sandbox { $0.apiKey = "synap_complete" }
        try await server.withRunning { port in
            var options = Self.options(input, folder: folder)
            options.baseURL = "http://127.0.0.1:\(port)"
            options.environment = ["SYNAP_API_KEY": "synap_complete"]
            let report = try await Backfill.runImport(options, logger: TestSupport.logger)
            #expect(report.documents.accepted == 4)
            #expect(report.documents.rejected == 1)
            var modes: [String: String] = [:]
            for number in 1...4 {
                let id = TestSupport.documentID(number)
                let stored = try #require(try await server.storedRequest(documentID: id))
                modes[id] = stored.mode?.rawValue
                #expect(stored.documentType.rawValue == "document")
            }
            #expect(
                modes == [
                    TestSupport.documentID(1): "long-range", TestSupport.documentID(2): "long-range",
                    TestSupport.documentID(3): "long-range", TestSupport.documentID(4): "fast",
                ])
            #expect(try await server.storedRequest(documentID: TestSupport.documentID(5)) == nil)
        }
    }
}
