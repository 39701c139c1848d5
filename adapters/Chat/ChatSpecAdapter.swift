import BackfillCore
import Foundation

/// Any JSON/JSONL chat log described by a declarative YAML ``ChatSpec``: the built-in ones in
/// `adapters/Chat/specs/`, and the user's from `--spec FILE|FOLDER` (tried first). See
/// `adapters/Chat/README.md#declarative-specs`.
public struct ChatSpecAdapter: SourceAdapter {
    public static let name = "chat-spec"

    private let specs: [ChatSpec]

    /// - Parameter extraSpecs: specs sniffed beside the built-in ones (e.g. loaded from `--spec` by the caller).
    public init(extraSpecs: [ChatSpec] = []) {
        specs = extraSpecs + ChatSpec.builtIn
    }

    public var descriptor: AdapterDescriptor {
        AdapterDescriptor(
            name: Self.name, family: "chat", fileExtensions: ["json", "jsonl"],
            summary: "JSON/JSONL chat logs described by a YAML spec (built-in: "
                + ChatSpec.builtIn.map(\.name).joined(separator: ", ") + "; more with --spec)",
            supportsCursor: false)
    }

    public func sniff(_ probe: SourceProbe) -> SniffConfidence {
        let head = probe.trimmedHead
        for spec in specs where spec.matches(fileName: probe.fileName, head: head) {
            if (spec.match.headContains ?? []).isEmpty { return .possible }
            // A first byte plus every required key: a signature.
            return spec.match.firstByte == nil ? .likely : .certain
        }
        // Any other JSON file: specs given with --spec are matched at read time (sniffing cannot see them); one
        // that none matches is reported as `no_spec_matches` rather than left unexplained.
        return probe.hasExtension("json") ? .possible : .no
    }

    public func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs
    {
        let builtIn = specs
        return AdapterOutputs {
            let builder = ChatDocumentBuilder(adapter: Self.name, input: SourceInputInfo(input), context: context)
            var candidates: [ChatSpec] = []
            var problems: [AdapterOutput] = []
            if let path = context.options["spec"] {
                let loaded = ChatSpec.load(path: path)
                candidates += loaded.specs
                problems += loaded.problems.map { builder.skip(ChatSkipCode.invalidSpec, $0, at: .wholeFile) }
            }
            candidates += builtIn
            var head: [UInt8] = (try? input.open().read(maxLength: SourceProbe.headLength)) ?? []
            if head.starts(with: [0xEF, 0xBB, 0xBF]) { head.removeFirst(3) }
            let trimmed = head.drop(while: { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 })
            guard let spec = candidates.first(where: { $0.matches(fileName: input.fileName, head: trimmed) }) else {
                return QueueReader(
                    ArrayOnce(
                        problems + [
                            builder.skip(
                                ChatSkipCode.noSpecMatches,
                                "no chat spec matches this file (its name or first bytes); write one and pass --spec (see the Declarative specs section of adapters/Chat/README.md)",
                                at: .wholeFile)
                        ]
                    ).next)
            }
            let mapper = SpecMapper(spec: spec, builder: builder, context: context)
            if spec.records.format.lowercased() == "jsonl" {
                return SpecLinesReader(input: input, mapper: mapper, prefix: problems)
            }
            let path = (spec.records.path ?? "").split(separator: ".").map(String.init)
            var prefix = problems
            return ArrayExportReader(
                input: input, builder: builder, path: path, cursor: nil, what: "record",
                convert: { value, element, _, _ in
                    defer { prefix = [] }
                    return prefix
                        + mapper.add(
                            value, bytes: element.bytes,
                            position: RecordPosition(byteOffset: element.offset, recordIndex: element.index))
                },
                finish: { _ in mapper.flush() })
        }
    }
}

/// Hands out a fixed list once (for `QueueReader`).
final class ArrayOnce {
    private var outputs: [AdapterOutput]?
    init(_ outputs: [AdapterOutput]) { self.outputs = outputs }
    func next() async throws -> [AdapterOutput]? {
        defer { outputs = nil }
        return outputs
    }
}

/// Maps records to conversations following a spec.
final class SpecMapper {
    let spec: ChatSpec
    let builder: ChatDocumentBuilder
    let zone: TimeZone
    let type: DocumentType
    let prefix: String
    private var formatter: DateFormatter?
    // Records-are-messages mode: the conversation being built.
    private var currentKey: String?
    private var currentTurns: [ChatTurn] = []
    private var currentPosition = RecordPosition.wholeFile
    private var currentTitle: String?
    private var seen: [String: Int] = [:]

    init(spec: ChatSpec, builder: ChatDocumentBuilder, context: AdapterContext) {
        self.spec = spec
        self.builder = builder
        zone = context.options["timezone"].flatMap(TimeZone.init(identifier:)) ?? ChatText.utc
        type = DocumentType(spec.documentType ?? DocumentType.aiChatConversation.rawValue)
        prefix = spec.idPrefix ?? spec.name
        if let format = spec.message.timeFormat, !["unix", "unix_ms", "iso8601"].contains(format) {
            let made = DateFormatter()
            made.locale = Locale(identifier: "en_US_POSIX")
            made.timeZone = zone
            made.dateFormat = format
            formatter = made
        }
    }

    private func time(_ value: JSONValue?) -> Date? {
        guard let value, value != .null else { return nil }
        switch spec.message.timeFormat ?? "iso8601" {
        case "unix": return ChatText.epoch(value)
        case "unix_ms": return ChatText.epoch(value, perSecond: 1000)
        case "iso8601":
            if let s = value.stringValue { return Timestamp.parse(s) ?? Timestamp.parse(s + "Z") }
            return ChatText.epoch(value)
        default:
            return value.stringValue.flatMap { formatter?.date(from: $0) }
        }
    }

    private func string(_ value: JSONValue?) -> String? {
        switch value {
        case .string(let s)?: return ChatText.string(.string(s))
        case .integer(let n)?: return String(n)
        case .number(let n)?: return String(n)
        case .array(let parts)?:
            // Content given as parts (strings or {text}).
            let joined = parts.compactMap { $0.stringValue ?? $0["text"]?.stringValue }.joined(separator: "\n")
            return ChatText.string(.string(joined))
        default: return nil
        }
    }

    private func turn(_ message: JSONValue) -> ChatTurn? {
        guard let text = string(message.at(spec.message.text)) else { return nil }
        let rawAuthor =
            spec.message.author.flatMap { string(message.at($0)) } ?? spec.message.defaultAuthor ?? "unknown"
        let author = spec.message.authorLabels?[rawAuthor] ?? rawAuthor
        return ChatTurn(speaker: author, text: text, time: spec.message.time.flatMap { time(message.at($0)) })
    }

    private func uniqueID(_ id: String) -> String {
        if let count = seen[id] {
            seen[id] = count + 1
            return id + "-\(count + 1)"
        }
        seen[id] = 1
        return id
    }

    /// One record: a whole conversation, or a message of the conversation being built.
    func add(_ record: JSONValue, bytes: [UInt8], position: RecordPosition) -> [AdapterOutput] {
        if let messagesPath = spec.conversation?.messages {
            guard case .array(let messages)? = record.at(messagesPath) else {
                return [
                    builder.skip(
                        ChatSkipCode.unexpectedShape,
                        "record \(position.recordIndex ?? 0) has no \"\(messagesPath)\" array (spec \(spec.name)); skipped",
                        at: position)
                ]
            }
            let turns = messages.compactMap(turn)
            let conversationID = spec.conversation?.id.flatMap { string(record.at($0)) }
            guard !turns.isEmpty else {
                return [
                    builder.skip(
                        ChatSkipCode.emptyConversation,
                        "record \(position.recordIndex ?? 0) (\(conversationID ?? "no id")) has no message with text; nothing to import",
                        at: position)
                ]
            }
            let id = uniqueID(
                conversationID.map { "\(prefix):\($0)" } ?? DocumentID.contentHash(prefix: prefix, content: bytes))
            var metadata: [String: JSONValue] = ["spec": .string(spec.name), "turns": .integer(Int64(turns.count))]
            if let conversationID { metadata["conversation_id"] = .string(conversationID) }
            if let title = spec.conversation?.title.flatMap({ string(record.at($0)) }) {
                metadata["title"] = .string(title)
            }
            let created = spec.conversation?.createdAt.flatMap { time(record.at($0)) }
            var chat = ChatConversation(
                id: id, type: type, turns: turns, createdAt: created, metadata: metadata, position: position)
            chat.timeLabels = type == .humanChatConversation
            chat.labelZone = zone
            return builder.outputs(chat, cursorAfter: nil)
        }
        // Records are messages.
        guard let turn = turn(record) else { return [] }
        let key = spec.conversation?.key.flatMap { string(record.at($0)) } ?? ""
        var outputs: [AdapterOutput] = []
        if currentKey != nil && currentKey != key { outputs = flush() }
        if currentKey == nil {
            currentKey = key
            currentPosition = position
            currentTitle = spec.conversation?.title.flatMap { string(record.at($0)) }
        }
        currentTurns.append(turn)
        return outputs
    }

    func flush() -> [AdapterOutput] {
        guard let key = currentKey, !currentTurns.isEmpty else { return [] }
        defer {
            currentKey = nil
            currentTurns = []
        }
        let base: String
        if key.isEmpty {
            let first = currentTurns[0]
            base = DocumentID.contentHash(
                prefix: prefix,
                content: Array("\(first.speaker)\n\(first.text)\n\(first.time.map(Timestamp.format) ?? "")".utf8))
        } else {
            base = "\(prefix):\(key)"
        }
        var metadata: [String: JSONValue] = ["spec": .string(spec.name), "turns": .integer(Int64(currentTurns.count))]
        if !key.isEmpty { metadata["conversation_id"] = .string(key) }
        if let currentTitle { metadata["title"] = .string(currentTitle) }
        var chat = ChatConversation(
            id: uniqueID(base), type: type, turns: currentTurns, createdAt: nil, metadata: metadata,
            position: currentPosition)
        chat.timeLabels = type == .humanChatConversation
        chat.labelZone = zone
        return builder.outputs(chat, cursorAfter: nil)
    }
}

/// JSONL records, one per line.
final class SpecLinesReader: RecordReader {
    private let input: SourceInput
    private let mapper: SpecMapper
    private var lines: LineReader?
    private var queue: [AdapterOutput]
    private var queueIndex = 0
    private var ended = false

    init(input: SourceInput, mapper: SpecMapper, prefix: [AdapterOutput]) {
        self.input = input
        self.mapper = mapper
        self.queue = prefix
    }

    func next() async throws -> AdapterOutput? {
        while queueIndex >= queue.count {
            if ended { return nil }
            queue = try produce()
            queueIndex = 0
        }
        defer { queueIndex += 1 }
        return queue[queueIndex]
    }

    private func produce() throws -> [AdapterOutput] {
        let reader: LineReader
        if let lines {
            reader = lines
        } else {
            reader = LineReader(source: try input.open())
            lines = reader
        }
        while let line = try reader.next() {
            var bytes = line.bytes
            if line.byteOffset == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
            if bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { continue }
            let position = RecordPosition(byteOffset: line.byteOffset, line: line.number, recordIndex: line.number)
            if line.overBudget {
                let budgets = InputBudgets.current
                return [
                    mapper.builder.skip(
                        InputBudgets.Budget.lineBytes.code,
                        "line \(line.number) is longer than \(reader.maxLineBytes) bytes \(budgets.note(.lineBytes)); skipped, the rest goes on",
                        at: position)
                ]
            }
            do {
                let value = try JSONBytesParser.parse(bytes)
                let outputs = mapper.add(value, bytes: Array(bytes), position: position)
                if !outputs.isEmpty { return outputs }
            } catch {
                return [
                    mapper.builder.skip(
                        error.code, "line \(line.number): not valid JSON (\(error.message)); skipped, the rest goes on",
                        at: position)
                ]
            }
        }
        ended = true
        return mapper.flush()
    }
}
