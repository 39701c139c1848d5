import BackfillCore
import BackfillMarkup
import Foundation

/// Decoding, line splitting and the small lexical helpers the transcript parsers share.
enum TranscriptText {
    /// The largest transcript read (a meeting is one document, read whole): a ten-hour meeting's WebVTT is ~5 MB.
    static func readLimit(_ context: AdapterContext) -> Int { max(64 << 20, context.maxDocumentBytes &* 4) }

    /// Bytes → text: a BOM wins (UTF-8/16/32); else the `encoding` option (`--encoding`); else detection
    /// (valid UTF-8, BOM-less UTF-16, then uchardet checked against its sibling charsets: `Charset.detect`).
    static func decode(_ raw: [UInt8], label: String?) -> Charset.Decoded {
        Charset.decodeDetecting(raw, option: label)
    }

    /// `UTF-16LE`/`UTF-16BE` when the first bytes look like BOM-less UTF-16 text (ASCII with NULs between).
    static func utf16WithoutBOM(_ raw: some Collection<UInt8>) -> String? { Charset.utf16WithoutBOM(raw) }

    /// The text with CRLF and lone CR as LF and NUL as U+FFFD (the WebVTT preprocessing), split into lines.
    static func lines(_ text: String) -> [Substring] {
        var string = text
        if string.utf8.contains(where: { $0 == 0x0D || $0 == 0x00 }) {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(string.utf8.count)
            var previousCR = false
            for byte in string.utf8 {
                switch byte {
                case 0x0D:
                    bytes.append(0x0A)
                    previousCR = true
                    continue
                case 0x0A where previousCR:
                    break
                case 0x00:
                    bytes.append(contentsOf: [0xEF, 0xBF, 0xBD])
                default:
                    bytes.append(byte)
                }
                previousCR = false
            }
            string = String(decoding: bytes, as: UTF8.self)
        }
        if string.utf8.starts(with: [0xEF, 0xBB, 0xBF]) { string.removeFirst() }
        var lines: [Substring] = []
        let utf8 = string.utf8
        var start = utf8.startIndex
        var index = start
        while index != utf8.endIndex {
            if utf8[index] == 0x0A {
                lines.append(string[start..<index])
                start = utf8.index(after: index)
            }
            index = utf8.index(after: index)
        }
        lines.append(string[start...])
        return lines
    }

    /// The range of the first `-->` in `line` (byte search; Foundation's `range(of:)` is slow here).
    static func arrow(in line: Substring) -> Range<String.Index>? {
        let utf8 = line.utf8
        var index = utf8.startIndex
        while index != utf8.endIndex {
            if utf8[index] == 0x2D {
                let second = utf8.index(after: index)
                if second != utf8.endIndex, utf8[second] == 0x2D {
                    let third = utf8.index(after: second)
                    if third != utf8.endIndex, utf8[third] == 0x3E { return index..<utf8.index(after: third) }
                }
            }
            index = utf8.index(after: index)
        }
        return nil
    }

    static func hasArrow(_ line: Substring) -> Bool { arrow(in: line) != nil }

    /// The head of a file as text for sniffing (BOM-aware, lossy).
    static func sniffText(_ probe: SourceProbe) -> String {
        var head = probe.head[...]
        // A cut multi-byte character at the end of the head is harmless for sniffing.
        if Charset.byteOrderMark(head) == nil, utf16WithoutBOM(head) == nil, head.count == SourceProbe.headLength {
            head = head.dropLast(4)
        }
        return decode(Array(head), label: nil).text
    }

    /// Spaces and tabs removed at both ends (no Foundation: this runs on every line).
    static func trimSpaces(_ text: Substring) -> Substring {
        var result = text
        while let first = result.utf8.first, first == 0x20 || first == 0x09 { result = result.dropFirst() }
        while let last = result.utf8.last, last == 0x20 || last == 0x09 { result = result.dropLast() }
        return result
    }

    static func isBlank<S: StringProtocol>(_ line: S) -> Bool {
        if line.utf8.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return true }
        if line.utf8.contains(where: { $0 >= 0x80 }) {
            return line.unicodeScalars.allSatisfy { $0.properties.isWhitespace }
        }
        return line.utf8.allSatisfy { $0 == 0x20 || ($0 >= 0x09 && $0 <= 0x0D) }
    }

    // MARK: - Times

    /// `[h…:]mm:ss[.,]fff` (also `mm:ss`, `h:mm:ss`, fullwidth separators, 1–3+ fraction digits) → seconds.
    static func parseClock<S: StringProtocol>(_ text: S) -> Double? {
        var fields: [Int] = []
        var fraction: Double = 0
        var current = 0, digits = 0
        var inFraction = false, fractionScale = 1.0
        for scalar in text.unicodeScalars {
            switch scalar {
            case "0"..."9":
                let value = Int(scalar.value - 48)
                if inFraction {
                    fractionScale /= 10
                    fraction += Double(value) * fractionScale
                } else {
                    guard digits < 9 else { return nil }
                    current = current * 10 + value
                    digits += 1
                }
            case ":", "：":
                guard !inFraction, digits > 0 else { return nil }
                fields.append(current)
                current = 0
                digits = 0
            case ".", ",", "，", "．", "。":
                guard !inFraction, digits > 0 else { return nil }
                inFraction = true
            default:
                return nil
            }
        }
        guard digits > 0 || (inFraction && fractionScale < 1) else { return nil }
        fields.append(current)
        guard (2...3).contains(fields.count) else { return nil }
        let seconds = fields[fields.count - 1], minutes = fields[fields.count - 2]
        let hours = fields.count == 3 ? fields[0] : 0
        guard seconds < 60, fields.count == 2 || minutes < 60 else { return nil }
        return Double(hours * 3600 + minutes * 60 + seconds) + fraction
    }

    /// A cue timing line `start --> end [settings]` → (start, end, settings); nil when it is not one.
    static func parseTiming<S: StringProtocol>(_ line: S) -> (start: Double, end: Double, settings: Substring)? {
        let text = Substring(line)
        guard let arrow = arrow(in: text) else { return nil }
        let left = trimSpaces(text[..<arrow.lowerBound])
        let right = text[arrow.upperBound...].drop(while: { $0 == " " || $0 == "\t" })
        let endToken = right.prefix(while: { $0 != " " && $0 != "\t" })
        guard let start = parseClock(left), let end = parseClock(endToken) else { return nil }
        return (start, end, right[endToken.endIndex...])
    }

    // MARK: - Entities

    /// HTML character references (`&amp;`, `&#233;`, `&#x1F600;`, `&lrm;`, any HTML 4 name) decoded; unknown ones kept.
    static func decodeEntities<S: StringProtocol>(_ text: S) -> String {
        guard text.utf8.contains(0x26) else { return String(text) }
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            let character = text[index]
            if character == "&", let semicolon = text[index...].prefix(34).firstIndex(of: ";") {
                let name = text[text.index(after: index)..<semicolon]
                if let decoded = entity(name) {
                    out.unicodeScalars.append(decoded)
                    index = text.index(after: semicolon)
                    continue
                }
            }
            out.append(character)
            index = text.index(after: index)
        }
        return out
    }

    private static func entity<S: StringProtocol>(_ name: S) -> Unicode.Scalar? {
        if name.hasPrefix("#") {
            let body = name.dropFirst()
            let value: UInt32?
            if body.hasPrefix("x") || body.hasPrefix("X") {
                value = UInt32(body.dropFirst(), radix: 16)
            } else {
                value = UInt32(body, radix: 10)
            }
            guard let value, value != 0 else { return nil }
            return Unicode.Scalar(value) ?? "\u{FFFD}"
        }
        switch name {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        case "nbsp": return "\u{A0}"
        case "lrm": return "\u{200E}"
        case "rlm": return "\u{200F}"
        default: return XMLSupport.htmlEntity(String(name))
        }
    }
}
