#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The phrases of quoted replies, as mail clients write them (Gmail, Apple Mail, Outlook, Thunderbird) in English,
/// German, French, Spanish, Italian, Dutch, Portuguese, Polish, Russian, Japanese and Chinese.
///
/// Everything here works on a line's trimmed UTF-8 bytes; ASCII letters compare case-insensitively, other letters
/// as written (the tables hold the capitalisations clients use).
enum ReplyPhrases {
    /// How sure a line is to introduce a quoted message.
    enum Attribution: Comparable {
        /// The attribution verb ends the line, but nothing else fits: only a joined previous line can help.
        case verbOnly
        /// "Name wrote:" without a date: taken only directly before a `>` block.
        case weak
        /// A dated attribution in a client's phrasing: also ends the author's text when no `>` block follows.
        case strong
    }

    /// What a separator line starts.
    enum Separator {
        /// Outlook's `-----Original Message-----`: the quoted tail.
        case original
        /// A forwarded message: replaced by a marker, its content kept.
        case forward
    }

    /// The role of a header-block line.
    enum HeaderRole {
        case from, sent, to, subject
    }

    static func ascii(_ text: String) -> [UInt8] { text.utf8.map(Bytes.lower) }

    // MARK: Attributions

    /// A verb that ends an attribution, and the opening words that make it a dated client attribution (empty: any
    /// opening, the date alone decides).
    private struct Verb {
        let verb: [UInt8]
        let openings: [[UInt8]]
    }

    private static let verbs: [Verb] = [
        Verb(verb: ascii("wrote"), openings: [ascii("on ")]),
        Verb(verb: ascii("writes"), openings: [ascii("on ")]),
        Verb(verb: ascii("schrieb"), openings: [ascii("am ")]),
        Verb(verb: ascii("a écrit"), openings: [ascii("le ")]),
        Verb(verb: ascii("escribió"), openings: [ascii("el ")]),
        Verb(verb: ascii("ha scritto"), openings: [ascii("il ")]),
        Verb(verb: ascii("schreef"), openings: [ascii("op ")]),
        Verb(verb: ascii("het volgende geschreven"), openings: [ascii("op ")]),
        Verb(verb: ascii("escreveu"), openings: ["em ", "no dia ", "a "].map(ascii)),
        Verb(verb: ascii("napisał(a)"), openings: []),
        Verb(verb: ascii("napisał"), openings: []),
        Verb(verb: ascii("napisała"), openings: []),
        Verb(verb: ascii("pisze"), openings: []),
        Verb(verb: ascii("написал(а)"), openings: []),
        Verb(verb: ascii("написал"), openings: []),
        Verb(verb: ascii("написала"), openings: []),
        Verb(verb: ascii("пишет"), openings: []),
        Verb(verb: ascii("のメッセージ"), openings: []),
        Verb(verb: ascii("のメール"), openings: []),
        Verb(verb: ascii("写道"), openings: []),
        Verb(verb: ascii("寫道"), openings: []),
    ]

    /// Dated attributions whose verb sits inside the line: "Am 05.01.2015 um 08:27 schrieb X <x@y>:",
    /// "Op ma 5 jan. 2015 om 08:27 schreef X <x@y>:", "X schrieb am 05.01.2015 08:27:", Apple Mail's Polish
    /// "Wiadomość napisana przez X w dniu 5.01.2015, o godz. 08:27:".
    private static let inner: [(opening: [UInt8], middle: [UInt8])] = [
        (ascii("am "), ascii(" schrieb ")),
        (ascii("op "), ascii(" schreef ")),
        ([], ascii(" schrieb am ")),
        (ascii("wiadomość napisana przez "), []),
    ]

    /// Name particles an undated "Name wrote:" may hold in lower case.
    private static let particles: Set<[UInt8]> = Set(
        ["van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "dos", "das", "del", "y", "e", "bin", "al"]
            .map(ascii))

    static func isParticle(_ word: [UInt8]) -> Bool { particles.contains(word) }

    /// Whether the line (ending in a colon) is an attribution, and how sure.
    static func attribution(_ text: LineText) -> Attribution? {
        let line = lowered(text.bytes)
        var body = line[...]
        body = dropColon(body)
        guard !body.isEmpty, body.count <= 400 else { return nil }
        let dated = isDated(body)
        for entry in inner where dated && body.starts(with: entry.opening) {
            if entry.middle.isEmpty || contains(body, entry.middle) { return .strong }
        }
        for entry in verbs where body.hasSuffix(entry.verb) {
            let before = trimmed(body.dropLast(entry.verb.count))
            if dated && (entry.openings.isEmpty || entry.openings.contains(where: { body.starts(with: $0) })) {
                return .strong
            }
            // Thunderbird in Japanese and others: "2015/01/05 8:27, X wrote:".
            if dated, let first = body.first, Bytes.isDigit(first) { return .strong }
            return isNameLike(before, original: text.bytes) ? .weak : .verbOnly
        }
        // Gmail in Russian, Japanese and other locales: "<date> <time>, Name <address>:" with no verb.
        if dated && body.last == 0x3E && body.contains(0x40) && hasTime(body)
            && (contains(body, ascii("年")) || contains(body, ascii(" г.")) || hasYear(body))
        {
            return .strong
        }
        return nil
    }

    /// "Siobhán Nguyen", "Siobhán Nguyen <siobhan@x.example>", "\"Nguyen, Siobhán\"": at most six words, each
    /// capitalised (or not a Latin letter, or a name particle), or an address.
    private static func isNameLike(_ before: ArraySlice<UInt8>, original: [UInt8]) -> Bool {
        guard !before.isEmpty, before.count <= 120 else { return false }
        if before.contains(0x40) { return true }
        // Case is read from the line as written (`before` is lower-cased; its indices are the line's).
        let words = before.split(separator: 0x20)
        guard words.count <= 6 else { return false }
        for word in words {
            let first = original[word.startIndex]
            if first &- 0x61 < 26 && !particles.contains(Array(word)) { return false }
        }
        return true
    }

    // MARK: Separators

    private static let originalNames: [[UInt8]] = [
        "original message", "ursprüngliche nachricht", "original nachricht", "message d'origine", "message d’origine",
        "mensaje original", "messaggio originale", "oorspronkelijk bericht", "origineel bericht", "mensagem original",
        "wiadomość oryginalna", "oryginalna wiadomość", "исходное сообщение", "Исходное сообщение", "元のメッセージ",
        "原始邮件", "原始郵件", "reply message",
    ].map(ascii)

    private static let forwardNames: [[UInt8]] = [
        "forwarded message", "weitergeleitete nachricht", "message transféré", "message transfere", "mensaje reenviado",
        "messaggio inoltrato", "doorgestuurd bericht", "mensagem encaminhada", "mensagem reencaminhada",
        "wiadomość przekazana dalej", "przekazana wiadomość", "przesłana wiadomość", "пересылаемое сообщение",
        "Пересылаемое сообщение", "перенаправленное сообщение", "Перенаправленное сообщение", "転送されたメッセージ",
        "転送メッセージ", "转发的邮件", "转发邮件", "轉寄的郵件", "已转发邮件",
    ].map(ascii)

    /// Apple Mail's (and others') forward introductions, colon removed.
    private static let forwardIntros: [[UInt8]] = [
        "begin forwarded message", "anfang der weitergeleiteten nachricht", "début du message réexpédié",
        "inicio del mensaje reenviado", "comienzo del mensaje reenviado", "inizio messaggio inoltrato",
        "begin doorgestuurd bericht", "início da mensagem reencaminhada", "início da mensagem encaminhada",
        "początek przekazywanej wiadomości", "начало переадресованного сообщения",
        "Начало переадресованного сообщения", "転送されたメッセージ", "以下为转发的邮件", "以下是转发的邮件", "转发的邮件",
        "forwarded message",
    ].map(ascii)

    /// A dashed separator (`-----Original Message-----`, `---------- Forwarded message ---------`) or a forward
    /// introduction ending in a colon (`Begin forwarded message:`).
    static func separator(_ text: LineText, endsColon: Bool) -> Separator? {
        let line = lowered(text.bytes)
        var body = line[...]
        if body.first == 0x2D {
            var lead = 0
            while body.first == 0x2D {
                body = body.dropFirst()
                lead += 1
            }
            var trail = 0
            while body.last == 0x2D {
                body = body.dropLast()
                trail += 1
            }
            guard lead >= 2, trail >= 2 else { return nil }
            body = trimmed(body)
            if originalNames.contains(where: { body.elementsEqual($0) }) { return .original }
            if forwardNames.contains(where: { body.elementsEqual($0) }) { return .forward }
            return nil
        }
        guard endsColon else { return nil }
        body = dropColon(body)
        return forwardIntros.contains(where: { body.elementsEqual($0) }) ? .forward : nil
    }

    // MARK: Header blocks

    static let fromKeys: [[UInt8]] = [
        "from", "von", "de", "da", "van", "od", "от", "От", "差出人", "发件人", "寄件者", "寄件人", "från", "fra",
    ].map(ascii)

    private static let keys: [[UInt8]: HeaderRole] = {
        var keys: [[UInt8]: HeaderRole] = [:]
        for key in fromKeys { keys[key] = .from }
        for key in [
            "sent", "date", "gesendet", "datum", "envoyé", "enviado el", "enviado", "fecha", "inviato", "data",
            "verzonden", "verstuurd", "enviada em", "enviado em", "wysłano", "wysłane", "отправлено", "Отправлено",
            "дата", "Дата", "送信日時", "日付", "发送时间", "日期", "寄件日期", "時間", "sendt", "skickat",
        ] {
            keys[ascii(key)] = .sent
        }
        for key in [
            "to", "cc", "bcc", "an", "à", "À", "a", "para", "aan", "do", "kopie", "dw", "kopia", "кому", "Кому",
            "копия",
            "Копия", "宛先", "收件人", "收件者", "抄送", "副本", "till", "til",
        ] {
            keys[ascii(key)] = .to
        }
        for key in [
            "subject", "betreff", "objet", "asunto", "oggetto", "onderwerp", "assunto", "temat", "тема", "Тема", "件名",
            "主题", "主旨", "emne", "ämne", "Ämne",
        ] {
            keys[ascii(key)] = .subject
        }
        return keys
    }()

    /// The header-block role of a line (`Key: value`, `Key : value`, `**Key:** value`), if its key is one.
    static func headerRole(_ buffer: UnsafeBufferPointer<UInt8>, _ line: ReplyLine) -> HeaderRole? {
        let limit = min(line.trimEnd, line.trimStart + 40)
        var colon = line.trimStart
        if buffer[colon] < 0x80, let base = buffer.baseAddress {
            // Latin and Cyrillic keys end with an ASCII colon: memchr finds it (or not) at once.
            guard let found = memchr(base + colon, 0x3A, limit - colon) else { return nil }
            colon = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
        while colon < limit {
            let byte = buffer[colon]
            if byte == 0x3A { break }
            if byte == 0xEF && colon + 2 < line.trimEnd && buffer[colon + 1] == 0xBC && buffer[colon + 2] == 0x9A {
                break
            }
            colon += 1
        }
        guard colon < limit else { return nil }
        var keyStart = line.trimStart
        var keyEnd = colon
        while keyStart < keyEnd && buffer[keyStart] == 0x2A { keyStart += 1 }
        while keyEnd > keyStart {
            let byte = buffer[keyEnd - 1]
            if byte == 0x20 || byte == 0x09 || byte == 0x2A {
                keyEnd -= 1
            } else if byte == 0xA0 && keyEnd - 2 >= keyStart && buffer[keyEnd - 2] == 0xC2 {
                keyEnd -= 2
            } else {
                break
            }
        }
        guard keyEnd > keyStart else { return nil }
        return keys[buffer[keyStart..<keyEnd].map(Bytes.lower)]
    }

    // MARK: Helpers

    static func lowered(_ bytes: [UInt8]) -> [UInt8] { bytes.map(Bytes.lower) }

    /// Without the final `:`/`：` and the spaces (also no-break ones) before it.
    static func dropColon(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var body = bytes
        if body.last == 0x3A {
            body = body.dropLast()
        } else if body.count >= 3 && body.suffix(3).elementsEqual([0xEF, 0xBC, 0x9A]) {
            body = body.dropLast(3)
        }
        return trimmed(body)
    }

    static func trimmed(_ bytes: ArraySlice<UInt8>) -> ArraySlice<UInt8> {
        var body = bytes
        while true {
            if let last = body.last, Bytes.isSpace(last) {
                body = body.dropLast()
            } else if body.count >= 2 && body.suffix(2).elementsEqual([0xC2, 0xA0]) {
                body = body.dropLast(2)
            } else if body.count >= 3 && body.suffix(3).elementsEqual([0xE2, 0x80, 0xAF]) {
                body = body.dropLast(3)
            } else {
                break
            }
        }
        while let first = body.first, Bytes.isSpace(first) { body = body.dropFirst() }
        return body
    }

    static func contains(_ haystack: ArraySlice<UInt8>, _ needle: [UInt8]) -> Bool {
        guard let first = needle.first, haystack.count >= needle.count else { return needle.isEmpty }
        var i = haystack.startIndex
        let last = haystack.endIndex - needle.count
        while i <= last {
            if haystack[i] == first && haystack[i..<(i + needle.count)].elementsEqual(needle) { return true }
            i += 1
        }
        return false
    }

    /// A date or time: `8:27`, `05.01.2015`, `1/5/15`, `2015-01-05`, a four-digit year, or `年`.
    static func isDated(_ bytes: ArraySlice<UInt8>) -> Bool {
        if hasYear(bytes) || contains(bytes, [0xE5, 0xB9, 0xB4]) { return true }
        var i = bytes.startIndex
        while i + 2 < bytes.endIndex {
            if Bytes.isDigit(bytes[i]) && Bytes.isDigit(bytes[i + 2]) {
                let mark = bytes[i + 1]
                if mark == 0x3A || mark == 0x2F || mark == 0x2E || mark == 0x2D { return true }
            }
            i += 1
        }
        return false
    }

    /// A time: a digit, `:`, a digit.
    static func hasTime(_ bytes: ArraySlice<UInt8>) -> Bool {
        var i = bytes.startIndex
        while i + 2 < bytes.endIndex {
            if Bytes.isDigit(bytes[i]) && bytes[i + 1] == 0x3A && Bytes.isDigit(bytes[i + 2]) { return true }
            i += 1
        }
        return false
    }

    /// Four digits in a row starting with 19 or 20, not part of a longer number.
    static func hasYear(_ bytes: ArraySlice<UInt8>) -> Bool {
        var run = 0
        var i = bytes.startIndex
        while i <= bytes.endIndex {
            if i < bytes.endIndex && Bytes.isDigit(bytes[i]) {
                run += 1
            } else {
                if run == 4 {
                    let a = bytes[i - 4]
                    let b = bytes[i - 3]
                    if (a == 0x31 && b == 0x39) || (a == 0x32 && b == 0x30) { return true }
                }
                run = 0
            }
            i += 1
        }
        return false
    }
}

extension ArraySlice where Element == UInt8 {
    fileprivate func hasSuffix(_ suffix: [UInt8]) -> Bool {
        count >= suffix.count && self.suffix(suffix.count).elementsEqual(suffix)
    }
}
