import BackfillCore
import Foundation

/// Claude data export: `conversations.json` (a JSON array of conversations with `chat_messages`), and
/// `projects.json` / `projects/<uuid>.json` (projects with their knowledge docs). Streamed one conversation at a
/// time. See `adapters/Chat/README.md#claude`.
public struct ClaudeAdapter: SourceAdapter {
    public init() {}

    public static let name = "claude"

    public let descriptor = AdapterDescriptor(
        name: ClaudeAdapter.name, family: "chat", fileExtensions: ["json"],
        summary: "Claude export conversations.json (content blocks, attachments) and projects.json",
        supportsCursor: true)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        guard let first = head.first else { return .no }
        if first == UInt8(ascii: "["), ChatText.contains(head, "\"chat_messages\""), ChatText.contains(head, "\"uuid\"")
        {
            return .certain
        }
        if Self.looksLikeProject(head) { return .certain }
        return .no
    }

    static func looksLikeProject(_ head: ArraySlice<UInt8>) -> Bool {
        (head.first == UInt8(ascii: "[") || head.first == UInt8(ascii: "{")) && ChatText.contains(head, "\"uuid\"")
            && ChatText.contains(head, "\"docs\"")
            && (ChatText.contains(head, "\"prompt_template\"") || ChatText.contains(head, "\"is_starter_project\""))
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            // A single project object (`projects/<uuid>.json`): small, read whole.
            if let head = try? input.open().read(maxLength: 64).drop(while: {
                $0 <= 0x20 || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF
            }),
                head.first == UInt8(ascii: "{")
            {
                return SingleObjectReader(input: input, builder: builder) { value in
                    Self.project(value, position: .wholeFile, cursorAfter: nil, builder: builder)
                }
            }
            return ArrayExportReader(
                input: input, builder: builder, cursor: cursor, parallelJobs: context.parseJobs
            ) { value, element, after in
                let position = RecordPosition(byteOffset: element.offset, recordIndex: element.index)
                if value["chat_messages"] == nil, value["docs"] != nil {
                    return Self.project(value, position: position, cursorAfter: after, builder: builder)
                }
                return Self.conversation(
                    value, position: position, cursorAfter: after, builder: builder, context: context)
            }
        }
    }

    static func conversation(
        _ value: JSONValue, position: RecordPosition, cursorAfter: SourceCursor, builder: ChatDocumentBuilder,
        context: AdapterContext
    ) -> [AdapterOutput] {
        let index = position.recordIndex ?? 0
        guard case .object(let conversation) = value, let uuid = ChatText.string(conversation["uuid"]) else {
            return [
                builder.skip(
                    ChatSkipCode.unexpectedShape,
                    "conversation \(index) is not an object with a \"uuid\"; skipped (is this a Claude export?)",
                    at: position)
            ]
        }
        let name = ChatText.string(conversation["name"])
        let messages = Self.displayedMessages(conversation)
        let (turns, attachmentNames, fileNames) = Self.turns(messages)
        guard !turns.isEmpty else {
            return [
                builder.skip(
                    ChatSkipCode.emptyConversation,
                    messages.isEmpty
                        ? "conversation \(index) (\(name ?? uuid)) has no messages; nothing to import"
                        : "conversation \(index) (\(name ?? uuid)) has no message with text (content blocks of unknown types are not imported); nothing to import",
                    at: position)
            ]
        }
        var metadata: [String: JSONValue] = ["conversation_id": .string(uuid), "turns": .integer(Int64(turns.count))]
        if let name { metadata["title"] = .string(name) }
        if let summary = ChatText.string(conversation["summary"]) { metadata["summary"] = .string(summary) }
        if let updated = ChatText.string(conversation["updated_at"]).flatMap(Timestamp.parse) {
            metadata["updated_at"] = .string(Timestamp.format(updated))
        }
        if !attachmentNames.isEmpty { metadata["attachments"] = .array(attachmentNames) }
        if !fileNames.isEmpty { metadata["files"] = .array(fileNames) }
        if let project = ChatText.string(conversation["project_uuid"])
            ?? ChatText.string(conversation["project"]?["uuid"])
        {
            metadata["project_id"] = .string(project)
        }
        var chat = ChatConversation(
            id: "claude:\(uuid)", type: .aiChatConversation, turns: turns,
            createdAt: ChatText.string(conversation["created_at"]).flatMap(Timestamp.parse), metadata: metadata,
            position: position)
        if let account = ChatText.string(conversation["account"]?["uuid"]) {
            metadata["account_id"] = .string(account)
            chat.metadata = metadata
            if let identity = context.identities.identity(for: account) {
                chat.userID = identity.userID
                chat.customerID = identity.customerID
            }
        }
        return builder.outputs(chat, cursorAfter: cursorAfter)
    }

    /// The messages shown: on a branched conversation, `current_leaf_message_uuid` up through
    /// `parent_message_uuid` (when both are present); else all of them in order.
    static func displayedMessages(_ conversation: [String: JSONValue]) -> [JSONValue] {
        var messages = conversation["chat_messages"]?.arrayValue ?? []
        // Branches: follow current_leaf_message_uuid up through parent_message_uuid when both are present.
        if let leaf = ChatText.string(conversation["current_leaf_message_uuid"]) {
            var byID: [String: JSONValue] = [:]
            for message in messages { if let id = ChatText.string(message["uuid"]) { byID[id] = message } }
            var chain: [JSONValue] = []
            var node: String? = leaf
            var seen = Set<String>()
            while let id = node, let message = byID[id], !seen.contains(id) {
                seen.insert(id)
                chain.append(message)
                node = ChatText.string(message["parent_message_uuid"])
            }
            if !chain.isEmpty && messages.contains(where: { $0["parent_message_uuid"] != nil }) {
                messages = chain.reversed()
            }
        }
        return messages
    }

    /// The turns of the messages with text (attachments' extracted content included), and the attachments' and
    /// files' names.
    static func turns(_ messages: [JSONValue]) -> ([ChatTurn], attachments: [JSONValue], files: [JSONValue]) {
        var turns: [ChatTurn] = []
        var attachmentNames: [JSONValue] = []
        var fileNames: [JSONValue] = []
        for message in messages {
            let sender = message["sender"]?.stringValue ?? "unknown"
            let speaker = sender == "human" ? "User" : sender == "assistant" ? "Assistant" : sender.capitalized
            var pieces: [String] = []
            for attachment in message["attachments"]?.arrayValue ?? [] {
                let fileName = ChatText.string(attachment["file_name"]) ?? "attachment"
                attachmentNames.append(.string(fileName))
                if let extracted = ChatText.string(attachment["extracted_content"]) {
                    pieces.append("[Attachment: \(fileName)]\n\(extracted)\n[End of attachment]")
                }
            }
            for file in message["files"]?.arrayValue ?? [] {
                if let fileName = ChatText.string(file["file_name"]) { fileNames.append(.string(fileName)) }
            }
            if let text = Self.text(of: message) { pieces.append(text) }
            guard !pieces.isEmpty else { continue }
            let time = ChatText.string(message["created_at"]).flatMap(Timestamp.parse)
            turns.append(ChatTurn(speaker: speaker, text: pieces.joined(separator: "\n\n"), time: time))
        }
        return (turns, attachmentNames, fileNames)
    }

    /// `content[]` text blocks joined (the `text` field is sometimes shortened), else `text`.
    static func text(of message: JSONValue) -> String? {
        var blocks: [String] = []
        for block in message["content"]?.arrayValue ?? [] {
            switch block["type"]?.stringValue {
            case "text"?:
                if let t = ChatText.string(block["text"]) { blocks.append(t) }
            case "tool_use"?:
                blocks.append("[tool use: \(block["name"]?.stringValue ?? "tool")]")
            default: continue  // thinking, tool_result, token_budget: not part of the displayed text
            }
        }
        if !blocks.isEmpty { return blocks.joined(separator: "\n\n") }
        return ChatText.string(message["text"])
    }

    static func project(
        _ value: JSONValue, position: RecordPosition, cursorAfter: SourceCursor?, builder: ChatDocumentBuilder
    ) -> [AdapterOutput] {
        guard let uuid = ChatText.string(value["uuid"]) else {
            return [builder.skip(ChatSkipCode.unexpectedShape, "a project without a \"uuid\"; skipped", at: position)]
        }
        let name = ChatText.string(value["name"]) ?? "Untitled project"
        var sections = ["Project: \(name)"]
        if let description = ChatText.string(value["description"]) { sections.append(description) }
        if let prompt = ChatText.string(value["prompt_template"]) { sections.append("Instructions:\n\(prompt)") }
        var docNames: [JSONValue] = []
        for doc in value["docs"]?.arrayValue ?? [] {
            let fileName = ChatText.string(doc["filename"]) ?? "document"
            docNames.append(.string(fileName))
            if let content = ChatText.string(doc["content"]) { sections.append("[Document: \(fileName)]\n\(content)") }
        }
        var chat = ChatConversation(
            id: "claude-project:\(uuid)", type: .document, turns: [],
            createdAt: ChatText.string(value["created_at"]).flatMap(Timestamp.parse),
            metadata: ["project_id": .string(uuid), "title": .string(name), "kind": "project"], position: position)
        if !docNames.isEmpty { chat.metadata["docs"] = .array(docNames) }
        chat.preamble = sections.joined(separator: "\n\n")
        return builder.outputs(chat, cursorAfter: cursorAfter)
    }
}

/// Reads a small JSON file whole (bounded) and converts its value.
final class SingleObjectReader: RecordReader {
    private let input: SourceInput
    private let builder: ChatDocumentBuilder
    private let convert: (JSONValue) -> [AdapterOutput]
    private let limit: Int
    private var outputs: [AdapterOutput]?
    private var index = 0

    init(
        input: SourceInput, builder: ChatDocumentBuilder, limit: Int = 256 << 20,
        convert: @escaping (JSONValue) -> [AdapterOutput]
    ) {
        self.input = input
        self.builder = builder
        self.limit = limit
        self.convert = convert
    }

    func next() async throws -> AdapterOutput? {
        if outputs == nil {
            let bytes: [UInt8]
            do {
                bytes = try input.open().readAll(limit: limit, file: input.displayPath)
            } catch let error as AdapterError where error.has(SkipCode.fileTooLarge) {
                outputs = [
                    builder.skip(
                        SkipCode.fileTooLarge,
                        "larger than \(limit >> 20) MiB, the limit for a JSON file read whole; split the export",
                        at: .wholeFile)
                ]
                return try await next()
            }
            var slice = bytes[...]
            if slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
            do {
                outputs = convert(try JSONBytesParser.parse(slice))
            } catch {
                outputs = [
                    builder.skip(
                        SkipCode.malformedJSON,
                        "not valid JSON (\(error.message.replacingOccurrences(of: "end of line", with: "end of the file")); columns count bytes from the start); fix or export again",
                        at: .wholeFile)
                ]
            }
        }
        guard let outputs, index < outputs.count else { return nil }
        defer { index += 1 }
        return outputs[index]
    }
}
