import BackfillChatAdapter
import BackfillCore
import BackfillTestSupport
import Foundation
import Testing

let chatSamples = TestSupport.samples

/// The adapter that sniffing picks among the chat adapters (highest confidence, registration order).
func pick(_ name: String, _ head: [UInt8]) -> (any SourceAdapter)? {
    let probe = SourceProbe(fileName: (name as NSString).lastPathComponent, displayPath: name, head: Array(head.prefix(SourceProbe.headLength)), size: nil)
    var best: (any SourceAdapter)?
    var confidence = SniffConfidence.no
    for adapter in ChatAdapters.all {
        let c = adapter.sniff(probe)
        if c > confidence {
            best = adapter
            confidence = c
        }
    }
    return best
}

/// Golden outputs of every chat sample: `samples/expected/chat__<path>.expected.jsonl`.
@Suite("Chat sample goldens")
struct ChatGoldenTests {
    static let context = AdapterContext(options: ["timezone": "Europe/Berlin"])

    /// Files under samples/chat (bundles as folders) and samples/bad/chat, relative to samples/.
    static let items: [String] = {
        var items: [String] = ["chat/slack-export"]
        for folder in ["chat", "bad/chat"] {
            let root = chatSamples.appendingPathComponent(folder)
            guard let enumerator = FileManager.default.enumerator(atPath: root.path) else { continue }
            while let relative = enumerator.nextObject() as? String {
                if relative.hasPrefix("slack-export") { continue }
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path, isDirectory: &isDirectory),
                    !isDirectory.boolValue
                {
                    items.append("\(folder)/\(relative)")
                }
            }
        }
        return items.sorted()
    }()

    struct Line: Encodable {
        var adapter: String?
        var documentID: String?
        var documentType: String?
        var document: String?
        var documentCreatedAt: String?
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
            case metadata, skipped, message, position
        }
    }

    static func render(_ output: AdapterOutput) throws -> String {
        let line: Line
        switch output {
        case .document(let d):
            line = Line(
                adapter: d.provenance.adapter, documentID: d.request.documentID,
                documentType: d.request.documentType.rawValue, document: String(d.request.document.prefix(600)),
                documentCreatedAt: d.createdAtOrigin == .source ? d.request.documentCreatedAt : nil,
                metadata: d.request.metadata, position: d.provenance.position)
        case .skipped(let s):
            line = Line(adapter: s.adapter, skipped: s.code, message: s.message, position: s.position)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }

    static func outputs(_ item: String) async throws -> [AdapterOutput] {
        let url = chatSamples.appendingPathComponent(item)
        if item == "chat/slack-export" {
            var members: [String: SourceInput] = [:]
            let enumerator = FileManager.default.enumerator(atPath: url.path)
            while let relative = enumerator?.nextObject() as? String {
                let path = url.appendingPathComponent(relative).path
                var isDirectory: ObjCBool = false
                if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue {
                    members[relative] = try SourceInput.file(path: path, displayPath: "\(item)/\(relative)")
                }
            }
            return try await collect(SlackAdapter().read(bundle: SourceBundle(displayPath: item, members: members), context: context))
        }
        let input = try SourceInput.file(path: url.path, displayPath: item)
        let head = Array(try Data(contentsOf: url).prefix(SourceProbe.headLength))
        let adapter = try #require(pick(item, head), "no chat adapter reads \(item)")
        return try await collect(adapter.read(input, context: context, resumeFrom: nil))
    }

    @Test func samplesPresent() {
        #expect(Self.items.count >= 15)
    }

    @Test(arguments: ChatGoldenTests.items)
    func golden(_ item: String) async throws {
        let outputs = try await Self.outputs(item)
        let rendered = try outputs.map(Self.render).joined(separator: "\n") + "\n"
        let name = item.hasPrefix("bad/chat/") ? "chat__bad__" + item.dropFirst("bad/chat/".count) : item
        let expectedURL = chatSamples.appendingPathComponent("expected")
            .appendingPathComponent(name.replacingOccurrences(of: "/", with: "__") + ".expected.jsonl")
        if TestSupport.recordGoldens {
            try Data(rendered.utf8).write(to: expectedURL)
            return
        }
        let expected = try? String(contentsOf: expectedURL, encoding: .utf8)
        #expect(expected != nil, "no golden \(expectedURL.path); record with BACKFILL_RECORD_GOLDENS=1")
        #expect(rendered == expected, "\(item) differs from its golden")
    }
}
