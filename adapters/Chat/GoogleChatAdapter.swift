import BackfillCore
import Foundation

/// Google Chat from Google Takeout: `Google Chat/Groups/{DM …|Space …}/messages.json`, `{"messages": [...]}` with
/// `creator {name, email, user_type}`, `created_date` ("Thursday, November 3, 2016 at 11:59:50 AM UTC"), `text`,
/// `attached_files`, `topic_id`, `message_id`; streamed message by message. One document per conversation and day
/// (default) or per conversation (`--group-by conversation`). The conversation is named by its folder (`DM …`,
/// `Space …`), so the ids are the same from the unpacked Takeout and from its zip. `group_info.json` beside it holds
/// the space's name and members: it is reported as read for its messages' file, not imported on its own. See
/// `adapters/Chat/README.md#google-chat`.
public struct GoogleChatAdapter: SourceAdapter {
    public init() {}

    public static let name = "google-chat"

    public let descriptor = AdapterDescriptor(
        name: GoogleChatAdapter.name, family: "chat", fileExtensions: ["json"],
        summary: "Google Chat from Google Takeout (Groups/*/messages.json)", supportsCursor: false)

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        guard head.first == UInt8(ascii: "{") else { return .no }
        if ChatText.contains(head, "\"messages\""), ChatText.contains(head, "\"creator\""),
            ChatText.contains(head, "\"created_date\"")
        {
            return .certain
        }
        if probe.fileName == "group_info.json", ChatText.contains(head, "\"members\""),
            ChatText.contains(head, "\"user_type\"")
        {
            return .likely
        }
        return .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            if input.fileName == "group_info.json" {
                return SingleOutput(
                    builder.skip(
                        ChatSkipCode.groupInfo,
                        "group_info.json holds the conversation's name and members; its messages are read from messages.json beside it",
                        at: .wholeFile))
            }
            let group = Self.groupID(input.displayPath)
            let grouper = DayGrouper(builder: builder, context: context, base: "google-chat:\(group)")
            grouper.metadata = ["group_id": .string(group)]
            grouper.preamble = "Google Chat \(group.hasPrefix("DM ") ? "direct messages" : group)"
            return ArrayExportReader(
                input: input, builder: builder, path: ["messages"], cursor: nil, what: "message",
                convert: { message, element, _, _ in
                    let position = RecordPosition(byteOffset: element.offset, recordIndex: element.index)
                    guard case .object = message else {
                        return [builder.notAnObject("message", element.index, at: position)]
                    }
                    guard let turn = Self.turn(message) else { return [] }
                    return grouper.add(turn, position: position)
                },
                finish: { _ in grouper.flush() })
        }
    }

    /// The conversation's folder name (`DM k6oxHQAAAAE`, `Space AAAAFyOfy4w`): the parent folder of messages.json.
    static func groupID(_ path: String) -> String {
        let parts = path.split(separator: "/")
        return parts.count >= 2 ? String(parts[parts.count - 2]) : "google-chat"
    }

    /// A message as a turn: its text, attachments named; nil when it holds neither.
    static func turn(_ message: JSONValue) -> ChatTurn? {
        var pieces: [String] = []
        if let text = ChatText.string(message["text"]) { pieces.append(text) }
        for file in message["attached_files"]?.arrayValue ?? [] {
            if let name = ChatText.string(file["original_name"]) ?? ChatText.string(file["export_name"]) {
                pieces.append("[attachment: \(name)]")
            }
        }
        guard !pieces.isEmpty else { return nil }
        let creator = message["creator"]
        var speaker = ChatText.string(creator?["name"]) ?? ChatText.string(creator?["email"]) ?? "unknown"
        if let type = ChatText.string(creator?["user_type"]), type != "Human" { speaker += " (\(type.lowercased()))" }
        let time = ChatText.string(message["created_date"]).flatMap(Self.date)
        return ChatTurn(speaker: speaker, text: pieces.joined(separator: "\n"), time: time)
    }

    static let months = [
        "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november",
        "december",
    ]

    /// "Thursday, November 3, 2016 at 11:59:50 AM UTC" (the weekday optional; a no-break or narrow no-break space
    /// before AM/PM, as newer exports write it; `UTC`, `GMT` or a zone abbreviation Foundation knows). Nil when it is
    /// not that shape or not a real date.
    public static func date(_ text: String) -> Date? {
        var words = text.split(whereSeparator: { $0 == " " || $0 == "\u{00A0}" || $0 == "\u{202F}" || $0 == "," })
            .map { $0.lowercased() }
        if let first = words.first, !months.contains(first) { words.removeFirst() }  // the weekday
        guard words.count >= 6, words[3] == "at", let month = months.firstIndex(of: words[0]),
            let day = Int(words[1]), let year = Int(words[2]), (1...9999).contains(year)
        else { return nil }
        let clock = words[4].split(separator: ":").compactMap { Int($0) }
        guard clock.count == 3 else { return nil }
        var hour = clock[0]
        let meridiem = words[5]
        var zoneIndex = 6
        if meridiem == "am" || meridiem == "pm" {
            guard (1...12).contains(hour) else { return nil }
            hour = hour % 12 + (meridiem == "pm" ? 12 : 0)
        } else {
            zoneIndex = 5
        }
        let zoneName = zoneIndex < words.count ? words[zoneIndex].uppercased() : "UTC"
        let zone: TimeZone? = ["UTC", "GMT", "Z"].contains(zoneName) ? ChatText.utc : TimeZone(abbreviation: zoneName)
        guard let zone else { return nil }
        var components = DateComponents()
        (components.year, components.month, components.day) = (year, month + 1, day)
        (components.hour, components.minute, components.second) = (hour, clock[1], clock[2])
        guard components.isValidDate(in: Self.calendar(zone)), (0..<60).contains(clock[1]), (0..<61).contains(clock[2])
        else { return nil }
        return Self.calendar(zone).date(from: components)
    }

    static func calendar(_ zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }
}

/// A reader with one output.
final class SingleOutput: RecordReader {
    private var output: AdapterOutput?
    init(_ output: AdapterOutput) { self.output = output }
    func next() async throws -> AdapterOutput? {
        defer { output = nil }
        return output
    }
}
