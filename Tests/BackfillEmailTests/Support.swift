import BackfillCore
import BackfillEmailAdapter
import BackfillTestSupport
import Foundation
import Testing

let samplesRoot = TestSupport.samples

let emailAdapters: [any SourceAdapter] = [MboxAdapter(), EMLAdapter(), MaildirAdapter()]

/// Reads a file with the adapter that sniffs it highest.
func readFile(
    _ path: String, displayPath: String? = nil, options: [String: String] = [:],
    identities: IdentityMap = IdentityMap(), cursor: SourceCursor? = nil
) async throws -> [AdapterOutput] {
    let input = try SourceInput.file(path: path, displayPath: displayPath ?? path)
    let head = Array(try Data(contentsOf: URL(fileURLWithPath: path)).prefix(SourceProbe.headLength))
    let probe = SourceProbe(fileName: input.fileName, displayPath: input.displayPath, head: head, size: input.size)
    let adapter = try #require(emailAdapters.max { $0.sniff(probe) < $1.sniff(probe) })
    try #require(adapter.sniff(probe) > .no, "no email adapter reads \(path)")
    let context = AdapterContext(options: options, identities: identities)
    return try await collect(adapter.read(input, context: context, resumeFrom: cursor))
}

/// Reads bytes as an mbox.
func readMbox(_ bytes: [UInt8], options: [String: String] = [:], cursor: SourceCursor? = nil, seekable: Bool = true)
    async throws -> [AdapterOutput]
{
    let input = SourceInput(
        displayPath: "test.mbox", fileName: "test.mbox", size: Int64(bytes.count), modificationDate: nil,
        open: { seekable ? MemoryByteSource(bytes) as any ByteSource : StreamOnlyByteSource(bytes) })
    return try await collect(MboxAdapter().read(input, context: AdapterContext(options: options), resumeFrom: cursor))
}

/// Reads a folder as a maildir bundle.
func readMaildir(_ folder: URL, displayPath: String, options: [String: String] = [:]) async throws -> [AdapterOutput] {
    var members: [String: SourceInput] = [:]
    let enumerator = FileManager.default.enumerator(atPath: folder.path)
    while let relative = enumerator?.nextObject() as? String {
        let full = folder.appendingPathComponent(relative).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue,
            !(relative as NSString).lastPathComponent.hasPrefix(".")
        else { continue }
        members[relative] = try SourceInput.file(path: full, displayPath: displayPath + "/" + relative)
    }
    let bundle = SourceBundle(displayPath: displayPath, members: members)
    return try await collect(MaildirAdapter().read(bundle: bundle, context: AdapterContext(options: options)))
}

/// One golden line, as `Tests/BackfillAdapterTests/GoldenTests.swift` renders it (plus the whole document and
/// the fallback used, which email goldens check too).
struct GoldenLine: Encodable {
    var documentID: String?
    var documentType: String?
    var document: String?
    var documentCreatedAt: String?
    var createdAtFallback: String?
    var userID: String?
    var customerID: String?
    var metadata: JSONValue?
    var skipped: String?
    var message: String?
    var position: RecordPosition?

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case documentType = "document_type"
        case document
        case documentCreatedAt = "document_created_at"
        case createdAtFallback = "created_at_fallback"
        case userID = "user_id"
        case customerID = "customer_id"
        case metadata, skipped, message, position
    }

    static func render(_ output: AdapterOutput) throws -> String {
        let line: GoldenLine
        switch output {
        case .document(let document):
            // File modification times change on checkout: only source dates and stable fallbacks are recorded.
            let stable = document.createdAtOrigin == .source || document.createdAtFallback != "file modification time"
            line = GoldenLine(
                documentID: document.request.documentID, documentType: document.request.documentType.rawValue,
                document: document.request.document,
                documentCreatedAt: stable ? document.request.documentCreatedAt : nil,
                createdAtFallback: document.createdAtFallback, userID: document.request.userID,
                customerID: document.request.customerID, metadata: document.request.metadata)
        case .skipped(let skipped):
            line = GoldenLine(skipped: skipped.code, message: skipped.message, position: skipped.position)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(line), as: UTF8.self)
    }
}

/// Compares rendered outputs with `samples/expected/<name>`, or records them with `BACKFILL_RECORD_GOLDENS=1`.
func checkGolden(_ outputs: [AdapterOutput], name: String) throws {
    let rendered = try outputs.map(GoldenLine.render).joined(separator: "\n") + "\n"
    let url = samplesRoot.appendingPathComponent("expected").appendingPathComponent(name)
    if TestSupport.recordGoldens {
        try Data(rendered.utf8).write(to: url)
        return
    }
    guard let expected = try? String(contentsOf: url, encoding: .utf8) else {
        Issue.record("no golden file \(url.path); record it with BACKFILL_RECORD_GOLDENS=1 swift test")
        return
    }
    #expect(rendered == expected, "\(name) differs from its golden; re-record with BACKFILL_RECORD_GOLDENS=1 if intended")
}
