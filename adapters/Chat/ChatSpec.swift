import BackfillCore
import Foundation

#if canImport(Glibc)
    import Glibc
#endif
import Yams

/// A declarative chat format: where the records are in a JSON/JSONL file, and how a record maps to the normalised
/// conversation (author, text, time and its format, conversation key). YAML; see `adapters/Chat/README.md` ("Declarative specs").
public struct ChatSpec: Sendable, Decodable, Hashable {
    public struct Match: Sendable, Decodable, Hashable {
        /// File name endings (no dot); empty: any.
        public var extensions: [String]?
        /// Strings that must all occur in the file's first bytes.
        public var headContains: [String]?
        /// `[` or `{`: the first non-blank byte.
        public var firstByte: String?
        /// A glob the file name must match (`*.chatlog.json`).
        public var fileName: String?

        enum CodingKeys: String, CodingKey {
            case extensions
            case headContains = "head_contains"
            case firstByte = "first_byte"
            case fileName = "file_name"
        }
    }

    public struct Records: Sendable, Decodable, Hashable {
        /// `json` (an array, at `path`) or `jsonl` (one record per line).
        public var format: String
        /// Dotted path to the array of records inside the top-level object (json); empty: the top level.
        public var path: String?
    }

    public struct Conversation: Sendable, Decodable, Hashable {
        /// Path (in the record) of the conversation's id.
        public var id: String?
        public var title: String?
        public var createdAt: String?
        /// Path of the messages array in a record. Absent: each record is one message, and consecutive records
        /// with the same `key` form a conversation.
        public var messages: String?
        /// Path of the conversation key in a message record (records are messages).
        public var key: String?

        enum CodingKeys: String, CodingKey {
            case id, title, messages, key
            case createdAt = "created_at"
        }
    }

    public struct Message: Sendable, Decodable, Hashable {
        public var author: String?
        public var text: String
        public var time: String?
        /// `unix`, `unix_ms`, `iso8601`, or a `DateFormatter` pattern (read in `--timezone`, else UTC).
        public var timeFormat: String?
        /// Author values renamed for display (`human: User`).
        public var authorLabels: [String: String]?
        /// Author value used when the author path is missing.
        public var defaultAuthor: String?

        enum CodingKeys: String, CodingKey {
            case author, text, time
            case timeFormat = "time_format"
            case authorLabels = "author_labels"
            case defaultAuthor = "default_author"
        }
    }

    public var name: String
    public var description: String?
    /// `ai-chat-conversation` (default) or `human-chat-conversation`.
    public var documentType: String?
    /// Document ids are `{id_prefix}:{conversation id}` (default: the spec's name).
    public var idPrefix: String?
    public var match: Match
    public var records: Records
    public var conversation: Conversation?
    public var message: Message

    enum CodingKeys: String, CodingKey {
        case name, description, match, records, conversation, message
        case documentType = "document_type"
        case idPrefix = "id_prefix"
    }

    /// Whether a file fits the spec, by name and first bytes.
    func matches(fileName: String, head: ArraySlice<UInt8>) -> Bool {
        let lower = fileName.lowercased()
        if let extensions = match.extensions, !extensions.isEmpty,
            !extensions.contains(where: { lower.hasSuffix("." + $0.lowercased()) })
        {
            return false
        }
        if let glob = match.fileName, fnmatch(glob, fileName, 0) != 0 { return false }
        if let first = match.firstByte?.utf8.first, head.first != first { return false }
        for needle in match.headContains ?? [] where !ChatText.contains(head, needle) { return false }
        return true
    }

    /// Parses one spec file.
    public static func load(yaml: String) throws -> ChatSpec {
        try YAMLDecoder().decode(ChatSpec.self, from: yaml)
    }

    /// The specs of a `.yaml`/`.yml` file or of every such file in a folder (name order). Failures are returned
    /// beside the specs, with the file named.
    public static func load(path: String) -> (specs: [ChatSpec], problems: [String]) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            return ([], ["--spec \(path) does not exist"])
        }
        var files = [path]
        if isDirectory.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            files = names.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map {
                (path as NSString).appendingPathComponent($0)
            }
        }
        var specs: [ChatSpec] = []
        var problems: [String] = []
        for file in files {
            do {
                specs.append(try load(yaml: try String(contentsOfFile: file, encoding: .utf8)))
            } catch {
                problems.append("spec \(file) cannot be read: \(error)")
            }
        }
        return (specs, problems)
    }

    /// The specs shipped in `adapters/Chat/specs/`.
    public static let builtIn: [ChatSpec] = {
        guard let folder = Bundle.module.resourceURL?.appendingPathComponent("specs").path else { return [] }
        return load(path: folder).specs
    }()
}
