import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Text decoding for mail, subtitles and other legacy sources: any charset glibc's iconv knows, with the
/// WHATWG rules real data needs (`iso-8859-1`, `us-ascii` and `latin1` labels decoded as windows-1252), and
/// detection (uchardet, see `CharsetDetection.swift`) for unlabelled bytes. Never fails on bad bytes: they become
/// U+FFFD.
public enum Charset {
    /// The byte-order mark at the start of `bytes`, if any: the encoding and its length.
    public static func byteOrderMark(_ bytes: some Collection<UInt8>) -> (encoding: String, length: Int)? {
        let head = Array(bytes.prefix(4))
        if head.starts(with: [0xEF, 0xBB, 0xBF]) { return ("UTF-8", 3) }
        if head.starts(with: [0xFF, 0xFE, 0x00, 0x00]) { return ("UTF-32LE", 4) }
        if head.starts(with: [0x00, 0x00, 0xFE, 0xFF]) { return ("UTF-32BE", 4) }
        if head.starts(with: [0xFF, 0xFE]) { return ("UTF-16LE", 2) }
        if head.starts(with: [0xFE, 0xFF]) { return ("UTF-16BE", 2) }
        return nil
    }

    /// The label without the spaces, tabs and quotes around it, as `trimmingCharacters(in: CharacterSet(charactersIn:
    /// " \t\"'"))` has it (a CharacterSet built per label was a percent of an mbox import).
    package static func trimmedLabel(_ label: String) -> String {
        let quoteOrSpace: (Unicode.Scalar) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\"" || $0 == "'" }
        let scalars = label.unicodeScalars
        let start = scalars.firstIndex { !quoteOrSpace($0) } ?? scalars.endIndex
        let end = scalars[start...].lastIndex { !quoteOrSpace($0) }.map { scalars.index(after: $0) } ?? start
        return String(scalars[start..<end])
    }

    /// Whether a label is empty or only whitespace (`CharacterSet.whitespaces`); a label starting with a visible ASCII
    /// character, as every real one does, is answered without Foundation.
    package static func isBlank(_ label: String) -> Bool {
        if let first = label.utf8.first, first > 0x20, first < 0x7F { return false }
        return label.trimmingCharacters(in: .whitespaces).isEmpty
    }

    /// The label as iconv should see it: WHATWG's aliases for mislabelled legacy content applied.
    public static func normalise(_ label: String) -> String {
        let lower = trimmedLabel(label).lowercased()
        switch lower {
        case "", "us-ascii", "ascii", "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "iso_8859-1", "cp819",
            "windows-1252", "cp1252", "x-cp1252", "ansi_x3.4-1968":
            return "WINDOWS-1252"
        case "utf8", "utf-8", "unicode-1-1-utf-8": return "UTF-8"
        case "gb2312", "gbk", "x-gbk", "euc-cn", "cp936": return "GB18030"
        case "ks_c_5601-1987", "euc-kr", "cp949": return "CP949"
        case "shift_jis", "shift-jis", "sjis", "x-sjis", "ms_kanji", "cp932", "windows-31j": return "CP932"
        case "tis-620", "iso-8859-11": return "CP874"
        default: return lower.uppercased()
        }
    }

    /// Decodes `bytes` in the charset `label` (nil or empty: detected). Returns nil only
    /// when the charset is unknown to this machine.
    public static func decode(_ bytes: some Collection<UInt8>, label: String?) -> String? {
        guard let label, !isBlank(label) else { return decodeGuessing(bytes).text }
        let name = normalise(label)
        switch name {
        case "UTF-8":
            return String(decoding: Array(bytes), as: UTF8.self)
        case "WINDOWS-1252":
            // Pure ASCII and valid UTF-8 labelled latin-1 is common too: prefer UTF-8 when it is valid and non-ASCII.
            return windows1252(bytes)
        default:
            return iconvDecode(Array(bytes), from: name)
        }
    }

    /// A BOM, else valid UTF-8, else the detected charset (``decodeDetecting(_:option:)``).
    public static func decodeGuessing(_ bytes: some Collection<UInt8>) -> (text: String, encoding: String) {
        let decoded = decodeDetecting(bytes)
        return (decoded.text, decoded.charset.name)
    }

    /// Whether the bytes are valid UTF-8; nil when they are, else the offset of the first bad byte.
    public static func firstInvalidUTF8Offset(_ bytes: some Collection<UInt8>) -> Int? {
        var iterator = bytes.makeIterator()
        var decoder = UTF8()
        var offset = 0
        var consumed = 0
        // Track offsets by re-encoding each scalar's length.
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                consumed += UTF8.width(scalar)
                offset = consumed
            case .emptyInput:
                return nil
            case .error:
                return offset
            }
        }
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// windows-1252 as WHATWG defines it (the five undefined bytes map to their C1 code points).
    public static func windows1252(_ bytes: some Collection<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        scalars.reserveCapacity(bytes.count)
        for byte in bytes {
            let value = (0x80...0x9F).contains(byte) ? cp1252High[Int(byte) - 0x80] : UInt32(byte)
            if let scalar = Unicode.Scalar(value) { scalars.append(scalar) }
        }
        return String(scalars)
    }

    /// iconv to UTF-8; undecodable bytes become U+FFFD and decoding goes on. Nil when iconv does not know `name`.
    public static func iconvDecode(_ bytes: [UInt8], from name: String) -> String? {
        let descriptor = iconv_open("UTF-8", name)
        if descriptor == iconv_t(bitPattern: -1) { return nil }
        defer { iconv_close(descriptor) }
        if bytes.isEmpty { return "" }
        var output = [UInt8]()
        output.reserveCapacity(bytes.count * 2)
        var input = bytes
        let replacement: [UInt8] = [0xEF, 0xBF, 0xBD]
        input.withUnsafeMutableBufferPointer { inBuffer in
            guard let inBase = inBuffer.baseAddress else { return }
            var inPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(inBase).assumingMemoryBound(
                to: CChar.self)
            var inLeft = inBuffer.count
            var chunk = [UInt8](repeating: 0, count: 16384)
            while inLeft > 0 {
                let (result, produced, error) = chunk.withUnsafeMutableBufferPointer { outBuffer -> (Int, Int, Int32) in
                    var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress!)
                        .assumingMemoryBound(to: CChar.self)
                    var outLeft = outBuffer.count
                    let result = iconv(descriptor, &inPointer, &inLeft, &outPointer, &outLeft)
                    let error = errno
                    return (result, outBuffer.count - outLeft, error)
                }
                output.append(contentsOf: chunk[0..<produced])
                if result == -1 {
                    if error == E2BIG { continue }
                    // EILSEQ or EINVAL (truncated): replace one byte and go on.
                    output.append(contentsOf: replacement)
                    inPointer = inPointer.map { $0 + 1 }
                    inLeft -= 1
                }
            }
            // Flush any shift state (ISO-2022-JP).
            chunk.withUnsafeMutableBufferPointer { outBuffer in
                var outPointer: UnsafeMutablePointer<CChar>? = UnsafeMutableRawPointer(outBuffer.baseAddress!)
                    .assumingMemoryBound(to: CChar.self)
                var outLeft = outBuffer.count
                _ = iconv(descriptor, nil, nil, &outPointer, &outLeft)
                output.append(contentsOf: outBuffer[0..<(outBuffer.count - outLeft)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
