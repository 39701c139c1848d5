import BackfillCore
import Foundation

/// ChatGPT data export: `conversations.json` (or the sharded `conversations-NNN.json`), a JSON array of
/// conversations whose messages form a tree (`mapping`). One `ai-chat-conversation` per conversation, following the
/// displayed thread: from `current_node` up through `parent` links — never every branch, never sorted by time.
/// Streamed one conversation at a time. See `adapters/Chat/README.md#chatgpt`.
public struct ChatGPTAdapter: SourceAdapter {
    public init() {}

    public static let name = "chatgpt"

    public let descriptor = AdapterDescriptor(
        name: ChatGPTAdapter.name, family: "chat", fileExtensions: ["json"],
        summary:
            "ChatGPT export conversations.json / conversations-NNN.json (the displayed thread of each conversation)",
        supportsCursor: true)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        guard head.first == UInt8(ascii: "[") else { return .no }
        if ChatText.contains(head, "\"mapping\""),
            ChatText.contains(head, "\"current_node\"") || ChatText.contains(head, "\"children\"")
        {
            return .certain
        }
        let name = probe.fileName.lowercased()
        let conversationsName = name.hasPrefix("conversations") && name.hasSuffix(".json")
        if conversationsName && ChatText.contains(head, "\"mapping\"") { return .likely }
        if conversationsName
            && head.dropFirst().drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }).first
                == UInt8(ascii: "]")
        {
            return .possible
        }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            return ArrayExportReader(
                input: input, builder: builder, cursor: cursor, parallelJobs: context.parseJobs
            ) { value, element, after in
                Self.convert(value, element: element, cursorAfter: after, builder: builder, context: context)
            }
        }
    }

    static func convert(
        _ value: JSONValue, element: JSONArrayStream.Element, cursorAfter: SourceCursor, builder: ChatDocumentBuilder,
        context: AdapterContext
    ) -> [AdapterOutput] {
        let position = RecordPosition(byteOffset: element.offset, recordIndex: element.index)
        guard case .object(let conversation) = value else {
            return [
                builder.skip(
                    ChatSkipCode.unexpectedShape,
                    "conversation \(element.index) is a JSON \(value.kindName), not an object; skipped", at: position)
            ]
        }
        let title = ChatText.string(conversation["title"])
        guard case .object(let mapping)? = conversation["mapping"] else {
            return [
                builder.skip(
                    ChatSkipCode.unexpectedShape,
                    "conversation \(element.index) (\(title ?? "untitled")) has no \"mapping\" object: not a ChatGPT conversation; skipped",
                    at: position)
            ]
        }
        let conversationID =
            ChatText.string(conversation["id"]) ?? ChatText.string(conversation["conversation_id"])
        let baseID =
            conversationID.map { "chatgpt:\($0)" }
            ?? DocumentID.contentHash(prefix: "chatgpt", content: element.bytes)

        let (path, notes) = Self.displayedThread(conversation, mapping: mapping)
        let (turns, found) = Self.turns(path)
        guard !turns.isEmpty else {
            return [
                builder.skip(
                    ChatSkipCode.emptyConversation,
                    "conversation \(element.index) (\(title ?? "untitled")) has no visible message on its displayed thread; nothing to import",
                    at: position)
            ]
        }
        var metadata = notes
        if let title { metadata["title"] = .string(title) }
        if let conversationID { metadata["conversation_id"] = .string(conversationID) }
        metadata["turns"] = .integer(Int64(turns.count))
        if let updated = ChatText.epoch(conversation["update_time"]) {
            metadata["updated_at"] = .string(Timestamp.format(updated))
        }
        if let model = ChatText.string(conversation["default_model_slug"]) {
            metadata["model"] = .string(model)
        } else if let model = found.models.sorted().first {
            metadata["model"] = .string(model)
        }
        if let gizmo = ChatText.string(conversation["gizmo_id"]) { metadata["gizmo_id"] = .string(gizmo) }
        if conversation["is_archived"] == .bool(true) { metadata["archived"] = true }
        if found.hidden > 0 { metadata["hidden_messages"] = .integer(Int64(found.hidden)) }
        if !found.unknown.isEmpty {
            metadata["unknown_content_types"] = .array(found.unknown.sorted().map { .string($0) })
        }
        if !found.skipped.isEmpty {
            metadata["omitted_content_types"] = .array(found.skipped.sorted().map { .string($0) })
        }
        let created = ChatText.epoch(conversation["create_time"])
        let chat = ChatConversation(
            id: baseID, type: .aiChatConversation, turns: turns, createdAt: created, metadata: metadata,
            position: position)
        return builder.outputs(chat, cursorAfter: cursorAfter)
    }

    /// The displayed thread: `current_node` up to the root through `parent` links, in reading order; notes on a
    /// missing current node or a broken link.
    static func displayedThread(_ conversation: [String: JSONValue], mapping: [String: JSONValue]) -> (
        [[String: JSONValue]], notes: [String: JSONValue]
    ) {
        var path: [[String: JSONValue]] = []
        var notes: [String: JSONValue] = [:]
        var node = ChatText.string(conversation["current_node"])
        if node == nil {
            node = Self.lastLeaf(mapping)
            notes["current_node_missing"] = true
        }
        var visited = Set<String>()
        while let id = node, !visited.contains(id) {
            visited.insert(id)
            guard case .object(let entry)? = mapping[id] else {
                notes["broken_parent_link"] = .string(id)
                break
            }
            if case .object(let message)? = entry["message"] { path.append(message) }
            node = ChatText.string(entry["parent"])
        }
        path.reverse()
        return (path, notes)
    }

    /// What a thread's messages held besides their turns: hidden messages, content types and models.
    struct ThreadFindings {
        var hidden = 0
        var unknown = Set<String>()
        var skipped = Set<String>()
        var models = Set<String>()
    }

    /// The visible turns of a thread's messages.
    static func turns(_ path: [[String: JSONValue]]) -> ([ChatTurn], ThreadFindings) {
        var turns: [ChatTurn] = []
        var found = ThreadFindings()
        for message in path {
            let metadata = message["metadata"]?.objectValue ?? [:]
            if metadata["is_visually_hidden_from_conversation"] == .bool(true) {
                found.hidden += 1
                continue
            }
            let role = message["author"]?["role"]?.stringValue ?? "unknown"
            let authorName = ChatText.string(message["author"]?["name"])
            let content = message["content"]?.objectValue ?? [:]
            let contentType = content["content_type"]?.stringValue ?? "text"
            guard let text = Self.text(of: content, type: contentType, unknown: &found.unknown, skipped: &found.skipped)
            else { continue }
            if role == "system" && text.isEmpty { continue }
            if text.isEmpty { continue }
            if let slug = ChatText.string(metadata["model_slug"]) { found.models.insert(slug) }
            let speaker: String
            switch role {
            case "user": speaker = "User"
            case "assistant": speaker = "Assistant"
            case "system": speaker = "System"
            case "tool": speaker = authorName.map { "Tool (\($0))" } ?? "Tool"
            default: speaker = role.prefix(1).uppercased() + role.dropFirst()
            }
            turns.append(ChatTurn(speaker: speaker, text: text, time: ChatText.epoch(message["create_time"])))
        }
        return (turns, found)
    }

    /// The text of a message's content; nil when the type carries nothing to import (reasoning, memory edits).
    static func text(
        of content: [String: JSONValue], type: String, unknown: inout Set<String>, skipped: inout Set<String>
    ) -> String? {
        func partsText() -> String? {
            guard case .array(let parts)? = content["parts"] else { return nil }
            var pieces: [String] = []
            for part in parts {
                switch part {
                case .string(let s): if !s.isEmpty { pieces.append(s) }
                case .object(let object):
                    let kind = object["content_type"]?.stringValue ?? "object"
                    switch kind {
                    case "audio_transcription":
                        if let t = ChatText.string(object["text"]) { pieces.append(t) }
                    case "image_asset_pointer": pieces.append("[image]")
                    case "audio_asset_pointer", "real_time_user_audio_video_asset_pointer": pieces.append("[audio]")
                    default:
                        if let t = ChatText.string(object["text"]) {
                            pieces.append(t)
                        } else {
                            pieces.append("[\(kind)]")
                        }
                    }
                default: continue
                }
            }
            return pieces.joined(separator: "\n")
        }
        switch type {
        case "text", "multimodal_text":
            return ChatText.trimmed(partsText() ?? content["text"]?.stringValue ?? "")
        case "code":
            guard let code = content["text"]?.stringValue, !ChatText.trimmed(code).isEmpty else { return "" }
            let language = content["language"]?.stringValue.flatMap { $0 == "unknown" ? nil : $0 } ?? ""
            return "```\(language)\n\(code)\n```"
        case "execution_output", "system_error":
            return ChatText.trimmed(content["text"]?.stringValue ?? "")
        case "tether_quote":
            let title = ChatText.string(content["title"]).map { "\($0)\n" } ?? ""
            return ChatText.trimmed(title + (content["text"]?.stringValue ?? ""))
        case "tether_browsing_display":
            return ChatText.trimmed(content["summary"]?.stringValue ?? content["result"]?.stringValue ?? "")
        case "thoughts", "reasoning_recap", "model_editable_context", "user_editable_context":
            skipped.insert(type)
            return nil
        default:
            // Tolerated: take whatever text it carries.
            unknown.insert(type)
            if let text = partsText(), !text.isEmpty { return ChatText.trimmed(text) }
            return ChatText.trimmed(content["text"]?.stringValue ?? "")
        }
    }

    /// Without `current_node`: from the root, the last child at each step (the export's newest branch).
    static func lastLeaf(_ mapping: [String: JSONValue]) -> String? {
        guard
            var node = mapping.first(where: { entry in
                entry.value["parent"] == nil || entry.value["parent"] == .null
            })?.key
        else { return nil }
        var steps = 0
        while let children = mapping[node]?["children"]?.arrayValue, let last = children.last?.stringValue,
            steps < mapping.count
        {
            node = last
            steps += 1
        }
        return node
    }
}
