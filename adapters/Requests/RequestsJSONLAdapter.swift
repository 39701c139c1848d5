import BackfillCore

/// JSON Lines of ready `CreateMemoryRequest`s: one request object per line, the canonical field names.
///
/// Streaming (memory stays at one read chunk plus the longest line) and resumable by byte offset.
/// See `adapters/Requests/README.md` for the fields, identity rule and skip reasons.
public struct RequestsJSONLAdapter: SourceAdapter {
    public init() {}

    public static let name = "requests-jsonl"

    public let descriptor = AdapterDescriptor(
        name: RequestsJSONLAdapter.name, family: "requests", fileExtensions: ["jsonl", "ndjson"],
        summary: "JSON Lines of ready CreateMemoryRequest objects (document, document_type, …), one per line",
        supportsCursor: true)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        guard probe.hasExtension("jsonl") || probe.hasExtension("ndjson") else { return .no }
        let head = probe.trimmedHead
        let firstLine = head.prefix(while: { $0 != 0x0A })
        if firstLine.first == UInt8(ascii: "{"), Self.contains(firstLine, Array(#""document""#.utf8)) {
            return .certain
        }
        return .likely
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs { RequestLinesReader(input: input, cursor: cursor) }
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return false }
        var index = haystack.startIndex
        while let found = haystack[index...].firstIndex(of: first) {
            if haystack[found...].starts(with: needle) { return true }
            index = found + 1
        }
        return false
    }
}

/// Reads one request per non-blank line.
final class RequestLinesReader: RecordReader {
    private let input: SourceInput
    private let cursor: SourceCursor?
    private var lines: LineReader?
    /// Lines up to this number were read in an earlier run (when the source cannot seek).
    private var skipThroughLine = 0
    /// Lines starting before this offset were read in an earlier run (when the source cannot seek).
    private var skipBeforeOffset: Int64 = 0

    init(input: SourceInput, cursor: SourceCursor?) {
        self.input = input
        self.cursor = cursor
    }

    private func open() throws -> LineReader {
        let source = try input.open()
        if let cursor, let offset = cursor.byteOffset, offset > 0, source.canSeek {
            try source.seek(to: offset)
            return LineReader(source: source, startOffset: offset, startLine: cursor.recordIndex ?? 0)
        }
        if let cursor {
            skipThroughLine = cursor.recordIndex ?? 0
            skipBeforeOffset = cursor.byteOffset ?? 0
        }
        return LineReader(source: source)
    }

    func next() async throws -> AdapterOutput? {
        let lines: LineReader
        if let existing = self.lines {
            lines = existing
        } else {
            lines = try open()
            self.lines = lines
        }
        while let line = try lines.next() {
            if line.number <= skipThroughLine || line.byteOffset < skipBeforeOffset { continue }
            if line.overBudget {
                let error = InputBudgets.current.exceeded(
                    .lineBytes, "line \(line.number) is longer than \(lines.maxLineBytes) bytes",
                    file: input.displayPath,
                    position: RecordPosition(byteOffset: line.byteOffset, line: line.number, recordIndex: line.number))
                return .skipped(
                    SkippedRecord(adapter: RequestsJSONLAdapter.name, error: error))
            }
            var bytes = line.bytes
            if line.byteOffset == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let position = RecordPosition(byteOffset: line.byteOffset, line: line.number, recordIndex: line.number)
            let after = SourceCursor(byteOffset: lines.offset, recordIndex: line.number)
            return output(bytes, position: position, cursorAfter: after)
        }
        return nil
    }

    private func output(_ bytes: ArraySlice<UInt8>, position: RecordPosition, cursorAfter: SourceCursor)
        -> AdapterOutput
    {
        let lineNumber = position.line ?? 0
        func skip(_ code: some SkipReason, _ message: String) -> AdapterOutput {
            .skipped(
                SkippedRecord(
                    adapter: RequestsJSONLAdapter.name, file: input.displayPath, position: position, code: code,
                    message: "line \(lineNumber): \(message)"))
        }
        let members: [(key: String, value: JSONValue)]
        do {
            switch try JSONBytesParser.parseTopLevel(bytes) {
            case .object(let pairs):
                members = pairs
            case .other(let value):
                return skip(
                    SkipCode.malformedJSON,
                    "the line is JSON \(value.kindName), not an object; each line must be one request object")
            }
        } catch {
            return skip(error.code, "not valid JSON (\(error.message)); fix or remove the line")
        }
        let line: RequestLine
        do {
            line = try RequestLine(members)
        } catch {
            switch error {
            case .missing(let field):
                return skip(
                    RequestsSkipCode.missingField,
                    "no \"\(field)\" field; every request needs \"document\" and \"document_type\" — add it or remove the line"
                )
            case .wrongKind(let field, let expected, let found):
                return skip(
                    RequestsSkipCode.wrongFieldType,
                    "\"\(field)\" is \(Self.article(found)) \(found), expected \(Self.article(expected)) \(expected); fix the field or remove the line"
                )
            }
        }

        var request = CreateMemoryRequest(
            document: line.document, documentType: DocumentType(line.documentType),
            documentID: line.documentID ?? DocumentID.contentHash(prefix: "jsonl", content: bytes),
            documentCreatedAt: line.documentCreatedAt, userID: line.userID, customerID: line.customerID,
            mode: line.mode.map { Mode(rawValue: $0) }, scope: line.scope)
        // Set directly: any JSON kind is kept for validation to judge.
        request.metadata = line.metadata
        let provenance = Provenance(
            adapter: RequestsJSONLAdapter.name, file: input.displayPath, archiveEntry: input.archiveEntry,
            position: position, contentSHA256: "")
        return .document(
            MemoryDocument(
                request: request, provenance: provenance,
                createdAtOrigin: line.documentCreatedAt == nil ? .missing : .source, cursorAfter: cursorAfter))
    }
}

extension RequestLinesReader {
    /// "a" or "an" before a JSON kind name.
    static func article(_ kind: String) -> String {
        kind.first.map { "aeiou".contains($0) } == true ? "an" : "a"
    }
}

/// One line's fields, with their JSON kinds checked.
struct RequestLine {
    var document: String
    var documentType: String
    var documentID: String?
    var documentCreatedAt: String?
    var userID: String?
    var customerID: String?
    var mode: String?
    var metadata: JSONValue?
    var scope: JSONValue?

    enum Problem: Error {
        case missing(field: String)
        case wrongKind(field: String, expected: String, found: String)
    }

    /// Unknown fields are ignored; `null` counts as absent; a repeated field keeps its first value (as JSONDecoder).
    init(_ members: [(key: String, value: JSONValue)]) throws(Problem) {
        var document: String?
        var documentType: String?
        // Backwards, so that the first occurrence of a repeated key is assigned last.
        for (key, value) in members.reversed() {
            switch key {
            case "document": document = try Self.string(value, key)
            case "document_type": documentType = try Self.string(value, key)
            case "document_id": documentID = try Self.string(value, key)
            case "document_created_at": documentCreatedAt = try Self.string(value, key)
            case "user_id": userID = try Self.string(value, key)
            case "customer_id": customerID = try Self.string(value, key)
            case "mode": mode = try Self.string(value, key)
            // Kept whatever their kind: validation rejects a non-object with its reason.
            case "metadata": metadata = value == .null ? nil : value
            case "scope": scope = value == .null ? nil : value
            default: continue
            }
        }
        guard let document else { throw .missing(field: "document") }
        guard let documentType else { throw .missing(field: "document_type") }
        self.document = document
        self.documentType = documentType
    }

    private static func string(_ value: JSONValue, _ key: String) throws(Problem) -> String? {
        switch value {
        case .null: return nil
        case .string(let string): return string
        default: throw .wrongKind(field: key, expected: "string", found: value.kindName)
        }
    }
}
