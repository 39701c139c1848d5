/// Signatures at the end of the author's text: mobile footers, disclaimer paragraphs, and `-- ` blocks.
///
/// They are looked for at the end of each stretch of kept text (between quotes, forward markers and the text's
/// ends), never inside a fenced code block:
/// - a **mobile footer** is a last line that starts with a client's footer words ("Sent from my iPhone",
///   "Get Outlook for Android", "Von meinem iPhone gesendet", "iPhoneから送信", …) and is at most 80 bytes long;
/// - a **disclaimer** is a paragraph (after a blank line or a `____`/`----`/`****` rule) starting with a notice's
///   opening words ("CONFIDENTIALITY NOTICE", "This e-mail and any attachments", "DISCLAIMER", "Please consider the
///   environment before printing", German and French ones) that runs to the end within 30 lines and names
///   confidentiality, an intended recipient, a disclaimer, privilege or printing;
/// - a **`-- ` block** runs from the last `-- ` (or `--`) line to the end when at most 15 lines follow it.
/// - an undelimited **contact block** (only in the last stretch: interleaved answers are not signatures) is a last
///   paragraph of 2 to 7 short lines (after a blank line, with text before it) that opens with a name ("Siobhán Nguyen", "山田太郎": at most five capitalised words, no digits or
///   punctuation) and holds contact details: a phone number (7 digits or more, after a label or alone), an
///   address, a web address, or a "Title | Company" line; no line ends a sentence with `!`/`?`.
/// Footers and disclaimers are removed first (repeatedly: a footer may follow a disclaimer), then the `-- ` block
/// once, then footers and disclaimers again.
enum SignatureRules {
    private static func phrases(_ list: [String]) -> [[UInt8]] { list.map(ReplyPhrases.ascii) }

    static let footerOpenings = PhraseSet(
        phrases([
            "sent from my ", "sent from mail for windows", "sent from yahoo mail", "sent from outlook",
            "sent from samsung mobile", "sent from the all new aol app", "sent with blackberry", "sent via ",
            "sent using ", "get outlook for ", "gesendet von meinem ", "gesendet mit ", "gesendet von mail für windows",
            "envoyé de mon ", "envoyé depuis mon ", "envoyé à partir de ", "obtenir outlook pour ", "enviado desde mi ",
            "enviado desde ", "obtener outlook para ", "inviato da ", "inviato dal mio ", "scarica outlook per ",
            "verzonden vanaf mijn ", "verzonden vanaf ", "verstuurd vanaf mijn ", "verzonden met ", "outlook voor ",
            "enviado do meu ", "enviado de meu ", "enviado do ", "obter o outlook para ", "wysłane z ", "wysłano z ",
            "pobierz outlook dla ", "pobierz aplikację outlook", "отправлено с ", "Отправлено с ", "получить outlook",
            "Получить Outlook", "outlook für ", "ios 版 outlook", "android 版 outlook", "获取 ios 版 outlook",
            "获取 android 版 outlook", "发自我的", "發自我的", "从我的", "發送自我的",
        ]))

    /// Footers written the other way round: "Von meinem iPhone gesendet", "iPhoneから送信".
    static let footerFrames: [(opening: [UInt8], ending: [UInt8])] = [
        (ReplyPhrases.ascii("von meinem "), ReplyPhrases.ascii("gesendet")),
        ([], ReplyPhrases.ascii("から送信")),
        (ReplyPhrases.ascii("从我的"), ReplyPhrases.ascii("发送")),
    ]

    static let disclaimerOpenings = PhraseSet(
        phrases([
            "confidentiality notice", "confidentiality note", "confidentiality statement",
            "this e-mail and any attachment",
            "this email and any attachment", "this message and any attachment", "this e-mail message and any",
            "this email message and any", "this e-mail and the information", "this email and the information",
            "the information contained in this e-mail", "the information contained in this email",
            "the information contained in this message", "the information contained in this communication",
            "the information in this e-mail", "the information in this email", "this e-mail is confidential",
            "this email is confidential", "this message is confidential", "this e-mail may contain",
            "this email may contain", "this message may contain", "disclaimer", "legal disclaimer",
            "please consider the environment", "please think of the environment", "think before you print",
            "diese e-mail enthält vertrauliche", "diese e-mail kann vertrauliche",
            "diese nachricht enthält vertrauliche",
            "diese nachricht ist vertraulich", "diese e-mail ist vertraulich", "vertraulichkeitshinweis",
            "haftungsausschluss", "bitte denken sie an die umwelt", "bitte prüfen sie der umwelt zuliebe",
            "der umwelt zuliebe", "ce message et toutes les pièces jointes", "ce message et les pièces jointes",
            "ce message et ses pièces jointes", "ce courriel et les pièces jointes",
            "ce courriel et ses pièces jointes",
            "ce message est confidentiel", "ce courriel est confidentiel", "ce message électronique et ses",
            "avis de confidentialité", "pensez à l'environnement", "pensez à l’environnement",
            "merci de penser à l'environnement", "merci de penser à l’environnement", "avant d'imprimer",
            "aviso de confidencialidad", "aviso legal", "este mensaje y sus anexos", "este mensaje y sus adjuntos",
            "este correo electrónico y", "este mensaje es confidencial", "de informatie verzonden met dit e-mail",
            "dit e-mailbericht is vertrouwelijk", "dit bericht is vertrouwelijk", "questo messaggio e i suoi allegati",
            "questo messaggio è destinato", "le informazioni contenute in questo messaggio", "questa e-mail e",
        ]))

    /// One of these must appear in a disclaimer paragraph (an author's last paragraph may open like one).
    static let disclaimerWords: [[UInt8]] = phrases([
        "confiden", "intended", "privileg", "disclaimer", "print", "vertraulich", "bestimmt", "umwelt", "haftung",
        "ausdruck", "destinataire", "imprimer", "environnement", "destinatario", "vertrouwelijk", "bestemd",
        "riservat", "esclusivamente",
    ])

    /// At most this many lines after a `-- ` delimiter make a signature.
    static let maxSignatureLines = 15
    /// At most this many lines make a disclaimer.
    static let maxDisclaimerLines = 30
    /// A footer line is at most this long (bytes).
    static let maxFooterBytes = 80

    static func isFooter(
        _ bytes: UnsafeBufferPointer<UInt8>, _ line: ReplyLine, openings: PhraseSet = footerOpenings
    ) -> Bool {
        let (from, to) = (line.trimStart, line.trimEnd)
        guard to - from <= maxFooterBytes else { return false }
        if openings.prefix(of: bytes, from, to) != nil { return true }
        var end = to
        while end > from && (bytes[end - 1] == 0x2E || bytes[end - 1] == 0x21) { end -= 1 }
        return footerFrames.contains {
            PhraseSet.starts(bytes, from, end, with: $0.opening) && PhraseSet.ends(bytes, from, end, with: $0.ending)
        }
    }

    static func opensDisclaimer(
        _ bytes: UnsafeBufferPointer<UInt8>, _ line: ReplyLine, openings: PhraseSet = disclaimerOpenings
    ) -> Bool {
        var from = line.trimStart
        let to = line.trimEnd
        while from < to && (bytes[from] == 0x2A || bytes[from] == 0x5B || bytes[from] == 0x28) { from += 1 }
        guard let opening = openings.prefix(of: bytes, from, to) else { return false }
        // A one-word opening must be a word of its own ("disclaimers apply" is not a notice).
        guard !opening.contains(0x20), from + opening.count < to else { return true }
        return !(Bytes.lower(bytes[from + opening.count]) &- 0x61 < 26)
    }

    static func namesNotice(_ text: [UInt8]) -> Bool {
        let lower = ReplyPhrases.lowered(text)[...]
        return disclaimerWords.contains { ReplyPhrases.contains(lower, $0) }
    }

    static let maxContactLines = 7

    /// "Siobhán Nguyen", "Sanne de Vries", "山田太郎": the first line of a contact block.
    static func isNameLine(_ text: [UInt8]) -> Bool {
        guard !text.isEmpty, text.count <= 60, !endsSentence(text) else { return false }
        // A name without spaces (Chinese, Japanese) is short: "来週の日程で見積を修正しましょう" is a sentence.
        if !text.contains(0x20) && text.count > 24 { return false }
        if text.contains(where: { Bytes.isDigit($0) || $0 == 0x3A || $0 == 0x40 || $0 == 0x2C }) { return false }
        if let last = text.last, last == 0x2E || last == 0x21 || last == 0x3F { return false }
        let words = text.split(separator: 0x20)
        guard words.count <= 5 else { return false }
        for word in words {
            guard let first = word.first else { continue }
            if first &- 0x61 < 26 && !ReplyPhrases.isParticle(Array(word)) { return false }
        }
        return true
    }

    /// A phone number, an address, a web address or a `Title | Company` line.
    static func isContactLine(_ text: [UInt8]) -> Bool {
        let line = ReplyPhrases.lowered(text)[...]
        if line.contains(0x40) || ReplyPhrases.contains(line, ascii("www."))
            || ReplyPhrases.contains(line, ascii("http"))
            || ReplyPhrases.contains(line, ascii(" | "))
        {
            return true
        }
        let digits = line.reduce(0) { $0 + (Bytes.isDigit($1) ? 1 : 0) }
        guard digits >= 7 else { return false }
        if let first = line.first, first == 0x2B || first == 0x28 || Bytes.isDigit(first) { return true }
        // "Tel.: +49 …", "Mobile: …", "电话：…": a short label, then the number.
        return line.prefix(20).contains(0x3A) || ReplyPhrases.contains(line.prefix(24), [0xEF, 0xBC, 0x9A])
    }

    /// A line that ends a sentence the way prose does (a contact block's lines do not).
    static func endsSentence(_ text: [UInt8]) -> Bool {
        guard let last = text.last else { return false }
        if last == 0x21 || last == 0x3F { return true }
        // 。！？ (E3 80 82, EF BC 81, EF BC 9F)
        let tail = text.suffix(3)
        return tail.elementsEqual([0xE3, 0x80, 0x82]) || tail.elementsEqual([0xEF, 0xBC, 0x81])
            || tail.elementsEqual([0xEF, 0xBC, 0x9F])
    }

    private static func ascii(_ text: String) -> [UInt8] { ReplyPhrases.ascii(text) }

    /// `-- ` or `--` in the first column.
    static func isDelimiter(_ bytes: UnsafeBufferPointer<UInt8>, _ line: ReplyLine) -> Bool {
        line.trimStart == line.start && line.trimEnd - line.trimStart == 2 && bytes[line.trimStart] == 0x2D
            && bytes[line.trimStart + 1] == 0x2D
    }

    /// A `____`, `----`, `****` or `====` rule (at least 5 of one character).
    static func isRule(_ bytes: UnsafeBufferPointer<UInt8>, _ line: ReplyLine) -> Bool {
        guard line.trimEnd - line.trimStart >= 5 else { return false }
        let first = bytes[line.trimStart]
        guard first == 0x5F || first == 0x2D || first == 0x2A || first == 0x3D else { return false }
        return bytes[line.trimStart..<line.trimEnd].allSatisfy { $0 == first }
    }
}

/// The phrase tables one pass uses, fetched once (a static's accessor on every line cost a tenth of the pass).
struct SignatureTables {
    let footers = SignatureRules.footerOpenings
    let disclaimers = SignatureRules.disclaimerOpenings
}

extension ReplyPass {
    /// Marks the signatures at the end of each stretch of kept lines, the last stretch first.
    mutating func markSignatures() {
        var stretches: [(start: Int, end: Int)] = []
        var start = 0
        while start < lines.count {
            guard marks[start] == .keep else {
                start += 1
                continue
            }
            var end = start
            while end < lines.count && marks[end] == .keep { end += 1 }
            stretches.append((start, end))
            start = end
        }
        // A contact block is looked for only where an author's text ends: in the last stretch with text of its own
        // (one that turns out to be all signature, like a disclaimer the server appended after the quote, hands the
        // role on), and before a forwarded message.
        var final = true
        for (start, end) in stretches.reversed() {
            let beforeForward = end < lines.count && marks[end] == .forward
            let cut = signatureStart(start, end, final: final || beforeForward)
            if let cut {
                for k in cut..<end { marks[k] = .signature }
            }
            if final && lastContent(start, cut ?? end) != nil { final = false }
        }
    }

    /// Where the signature of the stretch `start..<end` starts, if it has one.
    private func signatureStart(_ start: Int, _ end: Int, final: Bool) -> Int? {
        guard let last = lastContent(start, end) else { return nil }
        var cut = footersStart(start, last + 1)
        if let content = lastContent(start, cut) {
            if let delimiter = delimiter(start, content) {
                cut = footersStart(start, delimiter)
            } else if final, let block = contactBlockStart(start, content) {
                cut = block
            }
        }
        return cut <= last ? cut : nil
    }

    /// The last non-blank line of `start..<end`.
    private func lastContent(_ start: Int, _ end: Int) -> Int? {
        var k = end - 1
        while k >= start {
            if !lines[k].flags.contains(.blank) { return k }
            k -= 1
        }
        return nil
    }

    /// The start of the footers and disclaimers ending `start..<end` (`end` when there are none).
    private func footersStart(_ start: Int, _ end: Int) -> Int {
        var cut = end
        while let last = lastContent(start, cut), !lines[last].flags.contains(.protected) {
            if SignatureRules.isFooter(bytes, lines[last], openings: tables.footers) {
                cut = last
            } else if let disclaimer = disclaimerStart(start, last) {
                cut = disclaimer
            } else {
                break
            }
        }
        return cut
    }

    /// The first line of a disclaimer paragraph that runs to line `last`.
    private func disclaimerStart(_ start: Int, _ last: Int) -> Int? {
        var found: Int?
        var k = last
        let floor = max(start, last - SignatureRules.maxDisclaimerLines + 1)
        let openings = tables.disclaimers
        while k >= floor {
            let flags = lines[k].flags
            if flags.contains(.protected) { break }
            if !flags.contains(.blank)
                && (k == start || lines[k - 1].flags.contains(.blank) || SignatureRules.isRule(bytes, lines[k - 1]))
                && SignatureRules.opensDisclaimer(bytes, lines[k], openings: openings)
            {
                found = k
            }
            k -= 1
        }
        guard var first = found,
            SignatureRules.namesNotice(Array(bytes[lines[first].start..<lines[last].end]))
        else { return nil }
        if first > start && SignatureRules.isRule(bytes, lines[first - 1]) { first -= 1 }
        return first
    }

    /// The first line of an undelimited contact block ending at line `last`.
    private func contactBlockStart(_ start: Int, _ last: Int) -> Int? {
        var first = last
        while first > start && !lines[first - 1].flags.contains(.blank) {
            first -= 1
            if last - first >= SignatureRules.maxContactLines { return nil }
        }
        guard first > start, last > first, !lines[first].flags.contains(.protected), lastContent(start, first) != nil,
            SignatureRules.isNameLine(LineText(bytes, lines[first]).bytes)
        else { return nil }
        var contact = false
        for k in (first + 1)...last {
            let text = LineText(bytes, lines[k]).bytes
            guard text.count <= 80, !SignatureRules.endsSentence(text), !lines[k].flags.contains(.protected) else {
                return nil
            }
            if !contact && SignatureRules.isContactLine(text) { contact = true }
        }
        return contact ? first : nil
    }

    /// The last `-- ` line of `start...last` when at most 15 lines follow it to `last`.
    private func delimiter(_ start: Int, _ last: Int) -> Int? {
        var k = last
        while k >= start && last - k <= SignatureRules.maxSignatureLines {
            if lines[k].flags.contains(.protected) { return nil }
            if lines[k].flags.contains(.startsDash) && SignatureRules.isDelimiter(bytes, lines[k]) { return k }
            k -= 1
        }
        return nil
    }
}
