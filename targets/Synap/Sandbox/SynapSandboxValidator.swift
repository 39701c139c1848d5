import BackfillCore
import BackfillSandbox
import Foundation

/// Why one submitted document is refused.
struct WireRejection: Error, Sendable {
    var field: String
    var message: String
    /// 422 for a validation failure; 400 for a scope that does not fit the instance's isolation mode.
    var status: Int = 422
}

/// Checks one submitted document against Synap's contract (docs/API-CONTRACTS.md; the stricter reading where the
/// sources disagree) and turns it into a `CreateMemoryRequest`. Every rule here has a row in the sandbox's
/// README and a case in the contract tests.
struct WireValidator: Sendable {
    var maxDocumentBytes: Int
    var isolation: String
    /// Whether the account has a level between customer and user, the only case where `scope` is taken.
    var nestedScopes: Bool = false

    /// The `document_id` as sent, when it is a string (for error details).
    static func submittedID(_ value: WireValue) -> String? {
        value.object?["document_id"]?.string
    }

    /// A valid request, with `document_id` filled in (a new UUID when absent).
    func check(_ value: WireValue) -> Result<CreateMemoryRequest, WireRejection> {
        guard let fields = value.object else {
            return .failure(
                WireRejection(
                    field: "document", message: "each document must be a JSON object, not a \(value.kindName)"))
        }
        do throws(WireRejection) {
            return .success(try request(fields))
        } catch {
            return .failure(error)
        }
    }

    /// The checks in the order the contract server makes them: the first problem is the answer.
    private func request(_ fields: [String: WireValue]) throws(WireRejection) -> CreateMemoryRequest {
        let documentID = try Self.optionalString(fields, "document_id")
        if let documentID, documentID.isEmpty {
            throw WireRejection(field: "document_id", message: "document_id must not be empty")
        }
        let document = try self.document(fields)
        let type = try Self.documentType(fields)
        let modes = Mode.all.map(\.rawValue)
        let mode = Mode(rawValue: try Self.requiredString(fields, "mode", " and must be one of \(Self.list(modes))"))
        if !Mode.all.contains(mode) {
            throw WireRejection(field: "mode", message: "mode must be one of \(Self.list(modes)); got '\(mode)'")
        }
        let createdAt = try Self.optionalString(fields, "document_created_at")
        if let createdAt, Timestamp.parseDateTime(createdAt) == nil {
            throw WireRejection(
                field: "document_created_at",
                message: "document_created_at '\(createdAt)' is not an ISO 8601 date and time")
        }
        let userID = try Self.optionalString(fields, "user_id")
        let customerID = try Self.optionalString(fields, "customer_id")
        let metadata = try Self.metadata(fields)
        let scope = try self.scope(fields)
        try checkIsolation(customerID: customerID)
        return CreateMemoryRequest(
            document: document, documentType: type, documentID: documentID ?? UUID().uuidString.lowercased(),
            documentCreatedAt: createdAt, userID: userID, customerID: customerID, mode: mode, metadata: metadata,
            scope: scope)
    }

    private static func optionalString(_ fields: [String: WireValue], _ key: String) throws(WireRejection) -> String? {
        guard let field = fields[key], !field.isNull else { return nil }
        guard let text = field.string else {
            throw WireRejection(field: key, message: "\(key) must be a string, not a \(field.kindName)")
        }
        return text
    }

    private static func requiredString(_ fields: [String: WireValue], _ key: String, _ hint: String)
        throws(WireRejection) -> String
    {
        guard let text = try optionalString(fields, key) else {
            throw WireRejection(field: key, message: "\(key) is required\(hint)")
        }
        return text
    }

    /// `document`: required, not blank, within the size limit.
    private func document(_ fields: [String: WireValue]) throws(WireRejection) -> String {
        let document = try Self.requiredString(fields, "document", "")
        if document.allSatisfy(\.isWhitespace) {
            throw WireRejection(field: "document", message: "document must not be empty")
        }
        let size = document.utf8.count
        if size > maxDocumentBytes {
            throw WireRejection(
                field: "document", message: "document is \(size) bytes, over the \(maxDocumentBytes)-byte limit")
        }
        return document
    }

    /// `document_type`: required, accepted (a coming-soon type is refused as such).
    private static func documentType(_ fields: [String: WireValue]) throws(WireRejection) -> DocumentType {
        let known = DocumentType.accepted.map(\.rawValue)
        let type = DocumentType(
            try requiredString(fields, "document_type", " and must be one of \(list(known))"))
        if DocumentType.comingSoon.contains(type) {
            throw WireRejection(
                field: "document_type", message: "document_type '\(type)' is coming soon and not accepted yet")
        }
        if !DocumentType.accepted.contains(type) {
            throw WireRejection(
                field: "document_type", message: "document_type must be one of \(list(known)); got '\(type)'")
        }
        return type
    }

    /// `metadata`: an object when present.
    private static func metadata(_ fields: [String: WireValue]) throws(WireRejection) -> [String: JSONValue]? {
        guard let field = fields["metadata"], !field.isNull else { return nil }
        guard let object = field.object else {
            throw WireRejection(field: "metadata", message: "metadata must be an object, not a \(field.kindName)")
        }
        return object.mapValues(\.jsonValue)
    }

    /// `scope`: level names to ids, only for an account with nested scopes.
    private func scope(_ fields: [String: WireValue]) throws(WireRejection) -> JSONValue? {
        guard let field = fields["scope"], !field.isNull else { return nil }
        guard let object = field.object else {
            throw WireRejection(field: "scope", message: "scope must be an object, not a \(field.kindName)")
        }
        guard object.values.allSatisfy({ $0.string != nil }) else {
            throw WireRejection(field: "scope", message: "scope must map level names to ids (strings)")
        }
        guard nestedScopes else {
            throw WireRejection(
                field: "scope",
                message: "scope is only accepted by accounts with nested scopes; this one has none: omit it",
                status: 400)
        }
        return field.jsonValue
    }

    /// The account's isolation mode against `customer_id`.
    private func checkIsolation(customerID: String?) throws(WireRejection) {
        switch isolation {
        case "strict":
            // docs/API-CONTRACTS.md: "customer_id required; user_id without it gets 400". The SDK's comment also
            // allows neither (client scope); the stricter reading wins here, and Backfill's own check agrees.
            if (customerID ?? "").isEmpty {
                throw WireRejection(
                    field: "customer_id",
                    message: "customer_id is required: this instance uses user_context_isolation 'strict'",
                    status: 400)
            }
        case "equals_customer":
            if customerID != nil {
                throw WireRejection(
                    field: "customer_id",
                    message:
                        "customer_id is not allowed: this instance uses user_context_isolation 'equals_customer'; send user_id only",
                    status: 400)
            }
        default:
            break
        }
    }

    /// `['fast', 'long-range']`, as the contract server words its enum errors.
    private static func list(_ values: [String]) -> String {
        "[" + values.map { "'\($0)'" }.joined(separator: ", ") + "]"
    }
}
