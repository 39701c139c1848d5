import Foundation

/// Maps document types a target does not accept (its coming-soon types) to ones it does.
public struct TypeMap: Sendable, Hashable {
    public var mapping: [DocumentType: DocumentType]

    public init(_ mapping: [DocumentType: DocumentType]) { self.mapping = mapping }

    /// The default: human chats are conversations; tickets, articles and notes are documents.
    public static let standard = TypeMap([
        .humanChatConversation: .aiChatConversation,
        .supportTicket: .document,
        .knowledgeArticle: .document,
        .note: .document,
    ])

    /// Parses `from=to` pairs (`--type-map note=document`), layered over `self`.
    public func overriding(with pairs: [String]) throws -> TypeMap {
        var copy = self
        for pair in pairs {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty else {
                throw ValidationError(message: "--type-map takes FROM=TO, e.g. note=document; got '\(pair)'")
            }
            copy.mapping[DocumentType(parts[0])] = DocumentType(parts[1])
        }
        return copy
    }
}

/// A usage or configuration mistake.
public struct ValidationError: Error, Sendable, CustomStringConvertible {
    public var message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// Why a document will not be sent. `code` is stable (scripts match on it); `message` is for people.
public struct Rejection: Sendable, Hashable, Codable {
    public var code: String
    public var message: String

    public init(code: String, message: String) {
        self.code = code
        self.message = message
    }

    /// The validation codes and what each means (``RejectionCode``).
    public static let codes: [String: String] = Dictionary(
        uniqueKeysWithValues: RejectionCode.allCases.compactMap { code in code.meaning.map { (code.rawValue, $0) } })
}

/// What a target accepts, checked locally before anything is sent.
public struct ValidationProfile: Sendable {
    public static let defaultMaxDocumentBytes = 4 * 1024 * 1024

    public var target: String
    public var acceptedTypes: Set<DocumentType>
    /// Known types the target does not take yet; mapped through `typeMap`, else rejected.
    public var comingSoonTypes: Set<DocumentType>
    public var typeMap: TypeMap
    public var maxDocumentBytes: Int
    public var requiresUserID: Bool
    /// Metadata properties the target keeps; beyond, the target folds the rest into one property.
    public var maxMetadataProperties: Int?
    /// The account's `user_context_isolation`, when the target tells it: `equals_customer` (B2C: `user_id` only)
    /// or `strict` (B2B: `customer_id` required).
    public var isolation: String?
    /// The mode filled into requests that carry none (for a target that requires one on the wire). nil: the
    /// target takes no mode.
    public var defaultMode: Mode?

    /// Whether the target refuses a request without `mode`.
    public var requiresMode: Bool { defaultMode != nil }

    public init(
        target: String, acceptedTypes: Set<DocumentType>, comingSoonTypes: Set<DocumentType>, typeMap: TypeMap,
        maxDocumentBytes: Int = ValidationProfile.defaultMaxDocumentBytes, requiresUserID: Bool = false
    ) {
        self.target = target
        self.acceptedTypes = acceptedTypes
        self.comingSoonTypes = comingSoonTypes
        self.typeMap = typeMap
        self.maxDocumentBytes = maxDocumentBytes
        self.requiresUserID = requiresUserID
    }

    public enum Outcome: Sendable, Hashable {
        /// Valid; `mappedFrom` is the original type when the type map changed it.
        case valid(mappedFrom: DocumentType?)
        case rejected(Rejection)
    }

    /// Checks `document`, applying the type map in place.
    public func validate(_ document: inout MemoryDocument) -> Outcome {
        var request = document.request
        defer { document.request = request }
        guard let id = request.documentID, !id.isEmpty else {
            return .rejected(Rejection(.missingDocumentID, message: "the document has no document_id"))
        }
        if request.document.allSatisfy(\.isWhitespace) {
            return .rejected(Rejection(.emptyDocument, message: "the document text is empty"))
        }
        let size = request.document.utf8.count
        if size > maxDocumentBytes {
            return .rejected(
                Rejection(
                    .documentTooLarge,
                    message:
                        "the document is \(size) bytes, over the \(maxDocumentBytes)-byte limit; raise --max-document-bytes if the target allows it"
                ))
        }
        var mappedFrom: DocumentType?
        if let rejected = mapType(&request, mappedFrom: &mappedFrom) { return rejected }
        if let mode = request.mode, !Mode.all.contains(mode) {
            return .rejected(
                Rejection(.invalidMode, message: "mode '\(mode)' is not 'fast' or 'long-range'"))
        }
        if requiresMode && request.mode == nil {
            return .rejected(
                Rejection(.missingMode, message: "\(target) requires mode ('fast' or 'long-range'); pass --mode"))
        }
        if let created = request.documentCreatedAt, Timestamp.parseDateTime(created) == nil {
            return .rejected(
                Rejection(
                    .invalidCreatedAt,
                    message:
                        "document_created_at '\(created)' is not an ISO 8601 date and time (e.g. 2024-01-05T10:00:00Z)"
                ))
        }
        if let metadata = request.metadata, metadata.objectValue == nil {
            return .rejected(
                Rejection(.metadataNotObject, message: "metadata is a \(metadata.kindName), not a JSON object"))
        }
        if let scope = request.scope, scope.objectValue == nil {
            return .rejected(Rejection(.scopeNotObject, message: "scope is a \(scope.kindName), not an object"))
        }
        if let rejected = scopeOutcome(request) { return rejected }
        return .valid(mappedFrom: mappedFrom)
    }

    /// The type map applied to a type the target does not accept; the rejection when nothing maps it.
    private func mapType(_ request: inout CreateMemoryRequest, mappedFrom: inout DocumentType?) -> Outcome? {
        if !acceptedTypes.contains(request.documentType) {
            if let mapped = typeMap.mapping[request.documentType], acceptedTypes.contains(mapped) {
                mappedFrom = request.documentType
                request.documentType = mapped
            } else if comingSoonTypes.contains(request.documentType) {
                return .rejected(
                    Rejection(
                        .unsupportedDocumentType,
                        message:
                            "document_type '\(request.documentType)' is not accepted by \(target) yet; map it with --type-map \(request.documentType)=document"
                    ))
            } else {
                let known = acceptedTypes.map(\.rawValue).sorted().joined(separator: ", ")
                return .rejected(
                    Rejection(
                        .unknownDocumentType,
                        message: "document_type '\(request.documentType)' is not one of: \(known)"))
            }
        }
        return nil
    }

    /// The rejection of a request whose scope (customer_id, user_id) the account's isolation refuses.
    private func scopeOutcome(_ request: CreateMemoryRequest) -> Outcome? {
        switch isolation {
        case "equals_customer" where request.customerID != nil:
            return .rejected(
                Rejection(
                    .scopeConflict,
                    message:
                        "customer_id is set but the account isolates by user only (B2C, equals_customer): drop customer_id or map it to user_id"
                ))
        case "strict" where (request.customerID ?? "").isEmpty:
            return .rejected(
                Rejection(
                    .scopeConflict,
                    message: "the account isolates by customer (B2B, strict): every request needs a customer_id; pass --customer-id"))
        default:
            break
        }
        if requiresUserID && (request.userID ?? "").isEmpty {
            return .rejected(
                Rejection(
                    .missingUserID, message: "\(target) requires user_id; pass --user-id or map one in"))
        }
        return nil
    }
}
