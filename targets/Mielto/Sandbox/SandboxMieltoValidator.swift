import BackfillSandbox
import BackfillCore
import Foundation

/// One entry of a FastAPI 422 `detail` array.
struct MieltoProblem: Sendable, Equatable {
    var loc: [JSONValue]
    var msg: String
    var type: String
}

struct MieltoRejection: Error, Sendable {
    var problems: [MieltoProblem]
}

/// Checks one Mielto create body the way a FastAPI/pydantic model would.
struct MieltoValidator: Sendable {
    var maxMemoryBytes: Int

    func check(_ value: WireValue, workspaceID: String?) -> Result<MieltoNewMemory, MieltoRejection> {
        guard let fields = value.object else {
            return .failure(
                MieltoRejection(problems: [
                    MieltoProblem(loc: ["body"], msg: "value is not a valid dict", type: "type_error.dict")
                ]))
        }
        var problems: [MieltoProblem] = []
        func requiredString(_ key: String) -> String? {
            guard let field = fields[key], !field.isNull else {
                problems.append(
                    MieltoProblem(loc: ["body", .string(key)], msg: "field required", type: "value_error.missing"))
                return nil
            }
            guard let text = field.string else {
                problems.append(
                    MieltoProblem(loc: ["body", .string(key)], msg: "str type expected", type: "type_error.str"))
                return nil
            }
            if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                problems.append(
                    MieltoProblem(
                        loc: ["body", .string(key)], msg: "ensure this value has at least 1 characters",
                        type: "value_error.any_str.min_length"))
                return nil
            }
            return text
        }
        let userID = requiredString("user_id")
        let memory = requiredString("memory")
        if let memory, memory.utf8.count > maxMemoryBytes {
            problems.append(
                MieltoProblem(
                    loc: ["body", "memory"], msg: "ensure this value has at most \(maxMemoryBytes) characters",
                    type: "value_error.any_str.max_length"))
        }
        let memoryType = Self.memoryType(fields["memory_type"], problems: &problems)
        let topics = Self.topics(fields["topics"], problems: &problems)
        let (metadata, documentID) = Self.metadata(fields["metadata"], problems: &problems)
        guard problems.isEmpty, let userID, let memory else { return .failure(MieltoRejection(problems: problems)) }
        let metadataJSON = (try? SandboxHTTP.encoder.encode(metadata)).map { String(decoding: $0, as: UTF8.self) }
        return .success(
            MieltoNewMemory(
                userID: userID, workspaceID: workspaceID, memory: memory, memoryType: memoryType, topics: topics,
                metadata: metadata, metadataJSON: metadataJSON ?? "{}", documentID: documentID))
    }

    /// `memory_type`: one of Mielto's, default `user`.
    static func memoryType(_ field: WireValue?, problems: inout [MieltoProblem]) -> String {
        var memoryType = "user"
        if let field, !field.isNull {
            if let text = field.string, SandboxMieltoRoutes.memoryTypes.contains(text) {
                memoryType = text
            } else {
                let permitted = SandboxMieltoRoutes.memoryTypes.map { "'\($0)'" }.joined(separator: ", ")
                problems.append(
                    MieltoProblem(
                        loc: ["body", "memory_type"],
                        msg: "value is not a valid enumeration member; permitted: \(permitted)", type: "type_error.enum"
                    ))
            }
        }
        return memoryType
    }

    /// `topics`: a list of strings.
    static func topics(_ field: WireValue?, problems: inout [MieltoProblem]) -> [String] {
        var topics: [String] = []
        if let field, !field.isNull {
            if case .array(let items) = field {
                for (index, item) in items.enumerated() {
                    if let text = item.string {
                        topics.append(text)
                    } else {
                        problems.append(
                            MieltoProblem(
                                loc: ["body", "topics", .integer(Int64(index))], msg: "str type expected",
                                type: "type_error.str"))
                    }
                }
            } else {
                problems.append(
                    MieltoProblem(loc: ["body", "topics"], msg: "value is not a valid list", type: "type_error.list"))
            }
        }
        return topics
    }

    /// `metadata`: an object, and the document id Backfill keeps in it.
    static func metadata(_ field: WireValue?, problems: inout [MieltoProblem]) -> (JSONValue, String?) {
        var metadata: JSONValue = [:]
        var documentID: String?
        if let field, !field.isNull {
            if let object = field.object {
                metadata = field.jsonValue
                documentID = object[sandboxDocumentIDKey]?.string
            } else {
                problems.append(
                    MieltoProblem(loc: ["body", "metadata"], msg: "value is not a valid dict", type: "type_error.dict"))
            }
        }
        return (metadata, documentID)
    }
}
