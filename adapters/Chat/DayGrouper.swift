import BackfillCore
import Foundation

/// Collects the turns of a human chat read in time order and emits one document per group — a day (default) or
/// the whole conversation (`--group-by conversation|channel`) — as soon as a group is complete.
final class DayGrouper {
    struct Group {
        var key: String
        var turns: [ChatTurn] = []
        var position: RecordPosition
    }

    let builder: ChatDocumentBuilder
    let byConversation: Bool
    let zone: TimeZone
    /// `prefix:{chat id}` → ids `prefix:{chat id}:{day}`.
    var base: String
    var metadata: [String: JSONValue] = [:]
    var preamble: String?
    /// Append `:{first message time in ms}` to day ids.
    var suffixFirstTime = false
    private var current: Group?
    private var seen: [String: Int] = [:]

    init(builder: ChatDocumentBuilder, context: AdapterContext, base: String) {
        self.builder = builder
        self.base = base
        let option = context.options["group-by"]?.lowercased() ?? ""
        byConversation = ["conversation", "channel", "chat"].contains(option)
        zone = context.options["timezone"].flatMap(TimeZone.init(identifier:)) ?? ChatText.utc
    }

    /// Adds a turn; returns the documents of a group it completed.
    func add(_ turn: ChatTurn, position: RecordPosition) -> [AdapterOutput] {
        let key = byConversation ? "" : (turn.time.map { ChatText.day($0, zone: zone) } ?? "undated")
        var outputs: [AdapterOutput] = []
        if let existing = current, existing.key != key {
            outputs = flush()
        }
        if current == nil { current = Group(key: key, position: position) }
        // Past the messages-per-document budget the group is skipped when it ends (one turn over is enough to
        // tell): memory stays bounded by the budget, not by the channel's length.
        if let count = current?.turns.count, count <= builder.maxTurns { current?.turns.append(turn) }
        return outputs
    }

    /// The documents of the group in progress.
    func flush() -> [AdapterOutput] {
        guard let group = current, !group.turns.isEmpty else {
            current = nil
            return []
        }
        current = nil
        var id = group.key.isEmpty ? base : "\(base):\(group.key)"
        if suffixFirstTime, !group.key.isEmpty, let first = group.turns.first?.time {
            id += ":\(Int64((first.timeIntervalSince1970 * 1000).rounded()))"
        }
        if let count = seen[id] {
            seen[id] = count + 1
            id += "-\(count + 1)"
        } else {
            seen[id] = 1
        }
        var metadata = self.metadata
        if !group.key.isEmpty { metadata["day"] = .string(group.key) }
        var participants: [String] = []
        for turn in group.turns where !participants.contains(turn.speaker) { participants.append(turn.speaker) }
        metadata["participants"] = .array(participants.map { .string($0) })
        metadata["messages"] = .integer(Int64(group.turns.count))
        var chat = ChatConversation(
            id: id, type: .humanChatConversation, turns: group.turns, createdAt: group.turns.first?.time,
            metadata: metadata, position: group.position)
        chat.timeLabels = true
        chat.labelZone = zone
        chat.preamble = preamble
        return builder.outputs(chat, cursorAfter: nil)
    }
}
