import BackfillCore
import BackfillDocumentAdapter
import BackfillRequestsAdapter
import BackfillTestSupport
import Foundation
import Testing

/// Every sample file's outputs, one JSON line each, against `samples/expected/<path with / as __>.expected.jsonl`.
/// `BACKFILL_RECORD_GOLDENS=1 swift test --filter GoldenTests` rewrites them.
@Suite("Sample goldens")
struct GoldenTests {
    static let folders = ["documents", "requests", "bad"]

    /// Sample paths relative to `samples/`, sorted.
    static let sampleFiles: [String] = {
        var paths: [String] = []
        for folder in folders {
            let root = samplesRoot.appendingPathComponent(folder)
            guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { continue }
            while let relative = enumerator.nextObject() as? String {
                var isDirectory: ObjCBool = false
                let full = root.appendingPathComponent(relative).path
                if FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), isDirectory.boolValue {
                    // `bad/<family>/` belongs to the other adapter families' tests.
                    if folder == "bad" { enumerator.skipDescendants() }
                } else {
                    paths.append("\(folder)/\(relative)")
                }
            }
        }
        return paths.sorted()
    }()

    struct Line: Encodable {
        var documentID: String?
        var documentType: String?
        var document: String?
        var documentCreatedAt: String?
        var metadata: JSONValue?
        var skipped: String?
        var position: RecordPosition?

        enum CodingKeys: String, CodingKey {
            case documentID = "document_id"
            case documentType = "document_type"
            case document
            case documentCreatedAt = "document_created_at"
            case metadata, skipped, position
        }
    }

    static func render(_ output: AdapterOutput) throws -> String {
        let line: Line
        switch output {
        case .document(let document):
            // The source's own date only: a file's modification time changes on checkout.
            line = Line(
                documentID: document.request.documentID, documentType: document.request.documentType.rawValue,
                document: String(document.request.document.prefix(200)),
                documentCreatedAt: document.createdAtOrigin == .source ? document.request.documentCreatedAt : nil,
                metadata: document.request.metadata)
        case .skipped(let skipped):
            line = Line(skipped: skipped.code, position: skipped.position)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }

    @Test func samplesExist() {
        #expect(Self.sampleFiles.contains("documents/release-notes.html"))
        #expect(Self.sampleFiles.contains("requests/requests.jsonl"))
        #expect(Self.sampleFiles.count >= 9)
    }

    @Test(arguments: GoldenTests.sampleFiles)
    func sample(_ relativePath: String) async throws {
        let path = samplesRoot.appendingPathComponent(relativePath).path
        let input = try SourceInput.file(path: path, displayPath: relativePath)
        let head = try Array(
            FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: SourceProbe.headLength))
        let probe = SourceProbe(fileName: input.fileName, displayPath: relativePath, head: head, size: input.size)
        let adapters: [any SourceAdapter] = [RequestsJSONLAdapter(), TextAdapter(), EvernoteAdapter()]
        let adapter = try #require(adapters.max { $0.sniff(probe) < $1.sniff(probe) })
        try #require(adapter.sniff(probe) > .no, "no adapter reads \(relativePath)")

        let outputs = try await collect(adapter.read(input, context: AdapterContext(), resumeFrom: nil))
        let rendered = try outputs.map(Self.render).joined(separator: "\n") + "\n"

        let expectedURL = samplesRoot.appendingPathComponent("expected")
            .appendingPathComponent(relativePath.replacingOccurrences(of: "/", with: "__") + ".expected.jsonl")
        if ProcessInfo.processInfo.environment["BACKFILL_RECORD_GOLDENS"] == "1" {
            try FileManager.default.createDirectory(
                at: expectedURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(rendered.utf8).write(to: expectedURL)
            return
        }
        guard let expected = try? String(contentsOf: expectedURL, encoding: .utf8) else {
            Issue.record("no golden file \(expectedURL.path); record it with BACKFILL_RECORD_GOLDENS=1 swift test")
            return
        }
        #expect(
            rendered == expected,
            "\(relativePath) differs from its golden; re-record with BACKFILL_RECORD_GOLDENS=1 if intended")
    }
}
