import BackfillClean
import BackfillCore
import Foundation

/// DiscordChatExporter JSON: `{guild, channel, dateRange, exportedAt, messages[], messageCount}`, streamed message
/// by message. Offset-aware timestamps, replies named, attachments/embeds/stickers listed. One document per channel
/// and day (default) or per channel (`--group-by channel|conversation`). See `adapters/Chat/README.md#discord`.
public struct DiscordAdapter: SourceAdapter {
    public init() {}

    public static let name = "discord"

    public let descriptor = AdapterDescriptor(
        name: DiscordAdapter.name, family: "chat", fileExtensions: ["json"],
        summary: "DiscordChatExporter JSON (one channel per file)", supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        guard head.first == UInt8(ascii: "{") else { return .no }
        if ChatText.contains(head, "\"guild\""), ChatText.contains(head, "\"channel\""),
            ChatText.contains(head, "\"messages\"") || ChatText.contains(head, "\"exportedAt\"")
        {
            return .certain
        }
        return .no
    }

    /// Message kinds that are people talking; the rest (joins, pins, calls, boosts) are system notices.
    static let conversational: Set<String> = [
        "Default", "Reply", "ThreadStarterMessage", "ChatInputCommand", "ContextMenuCommand", "0", "19",
    ]

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            let grouper = DayGrouper(builder: builder, context: context, base: "")
            let quotes = ChatQuotes(context: context)
            var ready = false
            var authors: [String: String] = [:]
            var authorOrder: [String] = []
            return ArrayExportReader(
                input: input, builder: builder, path: ["messages"], cursor: nil, what: "message",
                convert: { message, element, _, stream in
                    if !ready {
                        ready = true
                        Self.setUp(grouper, stream: stream, fileName: input.fileName)
                    }
                    let position = RecordPosition(byteOffset: element.offset, recordIndex: element.index)
                    guard case .object = message else {
                        return [builder.notAnObject("message", element.index, at: position)]
                    }
                    let kind = message["type"]?.stringValue ?? "Default"
                    guard Self.conversational.contains(kind) else { return [] }
                    let author = message["author"]
                    let speaker =
                        ChatText.string(author?["nickname"]) ?? ChatText.string(author?["name"])
                        ?? ChatText.string(author?["id"]) ?? "unknown"
                    if let id = message["id"]?.stringValue {
                        authors[id] = speaker
                        authorOrder.append(id)
                        if authorOrder.count > 20000 {
                            for old in authorOrder.prefix(10000) { authors[old] = nil }
                            authorOrder.removeFirst(10000)
                        }
                    }
                    var pieces: [String] = []
                    if let reference = message["reference"]?["messageId"]?.stringValue {
                        pieces.append("[reply to \(authors[reference] ?? "message \(reference)")]")
                    }
                    let stripped = Self.addContent(of: message, to: &pieces, quotes: quotes)
                    guard !(pieces.isEmpty || pieces.allSatisfy { $0.hasPrefix("[reply to") }) else { return [] }
                    let time = ChatText.string(message["timestamp"]).flatMap(Timestamp.parse)
                    return grouper.add(
                        ChatTurn(
                            speaker: speaker, text: pieces.joined(separator: "\n"), time: time, stripped: stripped),
                        position: position)
                },
                finish: { _ in grouper.flush() })
        }
    }

    /// The message's content (without its quotes under `--strip quotes`), attachments, embeds and stickers added to
    /// `pieces`; returns what the quotes held.
    static func addContent(of message: JSONValue, to pieces: inout [String], quotes: ChatQuotes) -> StripCounts {
        var stripped = StripCounts()
        if let content = ChatText.string(message["content"]) {
            let cleaned = quotes.markdown(content)
            stripped = cleaned.counts
            if !cleaned.text.isEmpty {
                pieces.append(cleaned.text)
            } else if !cleaned.counts.isEmpty {
                pieces.append(ChatQuotes.onlyQuoted)
            }
        }
        for attachment in message["attachments"]?.arrayValue ?? [] {
            if let name = ChatText.string(attachment["fileName"]) { pieces.append("[attachment: \(name)]") }
        }
        for embed in message["embeds"]?.arrayValue ?? [] {
            let title = ChatText.string(embed["title"])
            let url = ChatText.string(embed["url"])
            if title != nil || url != nil {
                pieces.append("[embed: \([title, url].compactMap { $0 }.joined(separator: " "))]")
            }
        }
        for sticker in message["stickers"]?.arrayValue ?? [] {
            if let name = ChatText.string(sticker["name"]) { pieces.append("[sticker: \(name)]") }
        }
        return stripped
    }

    static func setUp(_ grouper: DayGrouper, stream: JSONArrayStream, fileName: String) {
        let channel = stream.sibling("channel")
        let guild = stream.sibling("guild")
        let channelID = ChatText.string(channel?["id"]) ?? (fileName as NSString).deletingPathExtension
        grouper.base = "discord:\(channelID)"
        var metadata: [String: JSONValue] = ["channel_id": .string(channelID)]
        if let name = ChatText.string(channel?["name"]) { metadata["channel"] = .string(name) }
        if let category = ChatText.string(channel?["category"]) { metadata["category"] = .string(category) }
        if let name = ChatText.string(guild?["name"]) { metadata["guild"] = .string(name) }
        if let id = ChatText.string(guild?["id"]) { metadata["guild_id"] = .string(id) }
        grouper.metadata = metadata
        let label = [ChatText.string(guild?["name"]), ChatText.string(channel?["name"]).map { "#\($0)" }]
            .compactMap { $0 }.joined(separator: " / ")
        if !label.isEmpty { grouper.preamble = "Discord \(label)" }
    }
}
