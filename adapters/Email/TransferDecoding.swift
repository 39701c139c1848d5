import BackfillCore
import BackfillMarkup
import Foundation

/// Content-Transfer-Encoding and parameter decoders.
enum TransferDecoding {
    private static let base64Table: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (i, c) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(c)] = UInt8(i)
        }
        // base64url, seen in the wild.
        table[Int(UInt8(ascii: "-"))] = 62
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    /// base64, ignoring whitespace and any other byte outside the alphabet; stops at padding.
    static func base64(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 3 / 4)
        var acc: UInt32 = 0
        var bits = 0
        var poll = StopCheck.Poll(every: 1 << 20)
        for byte in bytes {
            if poll.shouldStop() { break }
            let value = base64Table[Int(byte)]
            if value == 0xFF { continue }
            acc = (acc << 6) | UInt32(value)
            bits += 6
            if bits >= 8 {
                bits -= 8
                out.append(UInt8(truncatingIfNeeded: acc >> UInt32(bits)))
            }
        }
        return out
    }

    static func base64(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] { base64(bytes[range]) }

    /// The decoded size of a base64 body, counting alphabet characters only.
    static func base64Size(_ bytes: [UInt8], _ range: Range<Int>) -> Int {
        var n = 0
        for i in range where base64Table[Int(bytes[i])] != 0xFF { n += 1 }
        return n * 3 / 4
    }

    @inline(__always) private static func hex(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: return byte - 0x30
        case 0x41...0x46: return byte - 0x41 + 10
        case 0x61...0x66: return byte - 0x61 + 10
        default: return nil
        }
    }

    /// quoted-printable: `=XX`, soft breaks `=\n` and `=\r\n` (trailing spaces before them too); a malformed `=`
    /// is kept as is.
    static func quotedPrintable(_ bytes: [UInt8], _ range: Range<Int>) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        var i = range.lowerBound
        let end = range.upperBound
        var poll = StopCheck.Poll(every: 1 << 20)
        while i < end {
            if poll.shouldStop() { break }
            let byte = bytes[i]
            if byte == 0x3D {
                // Soft line break: `=` then optional whitespace, then (CR)LF.
                var j = i + 1
                while j < end && (bytes[j] == 0x20 || bytes[j] == 0x09) { j += 1 }
                if j < end && bytes[j] == 0x0A {
                    i = j + 1
                    continue
                }
                if j + 1 < end && bytes[j] == 0x0D && bytes[j + 1] == 0x0A {
                    i = j + 2
                    continue
                }
                if j == end {
                    // `=` (and spaces) at the very end: a soft break.
                    i = end
                    continue
                }
                if i + 2 < end, let high = hex(bytes[i + 1]), let low = hex(bytes[i + 2]) {
                    out.append(high << 4 | low)
                    i += 3
                    continue
                }
                out.append(byte)
                i += 1
            } else {
                out.append(byte)
                i += 1
            }
        }
        return out
    }

    /// RFC 2047 `Q`: `_` is a space.
    static func qEncoding(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        let array = Array(bytes)
        var i = 0
        while i < array.count {
            let byte = array[i]
            if byte == 0x5F {
                out.append(0x20)
            } else if byte == 0x3D, i + 2 < array.count, let high = hex(array[i + 1]), let low = hex(array[i + 2]) {
                out.append(high << 4 | low)
                i += 2
            } else {
                out.append(byte)
            }
            i += 1
        }
        return out
    }

    /// RFC 2231 `%XX`.
    static func percent(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out = [UInt8]()
        let array = Array(bytes)
        var i = 0
        while i < array.count {
            if array[i] == 0x25, i + 2 < array.count, let high = hex(array[i + 1]), let low = hex(array[i + 2]) {
                out.append(high << 4 | low)
                i += 3
            } else {
                out.append(array[i])
                i += 1
            }
        }
        return out
    }
}

/// Charset decoding for mail text, through `BackfillMarkup.Charset` (iconv, WHATWG aliases).
enum TextDecoding {
    /// A body part's text. A clean declared `charset` is kept; a part that declares nothing (or `us-ascii`,
    /// `unknown-8bit`) with 8-bit bytes or ISO-2022 escapes, or whose label does not decode cleanly, goes to the
    /// charset detector (`--encoding`, when given, replaces the detector). `charset` says how it was decoded when
    /// Backfill decided it (nil: plain ASCII, or the label decoded cleanly).
    static func decodeBody(_ bytes: [UInt8], label: String?, option: String?)
        -> (text: String, unknownCharset: String?, charset: SourceCharset?)
    {
        var lower = label?.asciiTrimmed.lowercased() ?? ""
        lower.removeAll { $0 == "\"" || $0 == "'" }
        let unlabelled = ["", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default"].contains(lower)
        if ByteSearch.isASCII(bytes) && !(unlabelled && bytes.contains(0x1B)) {
            let plain = decode(bytes, label: label)
            return (plain.text, plain.unknownCharset, nil)
        }
        if unlabelled {
            let decoded = Charset.decodeDetecting(bytes, option: option)
            return (decoded.text, nil, decoded.charset)
        }
        if let decoded = Charset.decodeDeclared(bytes, label: lower, option: option) {
            return (decoded.text, nil, decoded.charset.origin == .declared ? nil : decoded.charset)
        }
        // A charset this machine does not know: detected instead, and said so.
        let decoded = Charset.decodeDetecting(bytes, option: option)
        return (decoded.text, lower, decoded.charset)
    }

    /// Decodes `bytes` labelled `label`. ASCII is decoded directly; `us-ascii` or missing labels with 8-bit bytes
    /// are guessed (UTF-8, else windows-1252); an unknown charset is guessed too and reported in `unknownCharset`.
    static func decode(_ bytes: some Collection<UInt8>, label: String?) -> (text: String, unknownCharset: String?) {
        if ByteSearch.isASCII(bytes) {
            // Stateful 7-bit charsets (ISO-2022-JP, UTF-7) need the real decoder even for ASCII bytes.
            if let label, let first = label.utf8.first,
                first | 0x20 == 0x69 || first | 0x20 == 0x75 || first | 0x20 == 0x63,
                case let lower = label.lowercased(),
                lower.hasPrefix("iso-2022") || lower.hasPrefix("utf-7")
                    || lower.hasPrefix("unicode-1-1-utf-7") || lower.hasPrefix("csiso2022")
            {
                if let text = Charset.decode(bytes, label: label) { return (text, nil) }
            }
            return (String(decoding: Array(bytes), as: UTF8.self), nil)
        }
        var lower = label?.asciiTrimmed.lowercased() ?? ""
        lower.removeAll { $0 == "\"" || $0 == "'" }
        switch lower {
        case "", "us-ascii", "ascii", "unknown-8bit", "x-unknown", "unknown", "default":
            return (ByteSearch.string(bytes), nil)
        case "utf-8", "utf8":
            return (String(decoding: Array(bytes), as: UTF8.self), nil)
        case "iso-8859-1", "iso8859-1", "latin1", "windows-1252", "cp1252", "latin-1":
            return (ByteSearch.windows1252(bytes), nil)
        default:
            if let text = Charset.decode(bytes, label: lower) { return (text, nil) }
            return (ByteSearch.string(bytes), lower)
        }
    }
}
