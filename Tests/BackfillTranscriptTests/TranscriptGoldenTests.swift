import BackfillCore
import BackfillTestSupport
import BackfillTranscriptAdapter
import Foundation
import Testing

/// The transcript adapters, in the order they are registered.
let transcriptAdapters: [any SourceAdapter] = [
    WebVTTAdapter(), SRTAdapter(), TTMLAdapter(), PlainTranscriptAdapter(), TranscriptSidecarAdapter(),
]

/// The adapter that claims a file, by sniffing its name and head as the pipeline does.
func sniffAdapter(path: String, displayPath: String, adapters: [any SourceAdapter] = transcriptAdapters) throws
    -> (adapter: any SourceAdapter, confidence: SniffConfidence, input: SourceInput)
{
    let input = try SourceInput.file(path: path, displayPath: displayPath)
    let head = try Array(
        FileHandle(forReadingFrom: URL(fileURLWithPath: path)).readData(ofLength: SourceProbe.headLength))
    let probe = SourceProbe(fileName: input.fileName, displayPath: displayPath, head: head, size: input.size)
    var best: (any SourceAdapter, SniffConfidence)?
    for adapter in adapters {
        let confidence = adapter.sniff(probe)
        if confidence > (best?.1 ?? .no) { best = (adapter, confidence) }
    }
    guard let best else { throw AdapterError(code: SkipCode.noAdapter, file: displayPath, position: .wholeFile, message: "no adapter") }
    return (best.0, best.1, input)
}

/// Every file in `samples/transcripts/`, one JSON line per output, against
/// `samples/expected/transcripts__<file>.expected.jsonl`. `BACKFILL_RECORD_GOLDENS=1` rewrites them.
@Suite("Transcript goldens")
struct TranscriptGoldenTests {
    static let sampleFiles: [String] = {
        let root = samplesRoot.appendingPathComponent("transcripts")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { !$0.hasPrefix(".") }.sorted().map { "transcripts/\($0)" }
    }()

    struct Line: Encodable {
        var adapter: String?
        var documentID: String?
        var documentType: String?
        var document: String?
        var documentCreatedAt: String?
        var userID: String?
        var metadata: JSONValue?
        var skipped: String?
        var message: String?
        var position: RecordPosition?

        enum CodingKeys: String, CodingKey {
            case adapter
            case documentID = "document_id"
            case documentType = "document_type"
            case document
            case documentCreatedAt = "document_created_at"
            case userID = "user_id"
            case metadata, skipped, message, position
        }
    }

    static func render(_ output: AdapterOutput) throws -> String {
        let line: Line
        switch output {
        case .document(let document):
            line = Line(
                adapter: document.provenance.adapter, documentID: document.request.documentID,
                documentType: document.request.documentType.rawValue, document: document.request.document,
                documentCreatedAt: document.createdAtOrigin == .source ? document.request.documentCreatedAt : nil,
                userID: document.request.userID, metadata: document.request.metadata)
        case .skipped(let skipped):
            line = Line(adapter: skipped.adapter, skipped: skipped.code, message: skipped.message, position: skipped.position)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }

    @Test func samplesExist() {
        #expect(Self.sampleFiles.count >= 8)
        #expect(Self.sampleFiles.contains("transcripts/teams-standup.vtt"))
    }

    @Test(arguments: TranscriptGoldenTests.sampleFiles)
    func sample(_ relativePath: String) async throws {
        let path = samplesRoot.appendingPathComponent(relativePath).path
        let claimed = try sniffAdapter(path: path, displayPath: samplesRoot.appendingPathComponent(relativePath).path)
        #expect(claimed.confidence == .certain, "\(relativePath) should be claimed with certainty")
        let outputs = try await collect(claimed.adapter.read(claimed.input, context: AdapterContext(), resumeFrom: nil))
        let rendered = try outputs.map(Self.render).joined(separator: "\n") + "\n"
        let expectedURL = samplesRoot.appendingPathComponent("expected")
            .appendingPathComponent(relativePath.replacingOccurrences(of: "/", with: "__") + ".expected.jsonl")
        if ProcessInfo.processInfo.environment["BACKFILL_RECORD_GOLDENS"] == "1" {
            try Data(rendered.utf8).write(to: expectedURL)
            return
        }
        guard let expected = try? String(contentsOf: expectedURL, encoding: .utf8) else {
            Issue.record("no golden file \(expectedURL.path); record it with BACKFILL_RECORD_GOLDENS=1 swift test")
            return
        }
        #expect(rendered == expected, "\(relativePath) differs from its golden; re-record with BACKFILL_RECORD_GOLDENS=1 if intended")
    }
}
