import BackfillClean
import BackfillCore
import Foundation

/// Telegram Desktop "machine-readable JSON" export (`result.json`): a single chat (`{name, type, id, messages}`),
/// streamed message by message, or a full account (`{…, chats: {list: [chat, …]}}`), streamed chat by chat.
/// Text from `text_entities` (formatted messages included), dates from `date_unixtime`. One document per chat and
/// day (default) or per chat (`--group-by conversation`). See `adapters/Chat/README.md#telegram`.
public struct TelegramAdapter: SourceAdapter {
    public init() {}

    public static let name = "telegram"

    public let descriptor = AdapterDescriptor(
        name: TelegramAdapter.name, family: "chat", fileExtensions: ["json"],
        summary: "Telegram Desktop result.json (single chat or full account export)", supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        guard head.first == UInt8(ascii: "{") else { return .no }
        if ChatText.contains(head, "\"date_unixtime\"") && ChatText.contains(head, "\"messages\"") { return .certain }
        if ChatText.contains(head, "\"personal_information\"") || ChatText.contains(head, "\"frequent_contacts\"") {
            return .certain
        }
        if ChatText.contains(head, "\"chats\"") && ChatText.contains(head, "\"list\"") { return .likely }
        if probe.fileName.lowercased() == "result.json",
            ChatText.contains(head, "\"personal_chat\"") || ChatText.contains(head, "\"private_group\"")
                || ChatText.contains(head, "\"messages\"")
        {
            return .likely
        }
        return .no
    }

    static func isAccount(_ head: ArraySlice<UInt8>) -> Bool {
        !(ChatText.contains(head, "\"messages\"") && !ChatText.contains(head, "\"chats\""))
            && (ChatText.contains(head, "\"chats\"") || ChatText.contains(head, "\"personal_information\"")
                || ChatText.contains(head, "\"about\""))
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            let quotes = ChatQuotes(context: context)
            let head = (try? input.open().read(maxLength: SourceProbe.headLength)) ?? []
            if Self.isAccount(head[...]) {
                return ArrayExportReader(
                    input: input, builder: builder, path: ["chats", "list"], cursor: nil, what: "chat"
                ) {
                    value, element, _, _ in
                    let grouper = DayGrouper(builder: builder, context: context, base: "")
                    Self.setUp(grouper, chat: value, index: element.index)
                    var outputs: [AdapterOutput] = []
                    for (offset, message) in (value["messages"]?.arrayValue ?? []).enumerated() {
                        if let turn = Self.turn(message, quotes: quotes) {
                            outputs += grouper.add(
                                turn, position: RecordPosition(byteOffset: element.offset, recordIndex: offset + 1))
                        }
                    }
                    outputs += grouper.flush()
                    if outputs.isEmpty {
                        return [
                            builder.skip(
                                ChatSkipCode.emptyConversation,
                                "chat \(element.index) (\(value["name"]?.stringValue ?? "unnamed")) has no message from a person; nothing to import",
                                at: RecordPosition(byteOffset: element.offset, recordIndex: element.index))
                        ]
                    }
                    return outputs
                }
            }
            let grouper = DayGrouper(builder: builder, context: context, base: "")
            var ready = false
            return ArrayExportReader(
                input: input, builder: builder, path: ["messages"], cursor: nil, what: "message",
                convert: { message, element, _, stream in
                    if !ready {
                        ready = true
                        let chat = JSONValue.object(
                            [
                                "name": stream.sibling("name") ?? .null, "type": stream.sibling("type") ?? .null,
                                "id": stream.sibling("id") ?? .null,
                            ])
                        Self.setUp(grouper, chat: chat, index: 0)
                    }
                    guard let turn = Self.turn(message, quotes: quotes) else { return [] }
                    return grouper.add(
                        turn, position: RecordPosition(byteOffset: element.offset, recordIndex: element.index))
                },
                finish: { _ in grouper.flush() })
        }
    }

    static func setUp(_ grouper: DayGrouper, chat: JSONValue, index: Int) {
        let id: String
        switch chat["id"] {
        case .integer(let n)?: id = String(n)
        case .string(let s)?: id = s
        default: id = "chat-\(index)"
        }
        grouper.base = "telegram:\(id)"
        var metadata: [String: JSONValue] = ["chat_id": .string(id)]
        if let name = ChatText.string(chat["name"]) { metadata["chat"] = .string(name) }
        if let type = ChatText.string(chat["type"]) { metadata["chat_type"] = .string(type) }
        grouper.metadata = metadata
        if let name = ChatText.string(chat["name"]) { grouper.preamble = "Telegram chat: \(name)" }
    }

    /// A person's message as a turn; nil for service messages and empty ones. With `--strip quotes` its block
    /// quotes are left out; a message that was nothing but a quote becomes `[quote]`, so it is seen, not lost.
    static func turn(_ message: JSONValue, quotes: ChatQuotes = ChatQuotes(enabled: false)) -> ChatTurn? {
        guard message["type"]?.stringValue ?? "message" == "message" else { return nil }
        var pieces: [String] = []
        if let forwarded = ChatText.string(message["forwarded_from"]) { pieces.append("[forwarded from \(forwarded)]") }
        if let reply = message["reply_to_message_id"], reply != .null {
            let id: String
            switch reply {
            case .integer(let n): id = String(n)
            default: id = reply.stringValue ?? "?"
            }
            pieces.append("[reply to message \(id)]")
        }
        let (text, stripped) = Self.text(message, quotes: quotes)
        if !text.isEmpty {
            pieces.append(text)
        } else if !stripped.isEmpty {
            pieces.append(ChatQuotes.onlyQuoted)
        }
        if message["photo"] != nil { pieces.append("[photo]") }
        if let mediaType = ChatText.string(message["media_type"]) {
            let emoji = ChatText.string(message["sticker_emoji"]).map { " \($0)" } ?? ""
            pieces.append("[\(mediaType.replacingOccurrences(of: "_", with: " "))\(emoji)]")
        } else if let file = ChatText.string(message["file_name"]) ?? ChatText.string(message["file"]),
            message["file"] != nil
        {
            pieces.append("[file: \((file as NSString).lastPathComponent)]")
        }
        if let poll = ChatText.string(message["poll"]?["question"]) { pieces.append("[poll: \(poll)]") }
        guard !pieces.isEmpty, !(pieces.count == 1 && pieces[0].hasPrefix("[reply to")) else { return nil }
        let speaker = ChatText.string(message["from"]) ?? ChatText.string(message["from_id"]) ?? "unknown"
        var time = ChatText.epoch(message["date_unixtime"])
        if time == nil, let date = ChatText.string(message["date"]) {
            // Naive local time: read as UTC (only when date_unixtime is missing).
            time = Timestamp.parse(date + "Z")
        }
        return ChatTurn(speaker: speaker, text: pieces.joined(separator: "\n"), time: time, stripped: stripped)
    }

    /// `text_entities` joined (robust for formatted messages), else `text` as a string or an array of strings and
    /// `{type, text}` objects; with `--strip quotes`, without the `blockquote` entities (and what they held).
    static func text(_ message: JSONValue, quotes: ChatQuotes) -> (String, StripCounts) {
        if case .array(let entities)? = message["text_entities"], !entities.isEmpty {
            let (text, counts) = quotes.telegramEntities(entities)
            return (ChatText.trimmed(text), counts)
        }
        switch message["text"] {
        case .string(let s)?: return (ChatText.trimmed(s), StripCounts())
        case .array(let parts)?:
            let objects = parts.map { part -> JSONValue in
                if case .string = part { return .object(["type": "plain", "text": part]) }
                return part
            }
            let (text, counts) = quotes.telegramEntities(objects)
            return (ChatText.trimmed(text), counts)
        default: return ("", StripCounts())
        }
    }
}
