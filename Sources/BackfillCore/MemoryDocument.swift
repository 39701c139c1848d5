/// Where a record sits in its source: a byte offset, a line, a record index — whichever the adapter knows.
public struct RecordPosition: Sendable, Hashable, Codable, CustomStringConvertible {
    public var byteOffset: Int64?
    public var line: Int?
    public var recordIndex: Int?

    public init(byteOffset: Int64? = nil, line: Int? = nil, recordIndex: Int? = nil) {
        self.byteOffset = byteOffset
        self.line = line
        self.recordIndex = recordIndex
    }

    /// The whole file.
    public static let wholeFile = RecordPosition()

    public var description: String {
        var parts: [String] = []
        if let line { parts.append("line \(line)") }
        if let recordIndex { parts.append("record \(recordIndex)") }
        if let byteOffset { parts.append("byte \(byteOffset)") }
        return parts.isEmpty ? "whole file" : parts.joined(separator: ", ")
    }

    enum CodingKeys: String, CodingKey {
        case byteOffset = "byte_offset"
        case line
        case recordIndex = "record_index"
    }
}

/// Where a document came from. Travels beside the request, never inside it.
public struct Provenance: Sendable, Hashable, Codable {
    /// The adapter's name (`text`, `requests-jsonl`, …).
    public var adapter: String
    /// The file as the user named it; for archive members `outer.zip!/inner/path`.
    public var file: String
    /// The member path inside an archive, when the file is one.
    public var archiveEntry: String?
    public var position: RecordPosition
    /// Lower-case hex SHA-256 of the document's normalised content (the request's JSON).
    public var contentSHA256: String

    public init(
        adapter: String, file: String, archiveEntry: String? = nil, position: RecordPosition, contentSHA256: String = ""
    ) {
        self.adapter = adapter
        self.file = file
        self.archiveEntry = archiveEntry
        self.position = position
        self.contentSHA256 = contentSHA256
    }

    /// `file (line 3)` — for messages.
    public var location: String {
        position == .wholeFile ? file : "\(file) (\(position))"
    }

    enum CodingKeys: String, CodingKey {
        case adapter, file, position
        case archiveEntry = "archive_entry"
        case contentSHA256 = "content_sha256"
    }
}

/// Where `document_created_at` came from.
public enum TimestampOrigin: String, Sendable, Hashable, Codable {
    /// The source's own date.
    case source
    /// A fallback such as the file's modification time; counted and flagged in the report.
    case fallback
    /// No date at all; the target will stamp import time. Counted and warned about.
    case missing
}

/// A request ready for validation, with where it came from.
public struct MemoryDocument: Sendable, Hashable {
    public var request: CreateMemoryRequest
    public var provenance: Provenance
    public var createdAtOrigin: TimestampOrigin
    /// How the fallback date was found (`file mtime`), when `createdAtOrigin` is `.fallback`.
    public var createdAtFallback: String?
    /// The adapter's resume cursor just after this record, where the adapter has one.
    public var cursorAfter: SourceCursor?
    /// How the source's text was decoded, when Backfill decided it (BOM, `--encoding`, detection); nil for
    /// structured sources (JSON is UTF-8) and for a MIME label that decoded cleanly. Reported, never sent.
    public var charset: SourceCharset?

    public init(
        request: CreateMemoryRequest, provenance: Provenance, createdAtOrigin: TimestampOrigin,
        createdAtFallback: String? = nil, cursorAfter: SourceCursor? = nil
    ) {
        self.request = request
        self.provenance = provenance
        self.createdAtOrigin = createdAtOrigin
        self.createdAtFallback = createdAtFallback
        self.cursorAfter = cursorAfter
    }

    /// The document id; adapters always set one (see ``DocumentID``).
    public var id: String { request.documentID ?? "" }
}

/// A record an adapter could not turn into a document: never silent, always with a reason.
public struct SkippedRecord: Sendable, Hashable, Codable {
    public var adapter: String
    public var file: String
    public var position: RecordPosition
    /// Stable, machine-readable (`empty_document`, `malformed_json`, …).
    /// A ``SkipReason``'s raw value: the initialisers take only typed codes.
    public private(set) var code: String
    /// What happened and what to do, for a person.
    public var message: String

    public init(adapter: String, file: String, position: RecordPosition, code: any SkipReason, message: String) {
        self.init(adapter: adapter, file: file, position: position, rawCode: code.rawValue, message: message)
    }

    /// A code carried from an ``AdapterError`` (whose code was typed when it was made).
    init(adapter: String, file: String, position: RecordPosition, rawCode: String, message: String) {
        self.adapter = adapter
        self.file = file
        self.position = position
        self.code = rawCode
        self.message = message
    }

    public var location: String {
        position == .wholeFile ? file : "\(file) (\(position))"
    }
}

/// A resume cursor: where to start reading a source again. Adapters that cannot seek leave it nil.
public struct SourceCursor: Sendable, Hashable, Codable {
    /// Byte offset of the next unread record.
    public var byteOffset: Int64?
    /// The `RecordPosition.recordIndex` of the last record consumed: every record at or before it is behind
    /// the cursor.
    public var recordIndex: Int?
    /// Adapter-specific extra state (e.g. an archive entry name).
    public var token: String?

    public init(byteOffset: Int64? = nil, recordIndex: Int? = nil, token: String? = nil) {
        self.byteOffset = byteOffset
        self.recordIndex = recordIndex
        self.token = token
    }
}

/// Deterministic document ids.
public enum DocumentID {
    /// `prefix:` + the first 32 hex digits of the SHA-256 of the content: path-independent.
    public static func contentHash(prefix: String, content: some Sequence<UInt8>) -> String {
        "\(prefix):" + String(ContentHash.sha256Hex(content).prefix(32))
    }

    /// The id of part `n` (1-based) of a document split into parts.
    public static func part(_ base: String, _ n: Int) -> String { "\(base)#part-\(n)" }
}
