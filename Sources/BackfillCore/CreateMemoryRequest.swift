/// The document types of the canonical request (docs/API-CONTRACTS.md, the primary target's). A struct over the raw
/// string, so an unknown type read from input survives until validation can reject it with a reason.
public struct DocumentType: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ rawValue: String) { self.rawValue = rawValue }

    public static let aiChatConversation = DocumentType("ai-chat-conversation")
    public static let document = DocumentType("document")
    public static let email = DocumentType("email")
    public static let pdf = DocumentType("pdf")
    public static let image = DocumentType("image")
    public static let audio = DocumentType("audio")
    public static let meetingTranscript = DocumentType("meeting-transcript")
    // Listed as "coming soon": mapped through a `TypeMap` before sending.
    public static let humanChatConversation = DocumentType("human-chat-conversation")
    public static let supportTicket = DocumentType("support-ticket")
    public static let knowledgeArticle = DocumentType("knowledge-article")
    public static let note = DocumentType("note")

    /// Types the primary target accepts today.
    public static let accepted: [DocumentType] = [
        .aiChatConversation, .document, .email, .pdf, .image, .audio, .meetingTranscript,
    ]
    /// Types the primary target documents as coming soon.
    public static let comingSoon: [DocumentType] = [.humanChatConversation, .supportTicket, .knowledgeArticle, .note]

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// The ingestion mode (`fast` or `long-range`).
public struct Mode: RawRepresentable, Hashable, Sendable, Codable, CustomStringConvertible {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public static let fast = Mode(rawValue: "fast")
    public static let longRange = Mode(rawValue: "long-range")
    public static let all: [Mode] = [.fast, .longRange]

    public init(from decoder: any Decoder) throws {
        rawValue = try decoder.singleValueContainer().decode(String.self)
    }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
    public var description: String { rawValue }
}

/// The canonical `CreateMemoryRequest` (the primary target's, docs/API-CONTRACTS.md), field for field: snake_case names, ISO 8601 timestamps with a zone,
/// absent optionals omitted.
public struct CreateMemoryRequest: Sendable, Hashable, Codable {
    public var document: String
    public var documentType: DocumentType
    public var documentID: String?
    /// ISO 8601 with a zone, as sent (see ``Timestamp``).
    public var documentCreatedAt: String?
    public var userID: String?
    public var customerID: String?
    public var mode: Mode?
    /// Must be a JSON object when present; kept as a `JSONValue` so a wrong shape in input can be rejected.
    public var metadata: JSONValue?
    /// Only for accounts with nested scopes.
    public var scope: JSONValue?

    public init(
        document: String, documentType: DocumentType, documentID: String? = nil, documentCreatedAt: String? = nil,
        userID: String? = nil, customerID: String? = nil, mode: Mode? = nil, metadata: [String: JSONValue]? = nil,
        scope: JSONValue? = nil
    ) {
        self.document = document
        self.documentType = documentType
        self.documentID = documentID
        self.documentCreatedAt = documentCreatedAt
        self.userID = userID
        self.customerID = customerID
        self.mode = mode
        self.metadata = metadata.map { JSONValue.object($0) }
        self.scope = scope
    }

    enum CodingKeys: String, CodingKey {
        case document
        case documentType = "document_type"
        case documentID = "document_id"
        case documentCreatedAt = "document_created_at"
        case userID = "user_id"
        case customerID = "customer_id"
        case mode
        case metadata
        case scope
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(document, forKey: .document)
        try container.encode(documentType, forKey: .documentType)
        try container.encodeIfPresent(documentID, forKey: .documentID)
        try container.encodeIfPresent(documentCreatedAt, forKey: .documentCreatedAt)
        try container.encodeIfPresent(userID, forKey: .userID)
        try container.encodeIfPresent(customerID, forKey: .customerID)
        try container.encodeIfPresent(mode, forKey: .mode)
        try container.encodeIfPresent(metadata, forKey: .metadata)
        try container.encodeIfPresent(scope, forKey: .scope)
    }
}
