#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the first scan saw on a line: cheap first- and last-byte tests that decide which lines the phrase tables
/// are asked about at all.
struct LineFlags: ExpressibleByArrayLiteral, Equatable {
    var rawValue: UInt16

    init(rawValue: UInt16) { self.rawValue = rawValue }

    init(arrayLiteral elements: LineFlags...) {
        rawValue = elements.reduce(0) { $0 | $1.rawValue }
    }

    // Plain bit tests (the `OptionSet` defaults went through unspecialised `SetAlgebra` calls in the hot loop).
    @inline(__always) func contains(_ other: LineFlags) -> Bool { rawValue & other.rawValue == other.rawValue }
    @inline(__always) func isDisjoint(with other: LineFlags) -> Bool { rawValue & other.rawValue == 0 }
    @inline(__always) mutating func insert(_ other: LineFlags) { rawValue |= other.rawValue }

    /// Only spaces and tabs.
    static let blank = LineFlags(rawValue: 1 << 0)
    /// Starts with `>` in the first column.
    static let quote = LineFlags(rawValue: 1 << 1)
    /// Inside a fenced code block (or one of its fences): the author's, whatever it says.
    static let protected = LineFlags(rawValue: 1 << 2)
    /// Ends (trailing spaces aside) with `:` or a full-width `：`.
    static let endsColon = LineFlags(rawValue: 1 << 3)
    /// Starts with `-`.
    static let startsDash = LineFlags(rawValue: 1 << 4)
    /// Starts with `_`.
    static let startsUnderscore = LineFlags(rawValue: 1 << 5)
    /// Starts with a byte a header-block `From:` word (in some language) starts with.
    static let headerCandidate = LineFlags(rawValue: 1 << 6)
    /// Starts with `< ` (the other side of `diff` output).
    static let startsLess = LineFlags(rawValue: 1 << 7)
    /// A fence: starts with ```` ``` ```` or `~~~`.
    static let fence = LineFlags(rawValue: 1 << 8)
}

/// One line: its bytes without the `\n`, the bounds without surrounding spaces, and its flags.
struct ReplyLine {
    var start: Int
    var end: Int
    var trimStart: Int
    var trimEnd: Int
    var flags: LineFlags
}

/// Byte tests over the text being cleaned.
enum Bytes {
    @inline(__always)
    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- 0x30 < 10 }

    @inline(__always)
    static func lower(_ byte: UInt8) -> UInt8 { byte &- 0x41 < 26 ? byte | 0x20 : byte }

    /// First bytes of the `From:` words of header blocks (both cases, and `*` for `**From:**`).
    static let headerFirstBytes: [Bool] = {
        var table = [Bool](repeating: false, count: 256)
        for key in ReplyPhrases.fromKeys {
            guard let first = key.first else { continue }
            table[Int(first)] = true
            if first &- 0x61 < 26 { table[Int(first - 0x20)] = true }
        }
        table[Int(UInt8(ascii: "*"))] = true
        return table
    }()

    /// The text's lines, flagged; fences paired (an unclosed last fence protects nothing).
    static func lines(_ bytes: UnsafeBufferPointer<UInt8>) -> [ReplyLine] {
        var lines: [ReplyLine] = []
        lines.reserveCapacity(bytes.count / 48 + 1)
        guard let base = bytes.baseAddress else {
            return [ReplyLine(start: 0, end: 0, trimStart: 0, trimEnd: 0, flags: .blank)]
        }
        let count = bytes.count
        var fences: [Int] = []
        let header = headerFirstBytes
        var start = 0
        while true {
            let end: Int
            if start < count, let found = memchr(base + start, 0x0A, count - start) {
                end = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            } else {
                end = count
            }
            var s = start
            while s < end && isSpace(base[s]) { s += 1 }
            var e = end
            while e > s && isSpace(base[e - 1]) { e -= 1 }
            var flags: LineFlags = []
            if s == e {
                flags = .blank
            } else {
                let first = base[s]
                if base[start] == 0x3E { flags.insert(.quote) }
                switch first {
                case 0x2D: flags.insert(.startsDash)
                case 0x5F: flags.insert(.startsUnderscore)
                case 0x3C where s + 1 < e && base[s + 1] == 0x20: flags.insert(.startsLess)
                case 0x60, 0x7E:
                    if e - s >= 3 && base[s + 1] == first && base[s + 2] == first {
                        flags.insert(.fence)
                        fences.append(lines.count)
                    }
                default: break
                }
                if header[Int(first)] { flags.insert(.headerCandidate) }
                let last = base[e - 1]
                if last == 0x3A || (last == 0x9A && e - s >= 3 && base[e - 2] == 0xBC && base[e - 3] == 0xEF) {
                    flags.insert(.endsColon)
                }
            }
            lines.append(ReplyLine(start: start, end: end, trimStart: s, trimEnd: e, flags: flags))
            if end >= count { break }
            start = end + 1
        }
        if fences.count >= 2 { protectFences(fences, in: &lines) }
        return lines
    }

    /// Lines from an opening fence to its closing one (same character), both included, become protected.
    private static func protectFences(_ fences: [Int], in lines: inout [ReplyLine]) {
        var k = 0
        while k + 1 < fences.count {
            let open = fences[k]
            // The closing fence is the next one (fences do not nest in plain text).
            let close = fences[k + 1]
            for i in open...close {
                lines[i].flags = lines[i].flags.contains(.blank) ? [.blank, .protected] : .protected
            }
            k += 2
        }
    }

    /// Unicode scalars in `bytes[from..<to]` (bytes that are not UTF-8 continuation bytes).
    static func scalars(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int {
        var n = 0
        var i = from
        while i < to {
            if bytes[i] & 0xC0 != 0x80 { n += 1 }
            i += 1
        }
        return n
    }
}

/// A line's trimmed bytes, or two lines joined by a space (Gmail's wrapped attribution), for the phrase tables.
struct LineText {
    let bytes: [UInt8]

    init(_ buffer: UnsafeBufferPointer<UInt8>, _ line: ReplyLine) {
        bytes = Array(buffer[line.trimStart..<line.trimEnd])
    }

    init(_ buffer: UnsafeBufferPointer<UInt8>, joining first: ReplyLine, _ second: ReplyLine) {
        var joined = Array(buffer[first.trimStart..<first.trimEnd])
        // "…Nguyen <" + "siobhan@x.example> wrote:" reads best without the space after the bracket.
        if joined.last != 0x3C { joined.append(0x20) }
        joined += buffer[second.trimStart..<second.trimEnd]
        bytes = joined
    }

    init(bytes: [UInt8]) { self.bytes = bytes }
}

/// Phrases (lower-case ASCII letters, other bytes as written) matched against a line's start in place: a table of
/// their first bytes rejects most lines before any comparison, and nothing is allocated.
struct PhraseSet {
    let phrases: [[UInt8]]
    /// One bit per pair of first two bytes (lower-cased) a phrase starts with.
    private let pairs: [UInt64]

    init(_ phrases: [[UInt8]]) {
        self.phrases = phrases
        var bits = [UInt64](repeating: 0, count: 1024)
        for phrase in phrases where phrase.count >= 2 {
            let pair = Int(phrase[0]) << 8 | Int(phrase[1])
            bits[pair >> 6] |= 1 << UInt64(pair & 63)
        }
        pairs = bits
    }

    /// The phrase `bytes[from..<to]` starts with (ASCII case ignored), or nil.
    func prefix(of bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> [UInt8]? {
        guard to - from >= 2 else { return nil }
        let pair = Int(Bytes.lower(bytes[from])) << 8 | Int(Bytes.lower(bytes[from + 1]))
        guard pairs[pair >> 6] & (1 << UInt64(pair & 63)) != 0 else { return nil }
        for phrase in phrases where PhraseSet.starts(bytes, from, to, with: phrase) { return phrase }
        return nil
    }

    @inline(__always)
    static func starts(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, with phrase: [UInt8]) -> Bool {
        guard to - from >= phrase.count else { return false }
        var k = 0
        for byte in phrase {
            if Bytes.lower(bytes[from + k]) != byte { return false }
            k += 1
        }
        return true
    }

    @inline(__always)
    static func ends(_ bytes: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int, with phrase: [UInt8]) -> Bool {
        guard to - from >= phrase.count else { return false }
        return starts(bytes, to - phrase.count, to, with: phrase)
    }
}
