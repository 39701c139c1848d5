import BackfillCore
import BackfillMarkup
import Foundation

final class WhatsAppReader: RecordReader {
    private struct Message {
        var time: Date
        var day: String
        var speaker: String?
        var text: String
        var line: Int
    }

    private let input: SourceInput
    private let context: AdapterContext
    private let builder: ChatDocumentBuilder
    private let parser = WhatsAppLineParser()
    private var outputs: [AdapterOutput] = []
    private var index = 0
    private var done = false
    /// How the lines are decoded: UTF-8 (WhatsApp's own), `--encoding`, or detected from the file's head for an
    /// export re-saved in a legacy charset.
    private var charset = SourceCharset(name: "UTF-8", origin: .detected, confidence: 1)

    init(input: SourceInput, context: AdapterContext) {
        self.input = input
        self.context = context
        self.builder = ChatDocumentBuilder(
            adapter: WhatsAppAdapter.name, input: SourceInputInfo(input), context: context)
    }

    func next() async throws -> AdapterOutput? {
        if !done {
            done = true
            outputs = try readAll()
        }
        guard index < outputs.count else { return nil }
        defer { index += 1 }
        return outputs[index]
    }

    /// Date order from the whole file: a field over 12 decides; else the order with fewer backward jumps.
    private enum Order: String { case dayMonth = "day/month", monthDay = "month/day", yearFirst = "year/month/day" }

    private func lines() throws -> LineReader { LineReader(source: try input.open()) }

    private func text(_ line: LineReader.Line) -> String {
        var bytes = line.bytes
        if line.byteOffset == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        if charset.name == "UTF-8" { return String(decoding: bytes, as: UTF8.self) }
        return Charset.iconvDecode(Array(bytes), from: charset.name) ?? String(decoding: bytes, as: UTF8.self)
    }

    /// The lines' charset: a UTF-8 BOM or valid UTF-8 in the head, else `--encoding`, else detected from the head.
    private func decideCharset() throws -> SourceCharset {
        let source = try input.open()
        var head: [UInt8] = []
        while head.count < 256 * 1024 {
            let chunk = try source.read(maxLength: 64 * 1024)
            if chunk.isEmpty { break }
            head += chunk
        }
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return SourceCharset(name: "UTF-8", origin: .bom, confidence: 1) }
        if let option = context.options["encoding"], !option.trimmingCharacters(in: .whitespaces).isEmpty {
            return SourceCharset(name: Charset.normalise(option), origin: .option, confidence: 1)
        }
        // A head cut inside a character is still UTF-8: judge it up to its last line end.
        let whole = head.count < 256 * 1024
        let judged = whole ? head[...] : head[..<((head.lastIndex(of: 0x0A) ?? head.count - 1) + 1)]
        if String(validating: judged, as: UTF8.self) != nil {
            return SourceCharset(name: "UTF-8", origin: .detected, confidence: 1)
        }
        return Charset.detect(Array(judged)).charset
    }

    private func inferOrder() throws -> (Order, ambiguous: Bool) {
        let reader = try lines()
        var dayFirst = 0
        var monthFirst = 0
        var yearFirst = 0
        var samples: [(Int, Int, Int)] = []
        while let line = try reader.next() {
            guard let header = parser.header(text(line)) else { continue }
            if header.yearFirst { yearFirst += 1; continue }
            if header.a > 12 { dayFirst += 1 }
            if header.b > 12 { monthFirst += 1 }
            if samples.count < 5000 { samples.append((header.a, header.b, header.c)) }
        }
        if yearFirst > 0 && dayFirst == 0 && monthFirst == 0 { return (.yearFirst, false) }
        if dayFirst > 0 && monthFirst == 0 { return (.dayMonth, false) }
        if monthFirst > 0 && dayFirst == 0 { return (.monthDay, false) }
        // Ambiguous (or contradictory): the order in which dates go forward more often.
        func backwards(_ dayFirstOrder: Bool) -> Int {
            var count = 0
            var previous = 0
            for (a, b, c) in samples {
                let (day, month) = dayFirstOrder ? (a, b) : (b, a)
                let key = (c < 100 ? c + 2000 : c) * 10000 + month * 100 + day
                if key < previous { count += 1 }
                previous = key
            }
            return count
        }
        let dm = backwards(true)
        let md = backwards(false)
        return (md < dm ? .monthDay : .dayMonth, dm == md)
    }

    private func date(_ header: WhatsAppHeader, order: Order, zone: TimeZone) -> Date? {
        var year: Int
        var month: Int
        var day: Int
        switch order {
        case .yearFirst: (year, month, day) = (header.a, header.b, header.c)
        case .dayMonth: (day, month, year) = (header.a, header.b, header.c)
        case .monthDay: (month, day, year) = (header.a, header.b, header.c)
        }
        if header.yearFirst { (year, month, day) = (header.a, header.b, header.c) }
        if year < 100 { year += 2000 }
        var hour = header.hour
        if let meridiem = header.meridiem {
            guard (1...12).contains(hour) else { return nil }
            if meridiem == "p" && hour < 12 { hour += 12 }
            if meridiem == "a" && hour == 12 { hour = 0 }
        }
        guard (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour),
            (0...59).contains(header.minute),
            (0...59).contains(header.second)
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        let components = DateComponents(
            year: year, month: month, day: day, hour: hour, minute: header.minute, second: header.second)
        guard calendar.date(from: components).map({ calendar.component(.day, from: $0) == day }) == true else {
            return nil
        }
        return calendar.date(from: components)
    }

    static let mediaMarkers = [
        "<Media omitted>", "<Médias omis>", "<Medien ausgeschlossen>", "<Multimedia omitido>", "image omitted",
        "video omitted", "audio omitted", "sticker omitted", "GIF omitted", "document omitted", "Contact card omitted",
    ]
    /// Notices WhatsApp attributes to the chat itself (iOS puts the chat's name before them).
    static let systemPrefixes = [
        "Messages and calls are end-to-end encrypted", "Messages to this group are now secured",
        "Nachrichten und Anrufe sind Ende-zu-Ende-verschlüsselt", "Los mensajes y las llamadas están cifrados",
        "Les messages et les appels sont chiffrés",
    ]
    static let deletedMarkers = [
        "This message was deleted", "You deleted this message", "Diese Nachricht wurde gelöscht",
        "Se eliminó este mensaje",
    ]

    private func readAll() throws -> [AdapterOutput] {
        var outputs: [AdapterOutput] = []
        let (zone, zoneFallback) = timeZone(&outputs)
        charset = try decideCharset()
        let (order, ambiguous) = try inferOrder()
        let (messages, chatKeyLine) = try readMessages(order: order, zone: zone, outputs: &outputs)
        let (turns, systemLines, media) = Self.turns(messages)
        guard let chatKeyLine, !turns.isEmpty else {
            outputs.append(
                builder.skip(
                    ChatSkipCode.emptyConversation,
                    messages.isEmpty
                        ? "no WhatsApp message line found; nothing to import"
                        : "only system lines, no message from a person; nothing to import", at: .wholeFile))
            return outputs
        }
        let chatKey = String(ContentHash.sha256Hex(chatKeyLine).prefix(16))
        var chatName: String?
        let base = (input.fileName as NSString).deletingPathExtension
        for prefix in ["WhatsApp Chat with ", "WhatsApp Chat - ", "WhatsApp-Chat mit ", "Chat de WhatsApp con "]
        where base.hasPrefix(prefix) {
            chatName = String(base.dropFirst(prefix.count))
        }
        var common: [String: JSONValue] = ["chat_key": .string(chatKey), "date_order": .string(order.rawValue)]
        if ambiguous { common["date_order_ambiguous"] = true }
        if let chatName { common["chat"] = .string(chatName) }
        common["timezone"] = .string(zone.identifier)
        if systemLines > 0 { common["system_lines"] = .integer(Int64(systemLines)) }
        if media > 0 { common["media_placeholders"] = .integer(Int64(media)) }
        outputs += documents(turns, chatKey: chatKey, common: common, zone: zone, zoneFallback: zoneFallback)
        return outputs.map { output in
            guard case .document(var document) = output else { return output }
            document.charset = charset
            return .document(document)
        }
    }

    /// `--timezone`, or UTC with the fallback note (and a skip naming an unknown zone).
    private func timeZone(_ outputs: inout [AdapterOutput]) -> (TimeZone, fallback: String?) {
        guard let name = context.options["timezone"] else {
            return (ChatText.utc, "wall-clock time read as UTC (no --timezone given)")
        }
        if let found = TimeZone(identifier: name) { return (found, nil) }
        outputs.append(
            builder.skip(
                ChatSkipCode.unknownTimezone,
                "--timezone '\(name)' is not an IANA zone name (e.g. Europe/Berlin); times are read as UTC",
                at: .wholeFile))
        return (ChatText.utc, "wall-clock time read as UTC (no --timezone given)")
    }

    /// The messages of the file in order (continuation lines joined), and the first header line (the chat's key).
    private func readMessages(order: Order, zone: TimeZone, outputs: inout [AdapterOutput]) throws -> (
        [Message], chatKeyLine: String?
    ) {
        let reader = try lines()
        var messages: [Message] = []
        var chatKeyLine: String?
        var pendingBad: (line: Int, text: String)?
        while let line = try reader.next() {
            if line.overBudget {
                let budgets = InputBudgets.current
                outputs.append(
                    builder.skip(
                        InputBudgets.Budget.lineBytes.code,
                        "line \(line.number) is longer than \(reader.maxLineBytes) bytes \(budgets.note(.lineBytes)); it is not read, the rest goes on",
                        at: RecordPosition(byteOffset: line.byteOffset, line: line.number)))
                continue
            }
            let raw = text(line)
            if let header = parser.header(raw) {
                pendingBad = nil
                guard let time = date(header, order: order, zone: zone) else {
                    outputs.append(
                        builder.skip(
                            ChatSkipCode.unrecognisedLine,
                            "line \(line.number): a message header with an impossible date or time (read as \(order.rawValue)); the message is skipped — check the line",
                            at: RecordPosition(byteOffset: line.byteOffset, line: line.number)))
                    pendingBad = (line.number, raw)
                    continue
                }
                if chatKeyLine == nil { chatKeyLine = WhatsAppLineParser.clean(raw) }
                let (speaker, body) = Self.speakerAndBody(header.rest)
                messages.append(
                    Message(
                        time: time, day: ChatText.day(time, zone: zone), speaker: speaker, text: body, line: line.number
                    ))
            } else if pendingBad != nil {
                continue  // continuation of a skipped message
            } else if !messages.isEmpty {
                messages[messages.count - 1].text += "\n" + WhatsAppLineParser.clean(raw)
            } else if !ChatText.trimmed(raw).isEmpty {
                outputs.append(
                    builder.skip(
                        ChatSkipCode.unrecognisedLine,
                        "line \(line.number): text before the first message that is not a WhatsApp message line; skipped",
                        at: RecordPosition(byteOffset: line.byteOffset, line: line.number)))
            }
        }
        return (messages, chatKeyLine)
    }

    /// What follows a header's date and time: `Name: text`, or a system line without a speaker.
    private static func speakerAndBody(_ headerRest: String) -> (speaker: String?, body: String) {
        var rest = headerRest
        if rest.hasPrefix("~ ") { rest.removeFirst(2) }
        var speaker: String?
        var body = rest
        if let colon = rest.range(of: ": ")
            ?? (rest.hasSuffix(":") ? rest.range(of: ":", options: .backwards) : nil)
        {
            let name = rest[..<colon.lowerBound]
            if name.count <= 80 && !name.contains("\"") {
                speaker = ChatText.trimmed(String(name))
                body = String(rest[colon.upperBound...])
            }
        }
        return (speaker, body)
    }

    /// Turns: system lines and deleted messages out, media placeholders made uniform.
    private static func turns(_ messages: [Message]) -> (
        turns: [(Message, ChatTurn)], systemLines: Int, media: Int
    ) {
        var turns: [(Message, ChatTurn)] = []
        var systemLines = 0
        var media = 0
        for message in messages {
            guard let speaker = message.speaker else {
                systemLines += 1
                continue
            }
            var body = ChatText.trimmed(WhatsAppLineParser.clean(message.text))
            if Self.deletedMarkers.contains(body) || Self.systemPrefixes.contains(where: { body.hasPrefix($0) }) {
                systemLines += 1
                continue
            }
            if Self.mediaMarkers.contains(where: { body.caseInsensitiveCompare($0) == .orderedSame }) {
                media += 1
                body = "[media omitted]"
            } else if body.hasPrefix("<attached: ") && body.hasSuffix(">") {
                media += 1
                body = "[attached: \(body.dropFirst("<attached: ".count).dropLast())]"
            } else if let range = body.range(
                of: #" \((file attached|Datei angehängt|archivo adjunto|fichier joint)\)"#, options: .regularExpression)
            {
                media += 1
                body = "[attached: \(body[..<range.lowerBound])]" + body[range.upperBound...]
            }
            guard !body.isEmpty else { continue }
            turns.append((message, ChatTurn(speaker: speaker, text: body, time: message.time)))
        }
        return (turns, systemLines, media)
    }

    /// One document per day (default) or one for the whole chat (`--group-by conversation`).
    private func documents(
        _ turns: [(Message, ChatTurn)], chatKey: String, common: [String: JSONValue], zone: TimeZone,
        zoneFallback: String?
    ) -> [AdapterOutput] {
        let byConversation = ["conversation", "channel", "chat"].contains(
            context.options["group-by"]?.lowercased() ?? "")
        var groups: [(key: String?, items: [(Message, ChatTurn)])] = []
        if byConversation {
            groups = [(nil, turns)]
        } else {
            for item in turns {
                if let last = groups.last, last.key == item.0.day {
                    groups[groups.count - 1].items.append(item)
                } else {
                    groups.append((item.0.day, [item]))
                }
            }
        }
        var outputs: [AdapterOutput] = []
        var seen: [String: Int] = [:]
        for group in groups {
            var id = "whatsapp:\(chatKey)" + (group.key.map { ":\($0)" } ?? "")
            // A day that appears twice (clock changes, out-of-order lines) gets a suffix, never a duplicate id.
            if let count = seen[id] {
                seen[id] = count + 1
                id += "-\(count + 1)"
            } else {
                seen[id] = 1
            }
            var metadata = common
            if let day = group.key { metadata["day"] = .string(day) }
            var participants: [String] = []
            for item in group.items where !participants.contains(item.1.speaker) { participants.append(item.1.speaker) }
            metadata["participants"] = .array(participants.map { .string($0) })
            metadata["messages"] = .integer(Int64(group.items.count))
            var chat = ChatConversation(
                id: id, type: .humanChatConversation, turns: group.items.map(\.1), createdAt: group.items.first?.0.time,
                metadata: metadata, position: RecordPosition(line: group.items.first?.0.line))
            chat.timeLabels = true
            chat.labelZone = zone
            chat.createdAtFallback = zoneFallback
            outputs += builder.outputs(chat, cursorAfter: nil)
        }
        return outputs
    }
}
