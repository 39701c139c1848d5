import BackfillCore
import Foundation

/// Facebook Messenger / Instagram DM export (`message_1.json`, `message_2.json`, … per thread; newest first).
/// Mojibake (UTF-8 bytes written as `\u00XX`) repaired only where the string is mojibake. One document per thread
/// and day (default) or per file (`--group-by conversation`). See `adapters/Chat/README.md#messenger`.
public struct MessengerAdapter: SourceAdapter {
    public init() {}

    public static let name = "messenger"

    public let descriptor = AdapterDescriptor(
        name: MessengerAdapter.name, family: "chat", fileExtensions: ["json"],
        summary: "Facebook Messenger / Instagram message_N.json (mojibake repaired)", supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        guard head.first == UInt8(ascii: "{") else { return .no }
        if ChatText.contains(head, "\"participants\""), ChatText.contains(head, "\"messages\""),
            ChatText.contains(head, "\"sender_name\"") || ChatText.contains(head, "\"timestamp_ms\"")
                || ChatText.contains(head, "\"thread_path\"")
        {
            return .certain
        }
        let name = probe.fileName.lowercased()
        if name.hasPrefix("message_") && name.hasSuffix(".json") && ChatText.contains(head, "\"participants\"") {
            return .likely
        }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            return SingleObjectReader(input: input, builder: builder) { value in
                Self.convert(value, input: input, builder: builder, context: context)
            }
        }
    }

    /// Repairs a string whose code points are all ≤ U+00FF and whose bytes decode as UTF-8; leaves others alone.
    public static func repair(_ text: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var high = false
        for scalar in text.unicodeScalars {
            guard scalar.value <= 0xFF else { return text }
            if scalar.value >= 0x80 { high = true }
            bytes.append(UInt8(scalar.value))
        }
        guard high, let repaired = String(validating: bytes, as: UTF8.self) else { return text }
        return repaired
    }

    static func convert(_ value: JSONValue, input: SourceInput, builder: ChatDocumentBuilder, context: AdapterContext)
        -> [AdapterOutput]
    {
        guard case .array(let messages)? = value["messages"] else {
            return [
                builder.skip(
                    ChatSkipCode.unexpectedShape, "no \"messages\" array: not a Messenger export file", at: .wholeFile)
            ]
        }
        let title = ChatText.string(value["title"]).map(repair)
        let participants = (value["participants"]?.arrayValue ?? []).compactMap {
            ChatText.string($0["name"]).map(repair)
        }
        let thread =
            ChatText.string(value["thread_path"])
            ?? "h"
            + String(ContentHash.sha256Hex(([title ?? ""] + participants.sorted()).joined(separator: "\n")).prefix(16))
        // Oldest first (the file is newest first).
        var indexed: [(index: Int, time: Double, message: JSONValue)] = []
        for (index, message) in messages.enumerated() {
            indexed.append((index + 1, message["timestamp_ms"]?.doubleValue ?? 0, message))
        }
        indexed.sort { ($0.time, -$0.index) < ($1.time, -$1.index) }

        let grouper = DayGrouper(builder: builder, context: context, base: "messenger:\(thread)")
        var metadata: [String: JSONValue] = ["thread": .string(thread)]
        if let title { metadata["title"] = .string(title) }
        if !participants.isEmpty { metadata["thread_participants"] = .array(participants.map { .string($0) }) }
        grouper.metadata = metadata
        // Days can straddle message_N.json files: each day's id carries its first message's time, so the two
        // halves never share an id.
        grouper.suffixFirstTime = true
        if let title { grouper.preamble = "Messenger: \(title)" }
        var outputs: [AdapterOutput] = []
        for item in indexed {
            let message = item.message
            var pieces: [String] = []
            if let content = ChatText.string(message["content"]) { pieces.append(repair(content)) }
            for (key, label) in [
                ("photos", "photo"), ("videos", "video"), ("audio_files", "audio"), ("gifs", "gif"), ("files", "file"),
            ] {
                let count = message[key]?.arrayValue?.count ?? 0
                if count > 0 { pieces.append(count == 1 ? "[\(label)]" : "[\(count) \(label)s]") }
            }
            if let sticker = message["sticker"], sticker != .null { pieces.append("[sticker]") }
            if let link = ChatText.string(message["share"]?["link"]) { pieces.append("[link: \(repair(link))]") }
            guard !pieces.isEmpty else { continue }
            let speaker = ChatText.string(message["sender_name"]).map(repair) ?? "unknown"
            let time = item.time > 0 ? ChatText.date(secondsSince1970: item.time / 1000) : nil
            outputs += grouper.add(
                ChatTurn(speaker: speaker, text: pieces.joined(separator: "\n"), time: time),
                position: RecordPosition(recordIndex: item.index))
        }
        outputs += grouper.flush()
        if outputs.isEmpty {
            return [
                builder.skip(
                    ChatSkipCode.emptyConversation, "no message with content in this file; nothing to import",
                    at: .wholeFile)
            ]
        }
        return outputs
    }
}
