import BackfillClean
import BackfillCore
import Foundation

/// One turn of a conversation, normalised.
struct ChatTurn {
    var speaker: String
    var text: String
    var time: Date?
    /// What `--strip quotes` removed from this turn (``ChatQuotes``); summed into the document's
    /// `metadata.stripped`.
    var stripped = StripCounts()

    init(speaker: String, text: String, time: Date? = nil, stripped: StripCounts = StripCounts()) {
        self.speaker = speaker
        self.text = text
        self.time = time
        self.stripped = stripped
    }
}

/// A conversation (or a thread, a day of a channel) ready to become one document, or several parts.
struct ChatConversation {
    /// The document id before any `#part-N`.
    var id: String
    var type: DocumentType
    var turns: [ChatTurn]
    /// The source's own date of the conversation; nil: the first turn's, else none.
    var createdAt: Date?
    var metadata: [String: JSONValue] = [:]
    /// Text put before the turns (attachments' extracted content, a channel topic).
    var preamble: String?
    var position: RecordPosition
    var userID: String?
    var customerID: String?
    /// Whether turns carry a `[time]` label (human chats).
    var timeLabels = false
    /// The time zone in which to show turn times.
    var labelZone: TimeZone = TimeZone(identifier: "UTC") ?? .current
    /// Set when the date is not the source's own (e.g. a wall-clock time read as UTC).
    var createdAtFallback: String?
}

/// Builds the documents of a conversation: rendering with speaker labels, one turn per block, and splitting at
/// turn boundaries into `#part-N` documents when the text is over the size limit.
struct ChatDocumentBuilder {
    var adapter: String
    var input: SourceInputInfo
    var maxBytes: Int
    /// Messages in one document (`--max-parts`): a conversation with more is skipped, naming the budget.
    var maxTurns: Int
    var budgets: InputBudgets

    init(adapter: String, input: SourceInputInfo, context: AdapterContext) {
        self.adapter = adapter
        self.input = input
        self.maxBytes = max(1024, context.maxDocumentBytes)
        self.budgets = context.budgets
        self.maxTurns = max(1, context.budgets.maxParts)
    }

    /// The rendered blocks of a conversation.
    static func blocks(of conversation: ChatConversation) -> [String] {
        var blocks: [String] = []
        blocks.reserveCapacity(conversation.turns.count + 1)
        if let preamble = conversation.preamble, !preamble.isEmpty { blocks.append(preamble) }
        var formatter: DateFormatter?
        if conversation.timeLabels {
            let made = DateFormatter()
            made.locale = Locale(identifier: "en_US_POSIX")
            made.timeZone = conversation.labelZone
            made.dateFormat = "yyyy-MM-dd HH:mm"
            formatter = made
        }
        for turn in conversation.turns {
            if let formatter, let time = turn.time {
                blocks.append("[\(formatter.string(from: time))] \(turn.speaker): \(turn.text)")
            } else {
                blocks.append("\(turn.speaker): \(turn.text)")
            }
        }
        return blocks
    }

    /// One document, or parts when over the limit. `cursorAfter` goes on the last one.
    func outputs(_ conversation: ChatConversation, cursorAfter: SourceCursor?) -> [AdapterOutput] {
        if conversation.turns.count > maxTurns {
            let error = budgets.exceeded(
                .parts, "more than \(maxTurns) messages in one document (\(conversation.id))", file: input.displayPath,
                position: conversation.position)
            return [skip(InputBudgets.Budget.parts.code, error.message, at: conversation.position)]
        }
        let parts = self.parts(of: conversation)
        let created = conversation.createdAt ?? conversation.turns.lazy.compactMap(\.time).first
        let stripped = Self.stripped(conversation.turns, parts: parts)
        if parts.count <= 1 {
            let text = parts.first?.text ?? ""
            return [
                .document(
                    document(
                        conversation, id: conversation.id, text: text, created: created,
                        extra: stripped[0].isEmpty ? [:] : ["stripped": stripped[0].metadataValue],
                        cursorAfter: cursorAfter))
            ]
        }
        var outputs: [AdapterOutput] = []
        for (n, part) in parts.enumerated() {
            let partCreated =
                conversation.turns.indices.contains(part.firstTurn)
                ? (conversation.turns[part.firstTurn].time ?? created) : created
            var extra: [String: JSONValue] = [
                "part": .integer(Int64(n + 1)), "parts": .integer(Int64(parts.count)),
                "parent_document_id": .string(conversation.id),
            ]
            if !stripped[n].isEmpty { extra["stripped"] = stripped[n].metadataValue }
            outputs.append(
                .document(
                    document(
                        conversation, id: DocumentID.part(conversation.id, n + 1), text: part.text,
                        created: partCreated, extra: extra, cursorAfter: n == parts.count - 1 ? cursorAfter : nil)))
        }
        return outputs
    }

    /// What `--strip` removed from the turns of each part (at least one entry): a turn counts in the last part that
    /// starts at or before it (a turn cut into pieces counts once).
    static func stripped(_ turns: [ChatTurn], parts: [(text: String, firstTurn: Int)]) -> [StripCounts] {
        var sums = [StripCounts](repeating: StripCounts(), count: max(1, parts.count))
        var part = 0
        for (index, turn) in turns.enumerated() where !turn.stripped.isEmpty {
            while part + 1 < parts.count, parts[part + 1].firstTurn <= index { part += 1 }
            sums[part] = sums[part] + turn.stripped
        }
        return sums
    }

    /// The conversation's blocks packed into parts of at most `maxBytes` (a turn over the limit cut at character
    /// boundaries), each with the index of its first turn.
    func parts(of conversation: ChatConversation) -> [(text: String, firstTurn: Int)] {
        let blocks = Self.blocks(of: conversation)
        let separator = "\n\n"
        var parts: [(text: String, firstTurn: Int)] = []
        var current = ""
        var currentBytes = 0
        var currentFirst = 0
        let hasPreamble = conversation.preamble.map { !$0.isEmpty } ?? false
        for (index, block) in blocks.enumerated() {
            let turnIndex = hasPreamble ? max(0, index - 1) : index
            let size = block.utf8.count
            let needed = currentBytes == 0 ? size : currentBytes + separator.utf8.count + size
            if needed <= maxBytes {
                if currentBytes == 0 { currentFirst = turnIndex } else { current += separator }
                current += block
                currentBytes = needed
                continue
            }
            if currentBytes > 0 {
                parts.append((current, currentFirst))
                current = ""
                currentBytes = 0
            }
            if size <= maxBytes {
                current = block
                currentBytes = size
                currentFirst = turnIndex
            } else {
                // A single turn over the limit: cut it at character boundaries.
                for piece in Self.slices(block, maxBytes: maxBytes) { parts.append((piece, turnIndex)) }
            }
        }
        if currentBytes > 0 { parts.append((current, currentFirst)) }
        return parts
    }

    /// Cuts text into pieces of at most `maxBytes` UTF-8 bytes, between characters.
    static func slices(_ text: String, maxBytes: Int) -> [String] {
        var pieces: [String] = []
        var current = ""
        var bytes = 0
        for character in text {
            let size = character.utf8.count
            if bytes + size > maxBytes && bytes > 0 {
                pieces.append(current)
                current = ""
                bytes = 0
            }
            current.append(character)
            bytes += size
        }
        if bytes > 0 { pieces.append(current) }
        return pieces
    }

    private func document(
        _ conversation: ChatConversation, id: String, text: String, created: Date?, extra: [String: JSONValue],
        cursorAfter: SourceCursor?
    ) -> MemoryDocument {
        var metadata = conversation.metadata
        metadata["source"] = .string(adapter)
        for (key, value) in extra { metadata[key] = value }
        let request = CreateMemoryRequest(
            document: text, documentType: conversation.type, documentID: id,
            documentCreatedAt: created.map(Timestamp.format), userID: conversation.userID,
            customerID: conversation.customerID, metadata: metadata)
        let provenance = Provenance(
            adapter: adapter, file: input.displayPath, archiveEntry: input.archiveEntry,
            position: conversation.position)
        let origin: TimestampOrigin =
            created == nil ? .missing : (conversation.createdAtFallback == nil ? .source : .fallback)
        return MemoryDocument(
            request: request, provenance: provenance, createdAtOrigin: origin,
            createdAtFallback: created == nil ? nil : conversation.createdAtFallback, cursorAfter: cursorAfter)
    }

    /// An element of the export's array that is not an object: skipped alone, `unexpected_shape`.
    func notAnObject(_ what: String, _ index: Int, at position: RecordPosition) -> AdapterOutput {
        skip(ChatSkipCode.unexpectedShape, "\(what) \(index) is not an object; skipped", at: position)
    }

    func skip(_ code: any SkipReason, _ message: String, at position: RecordPosition) -> AdapterOutput {
        .skipped(
            SkippedRecord(adapter: adapter, file: input.displayPath, position: position, code: code, message: message))
    }
}

/// What documents need of their input.
struct SourceInputInfo {
    var displayPath: String
    var archiveEntry: String?
    var fileName: String

    init(_ input: SourceInput) {
        displayPath = input.displayPath
        archiveEntry = input.archiveEntry
        fileName = input.fileName
    }

    init(displayPath: String, archiveEntry: String? = nil, fileName: String) {
        self.displayPath = displayPath
        self.archiveEntry = archiveEntry
        self.fileName = fileName
    }
}

/// Reads pre-computed outputs one at a time from a generator closure (per-file state lives in the closure's
/// reader class).
final class QueueReader: RecordReader {
    private var queue: [AdapterOutput] = []
    private var queueIndex = 0
    private let produce: () async throws -> [AdapterOutput]?

    /// `produce` returns the next outputs (possibly none), or nil at the end.
    init(_ produce: @escaping () async throws -> [AdapterOutput]?) {
        self.produce = produce
    }

    func next() async throws -> AdapterOutput? {
        while queueIndex >= queue.count {
            guard let more = try await produce() else { return nil }
            queue = more
            queueIndex = 0
        }
        defer { queueIndex += 1 }
        return queue[queueIndex]
    }
}

// MARK: - Small helpers

enum ChatText {
    /// Whether `needle` occurs in the bytes.
    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: String) -> Bool {
        let pattern = Array(needle.utf8)
        guard let first = pattern.first, haystack.count >= pattern.count else { return false }
        var index = haystack.startIndex
        while let found = haystack[index...].firstIndex(of: first) {
            if haystack[found...].starts(with: pattern) { return true }
            index = found + 1
        }
        return false
    }

    static func trimmed(_ text: String) -> String { text.whitespaceTrimmed }

    /// `2024-01-05` in the zone.
    static func day(_ date: Date, zone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let parts = calendar.dateComponents([.year, .month, .day], from: date)
        return String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
    }

    static let utc = TimeZone(identifier: "UTC") ?? .current

    /// A number or numeric string as seconds since 1970 (`perSecond`: 1000 for milliseconds).
    static func epoch(_ value: JSONValue?, perSecond: Double = 1) -> Date? {
        switch value {
        case .integer(let n)?: return date(secondsSince1970: Double(n) / perSecond)
        case .number(let n)?: return date(secondsSince1970: n / perSecond)
        case .string(let s)?: return Double(s).flatMap { date(secondsSince1970: $0 / perSecond) }
        default: return nil
        }
    }

    /// Seconds since 1970 as a date, when they fall in the years 1 to 9999 (what ISO 8601 and a millisecond `Int64`
    /// can hold); nil for anything else (`1e300`, `inf`, `nan`), which exports only hold when they are damaged.
    static func date(secondsSince1970 seconds: Double) -> Date? {
        guard seconds.isFinite, (-62_135_596_800...253_402_300_799).contains(seconds) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// The string of a JSON string value, trimmed; nil when empty or not a string.
    static func string(_ value: JSONValue?) -> String? {
        guard case .string(let s)? = value else { return nil }
        let t = trimmed(s)
        return t.isEmpty ? nil : t
    }
}

extension JSONValue {
    /// Follows a dotted path (`author.name`, `messages.0.text`).
    func at(_ path: String) -> JSONValue? {
        if path.isEmpty { return self }
        var current: JSONValue? = self
        for key in path.split(separator: ".") {
            guard let value = current else { return nil }
            if case .array(let array) = value, let index = Int(key) {
                current = array.indices.contains(index) ? array[index] : nil
            } else {
                current = value[String(key)]
            }
        }
        return current
    }
}

/// Parses an element framed by ``JSONArrayStream`` and explains failures with byte offsets.
enum ElementParser {
    struct Problem: Error {
        var message: String
        /// The skip code: `malformed_json`, or the budget's.
        var code: any SkipReason = SkipCode.malformedJSON
    }

    static func parse(_ element: JSONArrayStream.Element) -> Result<JSONValue, Problem> {
        if element.overBudget {
            let budgets = InputBudgets.current
            return .failure(
                Problem(
                    message:
                        "longer than \(budgets.maxLineBytes) bytes \(budgets.note(.lineBytes)), not read — raise --max-line-bytes if it is genuine",
                    code: InputBudgets.Budget.lineBytes.code))
        }
        do {
            return .success(try JSONBytesParser.parse(element.bytes[...]))
        } catch {
            let message = error.message.replacingOccurrences(of: "end of line", with: "end of the element")
            return .failure(
                Problem(
                    message:
                        "not valid JSON: \(message) (columns count bytes from the element's start at byte \(element.offset))",
                    code: error.code))
        }
    }

    /// A scanner failure as a skip message.
    static func describe(_ failure: JSONArrayStream.Failure) -> (code: any SkipReason, offset: Int64, message: String) {
        switch failure {
        case .truncated(let offset):
            return (
                ChatSkipCode.truncatedJSON, offset,
                "the file ends inside a JSON value at byte \(offset): the export is truncated; everything before was read — download the export again to get the rest"
            )
        case .unexpected(let offset, let found, let expected):
            return (
                SkipCode.malformedJSON, offset,
                "found \(found) at byte \(offset) where \(expected) should be; the rest of the file cannot be framed — repair the JSON or export again"
            )
        }
    }
}
