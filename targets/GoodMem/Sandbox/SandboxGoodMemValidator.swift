import BackfillSandbox
import BackfillCore
import Foundation

/// One field problem in a 400 answer.
struct GoodMemProblem: Error, Sendable, Equatable {
    var field: String
    var message: String
}

/// Why one GoodMem create request is refused.
struct GoodMemRejection: Error, Sendable {
    var problems: [GoodMemProblem]

    /// The problems on one line, for a batch item's error message.
    var summary: String {
        problems.map { "\($0.field): \($0.message)" }.joined(separator: "; ")
    }
}

/// A batch item's failure, with both code styles.
enum GoodMemItemError: Sendable {
    case invalid(String)
    case notFound(String?)
    case alreadyExists(String)

    var grpcCode: Int {
        switch self {
        case .invalid: return 3
        case .notFound: return 5
        case .alreadyExists: return 6
        }
    }

    var httpCode: Int {
        switch self {
        case .invalid: return 400
        case .notFound: return 404
        case .alreadyExists: return 409
        }
    }

    var message: String {
        switch self {
        case .invalid(let detail): return "INVALID_ARGUMENT: \(detail)"
        case .notFound(let detail?): return "NOT_FOUND: \(detail)"
        case .notFound(nil): return "NOT_FOUND"
        case .alreadyExists(let detail): return "ALREADY_EXISTS: \(detail)"
        }
    }
}

/// Checks one GoodMem create request.
struct GoodMemValidator: Sendable {
    var maxContentBytes: Int

    /// The lower-case form of a UUID, nil when the text is not one.
    static func normalizedUUID(_ text: String) -> String? {
        UUID(uuidString: text)?.uuidString.lowercased()
    }

    static func optionalUUID(_ fields: [String: WireValue], _ key: String) -> Result<String?, GoodMemProblem> {
        guard let field = fields[key], !field.isNull else { return .success(nil) }
        guard let text = field.string, let id = normalizedUUID(text) else {
            return .failure(GoodMemProblem(field: key, message: "\(key) must be a UUID"))
        }
        return .success(id)
    }

    func check(_ value: WireValue) -> Result<GoodMemNewMemory, GoodMemRejection> {
        guard let fields = value.object else {
            return .failure(
                GoodMemRejection(problems: [
                    GoodMemProblem(
                        field: "request", message: "a request must be a JSON object, not a \(value.kindName)")
                ]))
        }
        var problems: [GoodMemProblem] = []
        var memoryID = UUID().uuidString.lowercased()
        switch Self.optionalUUID(fields, "memoryId") {
        case .success(let id?): memoryID = id
        case .success(nil): break
        case .failure(let problem): problems.append(problem)
        }
        var spaceID = ""
        switch Self.optionalUUID(fields, "spaceId") {
        case .success(let id?): spaceID = id
        case .success(nil): problems.append(GoodMemProblem(field: "spaceId", message: "spaceId is required"))
        case .failure(let problem): problems.append(problem)
        }

        let content = Self.content(fields, maxContentBytes: maxContentBytes, problems: &problems)
        let contentType = fields["contentType"]?.string ?? ""
        if contentType.isEmpty {
            problems.append(GoodMemProblem(field: "contentType", message: "contentType is required"))
        }

        let (metadata, documentID) = Self.metadata(fields, problems: &problems)
        guard problems.isEmpty, let content else { return .failure(GoodMemRejection(problems: problems)) }
        let metadataJSON = (try? SandboxHTTP.encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) }
        return .success(
            GoodMemNewMemory(
                memoryID: memoryID, spaceID: spaceID, content: content, contentType: contentType, metadata: metadata,
                metadataJSON: metadataJSON ?? "{}", documentID: documentID))
    }

    /// `originalContent` or `originalContentB64` (one of them, not empty, within the size limit).
    static func content(_ fields: [String: WireValue], maxContentBytes: Int, problems: inout [GoodMemProblem])
        -> GoodMemContent?
    {
        var content: GoodMemContent?
        let text = fields["originalContent"].flatMap { $0.isNull ? nil : $0 }
        let base64 = fields["originalContentB64"].flatMap { $0.isNull ? nil : $0 }
        switch (text, base64) {
        case (nil, nil):
            problems.append(
                GoodMemProblem(field: "originalContent", message: "originalContent or originalContentB64 is required"))
        case (_?, _?):
            problems.append(
                GoodMemProblem(
                    field: "originalContent", message: "send originalContent or originalContentB64, not both"))
        case (let text?, nil):
            if let string = text.string {
                content = .text(string)
            } else {
                problems.append(
                    GoodMemProblem(field: "originalContent", message: "originalContent must be a string"))
            }
        case (nil, let base64?):
            if let string = base64.string, let data = Data(base64Encoded: string) {
                content = .bytes(data)
            } else {
                problems.append(
                    GoodMemProblem(field: "originalContentB64", message: "originalContentB64 must be base64 text"))
            }
        }
        if let content {
            let (field, size): (String, Int)
            switch content {
            case .text(let string): (field, size) = ("originalContent", string.utf8.count)
            case .bytes(let data): (field, size) = ("originalContentB64", data.count)
            }
            if size == 0 {
                problems.append(GoodMemProblem(field: field, message: "\(field) must not be empty"))
            } else if size > maxContentBytes {
                problems.append(
                    GoodMemProblem(
                        field: field, message: "content is \(size) bytes, over the \(maxContentBytes)-byte limit"))
            }
        }
        return content
    }

    /// `metadata` (an object within the property limit) and the document id Backfill keeps in it.
    static func metadata(_ fields: [String: WireValue], problems: inout [GoodMemProblem]) -> (JSONValue, String?) {
        var metadata: JSONValue = [:]
        var documentID: String?
        if let field = fields["metadata"], !field.isNull {
            if let object = field.object {
                if object.count > SandboxGoodMemRoutes.maxMetadataProperties {
                    problems.append(
                        GoodMemProblem(
                            field: "metadata",
                            message:
                                "metadata has \(object.count) properties, over the limit of \(SandboxGoodMemRoutes.maxMetadataProperties)"
                        ))
                }
                metadata = field.jsonValue
                documentID = object[sandboxDocumentIDKey]?.string
            } else {
                problems.append(GoodMemProblem(field: "metadata", message: "metadata must be an object"))
            }
        }
        return (metadata, documentID)
    }
}
