/// Why a document is not sent, as the report and the dead-letter file name it (`code`; scripts match on the raw
/// value). A target may answer with codes of its own (``Rejection/code`` is then its string).
public enum RejectionCode: String, Sendable, Codable, CaseIterable {
    case emptyDocument = "empty_document"
    case documentTooLarge = "document_too_large"
    case unknownDocumentType = "unknown_document_type"
    case unsupportedDocumentType = "unsupported_document_type"
    case invalidMode = "invalid_mode"
    case missingMode = "missing_mode"
    case invalidCreatedAt = "invalid_created_at"
    case metadataNotObject = "metadata_not_object"
    case scopeNotObject = "scope_not_object"
    case missingDocumentID = "missing_document_id"
    case missingUserID = "missing_user_id"
    case scopeConflict = "scope_conflict"
    /// The request cannot be encoded as JSON.
    case unencodable
    /// The target refused this very content in an earlier run of the job.
    case rejectedEarlier = "rejected_earlier"
    /// Under `--fail-fast`, the document the target named when it refused the whole batch.
    case rejectedByTarget = "rejected_by_target"

    /// What the code means, for people (`nil` for the pipeline's own codes, whose messages say it).
    public var meaning: String? {
        switch self {
        case .emptyDocument: "the document text is empty or only whitespace"
        case .documentTooLarge: "the document is larger than the maximum document size"
        case .unknownDocumentType: "document_type is not one the target knows"
        case .unsupportedDocumentType: "document_type is known but not accepted yet and has no mapping"
        case .invalidMode: "mode is not fast or long-range"
        case .missingMode: "the target requires mode and none was set (Backfill fills the target's default first)"
        case .invalidCreatedAt: "document_created_at is not an ISO 8601 date and time"
        case .metadataNotObject: "metadata is not a JSON object"
        case .scopeNotObject: "scope is not a JSON object"
        case .missingDocumentID: "no document_id"
        case .missingUserID: "the target requires user_id"
        case .scopeConflict: "user_id/customer_id do not fit the account's isolation mode"
        case .unencodable, .rejectedEarlier, .rejectedByTarget: nil
        }
    }
}

/// A stable, machine-readable reason the reading side skipped an input or a record (the report's and the
/// dead-letter file's `code`; scripts match on the raw value). Every code is a case of exactly one enum: the shared
/// ones in ``SkipCode``, each adapter family's own in an enum of its family (`adapters/<Family>/…SkipCode.swift`),
/// listed in the family's README (a test compares the two). ``SkippedRecord`` and ``AdapterError`` take only these,
/// never a string.
public protocol SkipReason: RawRepresentable, Sendable, CaseIterable where RawValue == String {}

/// The codes of the reading side shared by every family: the pipeline's, the byte sources', the input budgets'.
public enum SkipCode: String, SkipReason {
    /// An input named on the command line does not exist or cannot be listed.
    case unreadableInput = "unreadable_input"
    case unreadableFile = "unreadable_file"
    /// No adapter recognises the file.
    case noAdapter = "no_adapter"
    case archiveError = "archive_error"
    case readError = "read_error"
    case seekError = "seek_error"
    /// A file read whole is larger than a single document may be.
    case fileTooLarge = "file_too_large"
    /// A file that is empty or holds only whitespace (or markup without text).
    case emptyFile = "empty_file"
    /// NUL bytes where text should be.
    case binaryContent = "binary_content"
    /// A JSON record (a line, an element of a streamed array) that is not JSON.
    case malformedJSON = "malformed_json"
    // The input budgets' (``InputBudgets/Budget/code``; README.md's budget table lists them).
    case nestingTooDeep = "nesting_too_deep"
    case tooManyParts = "too_many_parts"
    case lineTooLong = "line_too_long"
    case readTooSlow = "read_too_slow"
    case entryTooLarge = "entry_too_large"
    case archiveTooLarge = "archive_too_large"
    case zipBomb = "zip_bomb"
    case tooManyEntries = "too_many_entries"
    case archiveTooDeep = "archive_too_deep"
    case tooManyCompressionLayers = "too_many_compression_layers"
}

extension Rejection {
    public init(_ code: RejectionCode, message: String) {
        self.init(code: code.rawValue, message: message)
    }
}

extension SkippedRecord {
    /// A shared code, written `.noAdapter`.
    public init(adapter: String, file: String, position: RecordPosition, code: SkipCode, message: String) {
        self.init(adapter: adapter, file: file, position: position, code: code as any SkipReason, message: message)
    }

    /// The skip an adapter error becomes: its code, file and position unless given, its message unless given.
    public init(
        adapter: String, error: AdapterError, file: String? = nil, position: RecordPosition? = nil,
        message: String? = nil
    ) {
        self.init(
            adapter: adapter, file: file ?? error.file, position: position ?? error.position, rawCode: error.code,
            message: message ?? error.message)
    }

    /// Whether this skip has `code`.
    public func has(_ code: some SkipReason) -> Bool { self.code == code.rawValue }
}

extension AdapterError {
    /// Whether this error has `code`.
    public func has(_ code: some SkipReason) -> Bool { self.code == code.rawValue }
}
