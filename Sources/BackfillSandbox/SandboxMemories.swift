import Foundation

/// One stored memory as a target's admin route lists it (`GET /_sandbox/<target>/memories`).
public struct SandboxMemoryRecord: Sendable, Codable, Equatable {
    /// The server's memory id.
    public var id: String
    /// `metadata.backfill_document_id` when the client sent it as a string.
    public var documentID: String?
    /// How many memories of this target carry the same document id (1 without one): a duplicate shows 2.
    public var stored: Int

    public init(id: String, documentID: String?, stored: Int) {
        self.id = id
        self.documentID = documentID
        self.stored = stored
    }

    enum CodingKeys: String, CodingKey {
        case id
        case documentID = "document_id"
        case stored
    }

    /// Writes `document_id: null` rather than leaving the key out.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(documentID, forKey: .documentID)
        try container.encode(stored, forKey: .stored)
    }
}

/// The metadata key under which clients put the source document id.
package let sandboxDocumentIDKey = "backfill_document_id"

/// Opaque paging tokens over a table's `seq` column (or a listing offset): URL-safe base64 without padding, as
/// a `nextToken`; standard base64 is read too.
package enum SandboxCursor {
    package static func encode(_ seq: Int64) -> String {
        Data("seq:\(seq)".utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    package static func decode(_ token: String) -> Int64? {
        var text = token.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        text += String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: text), let decoded = String(data: data, encoding: .utf8),
            decoded.hasPrefix("seq:")
        else { return nil }
        return Int64(decoded.dropFirst(4))
    }
}

/// Constant-time comparison of secrets.
package func sandboxSecretsMatch(_ given: String, _ expected: String) -> Bool {
    let lhs = Array(given.utf8)
    let rhs = Array(expected.utf8)
    guard lhs.count == rhs.count else { return false }
    return zip(lhs, rhs).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
}

/// Body size limits for routes that take one document or a batch without a documented maximum.
package enum SandboxBodyLimits {
    /// One document with JSON escaping and room for metadata.
    package static func maxSingleBodyBytes(_ configuration: SandboxConfiguration) -> Int {
        let (doubled, overflow) = configuration.maxDocumentBytes.multipliedReportingOverflow(by: 2)
        guard !overflow, doubled < 512 * 1024 * 1024 else { return 1024 * 1024 * 1024 }
        return doubled + 1024 * 1024
    }

    /// A batch of at least 1000 maximum-size documents (for contracts that document no maximum).
    package static func maxBatchBodyBytes(_ configuration: SandboxConfiguration) -> Int {
        let (documents, overflow) = max(configuration.maxBatchDocuments, 1000).multipliedReportingOverflow(
            by: configuration.maxDocumentBytes)
        guard !overflow, documents < 512 * 1024 * 1024 else { return 1024 * 1024 * 1024 }
        return documents * 2 + 1024 * 1024
    }
}
