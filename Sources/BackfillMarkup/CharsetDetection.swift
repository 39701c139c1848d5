import BackfillCore
import CUchardet

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Charset detection for text that does not say what it is (SRT, WebVTT, TXT, plain transcripts, WhatsApp
/// exports, mail parts without a `charset`, or whose `charset` does not decode cleanly).
///
/// Order: a BOM wins; then `--encoding`; then valid UTF-8; then BOM-less UTF-16 (ASCII with NULs between); then
/// uchardet's guess, checked against the charsets it cannot tell apart (windows-1252 / ISO-8859-15,
/// windows-1250 / ISO-8859-2, KOI8-R / KOI8-U, …): each sibling decodes the head and the one whose text has the
/// fewest impossible characters (U+FFFD, C1 controls, box drawing or symbols glued to letters, words mixing
/// scripts) wins. The confidence falls with those characters and when two siblings give different texts that
/// look equally right. See `Sources/BackfillMarkup/README.md` for why uchardet and the measured rates.
extension Charset {
    /// Decoded text and how its charset was decided.
    public struct Decoded: Sendable {
        public var text: String
        public var charset: SourceCharset
        public init(text: String, charset: SourceCharset) {
            self.text = text
            self.charset = charset
        }
    }

    /// How much of a large source the detector reads (uchardet and the sibling check): enough for any language.
    static let detectionSampleBytes = 256 * 1024

    /// Decodes bytes with no trustworthy label: a BOM wins, then `option` (`--encoding`), then detection.
    public static func decodeDetecting(_ bytes: some Collection<UInt8>, option: String? = nil) -> Decoded {
        let array = Array(bytes)
        if let bom = byteOrderMark(array) {
            let body = Array(array.dropFirst(bom.length))
            let text =
                bom.encoding == "UTF-8"
                ? String(decoding: body, as: UTF8.self) : (iconvDecode(body, from: bom.encoding) ?? windows1252(body))
            return Decoded(text: text, charset: SourceCharset(name: bom.encoding, origin: .bom, confidence: 1))
        }
        if let option, !isBlank(option), let text = decode(array, label: option) {
            return Decoded(text: text, charset: SourceCharset(name: normalise(option), origin: .option, confidence: 1))
        }
        return detect(array)
    }

    /// Decodes bytes under a declared label (a MIME `charset`): kept when it decodes cleanly; otherwise the bytes
    /// are detected, and the detection is used when it decodes with fewer impossible characters. `option`
    /// (`--encoding`) replaces a label that does not decode cleanly.
    public static func decodeDeclared(_ bytes: some Collection<UInt8>, label: String, option: String? = nil)
        -> Decoded?
    {
        let array = Array(bytes)
        let name = normalise(label)
        guard let declared = strictDecode(array, from: name) else { return nil }
        // Clean: no undecodable byte and no C1 control (symbols next to letters are not enough to doubt a label).
        if declared.errors == 0 && !hasC1Control(declared.text) {
            return Decoded(text: declared.text, charset: SourceCharset(name: name, origin: .declared, confidence: 1))
        }
        if let option, !isBlank(option), let text = decode(array, label: option) {
            return Decoded(text: text, charset: SourceCharset(name: normalise(option), origin: .option, confidence: 1))
        }
        let detected = detect(array)
        let declaredScore = declared.errors * 4 + suspicion(declared.text).score
        if detected.charset.name != name, suspicion(detected.text).score < declaredScore { return detected }
        // The label is no worse than the guess: keep it, but say it is doubtful.
        return Decoded(
            text: declared.text,
            charset: SourceCharset(name: name, origin: .detected, confidence: min(0.4, detected.charset.confidence)))
    }

    /// Whether `text` holds a C1 control (U+0080–U+009F: UTF-8 `C2 80`–`C2 9F`), found by bytes.
    static func hasC1Control(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { utf8 in
            var index = 0
            while index + 1 < utf8.count {
                if utf8[index] == 0xC2, (0x80...0x9F).contains(utf8[index + 1]) { return true }
                index += 1
            }
            return false
        }
    }

    /// The answers that need no detector: a byte-order mark, valid UTF-8, UTF-16 without a BOM; nil otherwise.
    private static func obvious(_ bytes: [UInt8], hasEscape: Bool) -> Decoded? {
        if byteOrderMark(bytes) != nil { return decodeDetecting(bytes) }
        // ISO-2022-JP and other 7-bit stateful charsets are valid ASCII: ASCII with escapes goes to the detector.
        let allASCII = !bytes.contains { $0 >= 0x80 }
        if !(hasEscape && allASCII), let text = String(validating: bytes, as: UTF8.self) {
            return Decoded(text: text, charset: SourceCharset(name: "UTF-8", origin: .detected, confidence: 1))
        }
        if let utf16 = utf16WithoutBOM(bytes), let decoded = strictDecode(bytes, from: utf16), decoded.errors == 0 {
            return Decoded(text: decoded.text, charset: SourceCharset(name: utf16, origin: .detected, confidence: 0.9))
        }
        return nil
    }

    /// Detection proper (no BOM or option handling beyond BOM sniffing).
    public static func detect(_ bytes: [UInt8]) -> Decoded {
        let hasEscape = bytes.contains(0x1B)
        if let obvious = obvious(bytes, hasEscape: hasEscape) { return obvious }
        let sample = Self.sample(bytes)
        let guess = uchardetGuess(sample)
        var candidates = guess.map(siblings(of:)) ?? []
        // No answer (or a name iconv does not know): windows-1252 decodes every byte; the confidence says how bad.
        // The bytes are not valid UTF-8 here (checked above): a UTF-8 answer is no answer.
        let validUTF8 = String(validating: sample, as: UTF8.self) != nil
        candidates = candidates.filter { iconvKnows($0) && (validUTF8 || $0 != "UTF-8") }
        let known = !candidates.isEmpty
        if !known {
            if hasEscape, let text = String(validating: bytes, as: UTF8.self) {
                return Decoded(text: text, charset: SourceCharset(name: "UTF-8", origin: .detected, confidence: 1))
            }
            candidates = ["WINDOWS-1252"]
        }
        let closeFamily = known && candidates.count > 1 && isCloseFamily(candidates)
        var scored: [(name: String, text: String, score: Int, letters: Int)] = []
        for name in candidates {
            guard let decoded = strictDecode(sample, from: name) else { continue }
            let check = suspicion(decoded.text)
            scored.append((name, decoded.text, decoded.errors * 4 + check.score, check.nonASCII))
        }
        guard var best = scored.min(by: { $0.score < $1.score }) else {
            return Decoded(
                text: windows1252(bytes), charset: SourceCharset(name: "WINDOWS-1252", origin: .detected, confidence: 0)
            )
        }
        let detectorsChoice = best.name == candidates[0]
        // Latin text whose few non-ASCII bytes read the same in windows-1252 (`Café 3 €` is identical in
        // windows-1250): named after the most common charset, which gives the same text.
        if ["WINDOWS-1250", "ISO-8859-2", "ISO-8859-15"].contains(best.name),
            let western = strictDecode(sample, from: "WINDOWS-1252"), western.errors == 0, western.text == best.text
        {
            best.name = "WINDOWS-1252"
        }
        var confidence = known ? (detectorsChoice ? 0.95 : 0.85) : 0.2
        // One impossible character per ten non-ASCII ones is a garbled text: the confidence falls to zero there.
        let penalty = Double(best.score) / Double(max(1, best.letters))
        confidence *= max(0, 1 - 10 * penalty)
        if closeFamily,
            scored.contains(where: { $0.name != best.name && $0.score == best.score && $0.text != best.text })
        {
            // Two siblings read the bytes differently and both look right (Czech š/ž in ISO-8859-2 are ą/ľ in
            // windows-1250): only uchardet's language model decided. Usually right, but say it is less sure.
            confidence *= 0.75
        }
        if rareLatin.contains(best.name),
            ["WINDOWS-1252", "WINDOWS-1250"].contains(where: { common in
                guard let other = strictDecode(sample, from: common), other.errors == 0, other.text != best.text else {
                    return false
                }
                return suspicion(other.text).score <= best.score
            })
        {
            // An uncommon Latin charset (ISO-8859-10 for `España` with one `ñ`) where a common one reads as cleanly
            // and differently: uchardet had little to go on. Used, but flagged.
            confidence *= 0.5
        }
        let text = sample.count == bytes.count ? best.text : (iconvDecode(bytes, from: best.name) ?? best.text)
        let rounded = (confidence * 100).rounded() / 100
        return Decoded(text: text, charset: SourceCharset(name: best.name, origin: .detected, confidence: rounded))
    }

    /// The head of a large source, cut at a line end so no character is split.
    static func sample(_ bytes: [UInt8]) -> [UInt8] {
        guard bytes.count > detectionSampleBytes else { return bytes }
        let head = bytes[0..<detectionSampleBytes]
        if let newline = head.lastIndex(of: 0x0A), newline > detectionSampleBytes / 2 { return Array(head[...newline]) }
        return Array(head)
    }

    /// uchardet's answer (upper-cased), nil when it has none.
    static func uchardetGuess(_ bytes: [UInt8]) -> String? {
        guard let detector = uchardet_new() else { return nil }
        defer { uchardet_delete(detector) }
        let status = bytes.withUnsafeBufferPointer { buffer -> Int32 in
            guard let base = buffer.baseAddress else { return 1 }
            return base.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                uchardet_handle_data(detector, $0, buffer.count)
            }
        }
        guard status == 0 else { return nil }
        uchardet_data_end(detector)
        guard let name = uchardet_get_charset(detector) else { return nil }
        let result = String(cString: name).uppercased()
        return result.isEmpty ? nil : result
    }

    /// The charsets decoded and compared for one uchardet answer, the preferred first. uchardet cannot tell these
    /// apart reliably; decoding with the superset (windows-1252 for ISO-8859-1, GB18030 for GB2312/GBK, CP949
    /// for EUC-KR, CP932 for Shift_JIS) is exact for text in the subset.
    static func siblings(of guess: String) -> [String] {
        switch guess {
        case "ASCII", "US-ASCII": return ["UTF-8"]
        case "ISO-8859-1", "WINDOWS-1252", "ISO-8859-15": return ["WINDOWS-1252", "ISO-8859-15"]
        case "WINDOWS-1250": return ["WINDOWS-1250", "ISO-8859-2"]
        case "ISO-8859-2": return ["ISO-8859-2", "WINDOWS-1250"]
        case "KOI8-R": return ["KOI8-R", "KOI8-U"]
        case "KOI8-U": return ["KOI8-U", "KOI8-R"]
        case "ISO-8859-7": return ["ISO-8859-7", "WINDOWS-1253"]
        case "WINDOWS-1253": return ["WINDOWS-1253", "ISO-8859-7"]
        case "ISO-8859-8", "ISO-8859-8-I": return ["ISO-8859-8", "WINDOWS-1255"]
        case "WINDOWS-1255": return ["WINDOWS-1255", "ISO-8859-8"]
        case "ISO-8859-9": return ["ISO-8859-9", "WINDOWS-1254"]
        case "WINDOWS-1254": return ["WINDOWS-1254", "ISO-8859-9"]
        case "ISO-8859-13", "WINDOWS-1257", "ISO-8859-4": return ["WINDOWS-1257", "ISO-8859-13", "ISO-8859-4"]
        case "GB2312", "GBK", "GB18030", "EUC-CN", "CP936": return ["GB18030"]
        case "BIG5", "BIG-5", "CP950": return ["BIG5", "CP950", "BIG5-HKSCS"]
        case "SHIFT_JIS", "SJIS", "CP932", "WINDOWS-31J": return ["CP932", "SHIFT_JIS"]
        case "EUC-JP": return ["EUC-JP", "EUC-JP-MS"]
        case "EUC-KR", "UHC", "CP949": return ["CP949"]
        default: return [guess]
        }
    }

    /// Latin charsets uchardet sometimes answers for short Western or Central European text; their letters are
    /// plausible, so only a comparison with windows-1252 / windows-1250 shows the doubt.
    static let rareLatin: Set<String> = [
        "ISO-8859-3", "ISO-8859-4", "ISO-8859-10", "ISO-8859-13", "ISO-8859-14", "ISO-8859-16", "IBM850", "IBM852",
        "IBM437", "MAC-CENTRALEUROPE", "MACINTOSH", "WINDOWS-1257",
    ]

    /// Siblings that differ in a few bytes only: a tie between two of them that read differently is ambiguous.
    static func isCloseFamily(_ names: [String]) -> Bool {
        let close: [Set<String>] = [
            ["WINDOWS-1252", "ISO-8859-15"], ["WINDOWS-1250", "ISO-8859-2"], ["KOI8-R", "KOI8-U"],
            ["ISO-8859-7", "WINDOWS-1253"], ["ISO-8859-8", "WINDOWS-1255"], ["ISO-8859-9", "WINDOWS-1254"],
        ]
        return close.contains { $0.isSuperset(of: names) }
    }

    static func iconvKnows(_ name: String) -> Bool {
        if name == "UTF-8" { return true }
        let descriptor = iconv_open("UTF-8", name)
        if descriptor == iconv_t(bitPattern: -1) { return false }
        iconv_close(descriptor)
        return true
    }

    /// iconv decoding that counts the bytes it had to replace. Nil when iconv does not know `name`.
    static func strictDecode(_ bytes: [UInt8], from name: String) -> (text: String, errors: Int)? {
        if name == "UTF-8" {
            if let text = String(validating: bytes, as: UTF8.self) { return (text, 0) }
            let text = String(decoding: bytes, as: UTF8.self)
            return (text, max(1, text.unicodeScalars.count { $0 == "\u{FFFD}" }))
        }
        guard let text = iconvDecode(bytes, from: name) else { return nil }
        // iconvDecode marks each undecodable byte with U+FFFD (a real U+FFFD in the source counts too: rare).
        return (text, text.unicodeScalars.count { $0 == "\u{FFFD}" })
    }

    /// Characters that real text in the right charset does not contain: the evidence of a wrong guess.
    /// `nonASCII` is the number of non-ASCII scalars (the evidence's denominator).
    static func suspicion(_ text: String) -> (score: Int, nonASCII: Int) {
        var score = 0
        var nonASCII = 0
        var previousIsLetter = false
        var wordScript: Script? = nil
        var pendingSymbol = false
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value >= 0x80 { nonASCII += 1 }
            let isLetter: Bool
            if value < 0x80 {
                isLetter = (0x41...0x5A).contains(value) || (0x61...0x7A).contains(value)
                if value < 0x20 && value != 0x09 && value != 0x0A && value != 0x0D && value != 0x0C { score += 2 }
            } else {
                let properties = scalar.properties
                isLetter = properties.isAlphabetic
                if value == 0xFFFD { score += 4 }
                if (0x80...0x9F).contains(value) || value == 0xA4 { score += 2 }
                if (0x2500...0x259F).contains(value) { score += 1 }
                if !isLetter, isSymbol(properties.generalCategory) {
                    if previousIsLetter { score += 1 } else { pendingSymbol = true }
                    previousIsLetter = false
                    wordScript = nil
                    continue
                }
            }
            if pendingSymbol && isLetter { score += 1 }
            pendingSymbol = false
            if isLetter {
                let script = Script(scalar)
                if let current = wordScript, let script, current != script { score += 1 }
                if let script { wordScript = script }
            } else {
                wordScript = nil
            }
            previousIsLetter = isLetter
        }
        return (score, nonASCII)
    }

    private static func isSymbol(_ category: Unicode.GeneralCategory) -> Bool {
        switch category {
        case .mathSymbol, .currencySymbol, .modifierSymbol, .otherSymbol: return true
        default: return false
        }
    }

    /// The alphabets whose letters never share a word.
    enum Script {
        case latin, greek, cyrillic
        init?(_ scalar: Unicode.Scalar) {
            switch scalar.value {
            case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F: self = .latin
            case 0x370...0x3FF: self = .greek
            case 0x400...0x52F: self = .cyrillic
            default: return nil
            }
        }
    }

    /// `UTF-16LE`/`UTF-16BE` when the first bytes look like BOM-less UTF-16 text (ASCII with NULs between).
    public static func utf16WithoutBOM(_ raw: some Collection<UInt8>) -> String? {
        let head = Array(raw.prefix(512))
        guard head.count >= 8 else { return nil }
        var evenZero = 0
        var oddZero = 0
        for (index, byte) in head.enumerated() where byte == 0 {
            if index % 2 == 0 { evenZero += 1 } else { oddZero += 1 }
        }
        let pairs = head.count / 2
        if oddZero * 10 >= pairs * 7 && evenZero * 10 <= pairs { return "UTF-16LE" }
        if evenZero * 10 >= pairs * 7 && oddZero * 10 <= pairs { return "UTF-16BE" }
        return nil
    }
}
