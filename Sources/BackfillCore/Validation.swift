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

    public static let codes: [String: String] = [
        "empty_document": "the document text is empty or only whitespace",
        "document_too_large": "the document is larger than the maximum document size",
        "unknown_document_type": "document_type is not one the target knows",
        "unsupported_document_type": "document_type is known but not accepted yet and has no mapping",
        "invalid_mode": "mode is not fast or long-range",
        "missing_mode": "the target requires mode and none was set (Backfill fills the target's default first)",
        "invalid_created_at": "document_created_at is not an ISO 8601 date and time",
        "metadata_not_object": "metadata is not a JSON object",
        "scope_not_object": "scope is not a JSON object",
        "missing_document_id": "no document_id",
        "missing_user_id": "the target requires user_id",
        "scope_conflict": "user_id/customer_id do not fit the account's isolation mode",
    ]
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
            return .rejected(Rejection(code: "missing_document_id", message: "the document has no document_id"))
        }
        if request.document.allSatisfy(\.isWhitespace) {
            return .rejected(Rejection(code: "empty_document", message: "the document text is empty"))
        }
        let size = request.document.utf8.count
        if size > maxDocumentBytes {
            return .rejected(
                Rejection(
                    code: "document_too_large",
                    message:
                        "the document is \(size) bytes, over the \(maxDocumentBytes)-byte limit; raise --max-document-bytes if the target allows it"
                ))
        }
        var mappedFrom: DocumentType?
        if !acceptedTypes.contains(request.documentType) {
            if let mapped = typeMap.mapping[request.documentType], acceptedTypes.contains(mapped) {
                mappedFrom = request.documentType
                request.documentType = mapped
            } else if comingSoonTypes.contains(request.documentType) {
                return .rejected(
                    Rejection(
                        code: "unsupported_document_type",
                        message:
                            "document_type '\(request.documentType)' is not accepted by \(target) yet; map it with --type-map \(request.documentType)=document"
                    ))
            } else {
                let known = acceptedTypes.map(\.rawValue).sorted().joined(separator: ", ")
                return .rejected(
                    Rejection(
                        code: "unknown_document_type",
                        message: "document_type '\(request.documentType)' is not one of: \(known)"))
            }
        }
        if let mode = request.mode, !Mode.all.contains(mode) {
            return .rejected(
                Rejection(code: "invalid_mode", message: "mode '\(mode)' is not 'fast' or 'long-range'"))
        }
        if requiresMode && request.mode == nil {
            return .rejected(
                Rejection(code: "missing_mode", message: "\(target) requires mode ('fast' or 'long-range'); pass --mode"))
        }
        if let created = request.documentCreatedAt, Timestamp.parseDateTime(created) == nil {
            return .rejected(
                Rejection(
                    code: "invalid_created_at",
                    message:
                        "document_created_at '\(created)' is not an ISO 8601 date and time (e.g. 2024-01-05T10:00:00Z)"
                ))
        }
        if let metadata = request.metadata, metadata.objectValue == nil {
            return .rejected(
                Rejection(code: "metadata_not_object", message: "metadata is a \(metadata.kindName), not a JSON object"))
        }
        if let scope = request.scope, scope.objectValue == nil {
            return .rejected(Rejection(code: "scope_not_object", message: "scope is a \(scope.kindName), not an object"))
        }
        switch isolation {
        case "equals_customer" where request.customerID != nil:
            return .rejected(
                Rejection(
                    code: "scope_conflict",
                    message:
                        "customer_id is set but the account isolates by user only (B2C, equals_customer): drop customer_id or map it to user_id"
                ))
        case "strict" where (request.customerID ?? "").isEmpty:
            return .rejected(
                Rejection(
                    code: "scope_conflict",
                    message: "the account isolates by customer (B2B, strict): every request needs a customer_id; pass --customer-id"))
        default:
            break
        }
        if requiresUserID && (request.userID ?? "").isEmpty {
            return .rejected(
                Rejection(
                    code: "missing_user_id", message: "\(target) requires user_id; pass --user-id or map one in"))
        }
        return .valid(mappedFrom: mappedFrom)
    }
}
