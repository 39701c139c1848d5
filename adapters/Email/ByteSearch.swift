import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Byte-level helpers over `[UInt8]`: libc `memchr`/`memmem` searches (SIMD in glibc) and ASCII tests, so the
/// hot paths never build a `String` per line.
enum ByteSearch {
    /// Whether `text` holds a NUL, by `memchr` over its UTF-8 (`utf8.contains` walks it a byte at a time).
    static func containsNUL(_ text: inout String) -> Bool {
        text.withUTF8 { utf8 in utf8.count > 0 && memchr(utf8.baseAddress!, 0, utf8.count) != nil }
    }

    /// The index of the first `byte` in `bytes[from..<to]`, or nil.
    @inline(__always)
    static func index(of byte: UInt8, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let base = bytes.baseAddress else { return nil }
        guard let found = memchr(base + from, Int32(byte), to - from) else { return nil }
        return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
    }

    /// The index of the first occurrence of `needle` in `bytes[from..<to]`, or nil.
    @inline(__always)
    static func index(
        of needle: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>, from: Int, to: Int
    ) -> Int? {
        guard from >= 0, to - from >= needle.count, let base = bytes.baseAddress, let needleBase = needle.baseAddress
        else { return nil }
        // memchr for the first byte, memcmp for the rest (glibc's memmem is not exported to Swift).
        let first = Int32(needleBase[0])
        let rest = needle.count - 1
        var position = from
        let lastStart = to - needle.count
        while position <= lastStart {
            guard let found = memchr(base + position, first, lastStart - position + 1) else { return nil }
            let index = UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
            if rest == 0 || memcmp(base + index + 1, needleBase + 1, rest) == 0 { return index }
            position = index + 1
        }
        return nil
    }

    /// `firstIndex(of:)` on an array range, through `memchr`.
    static func index(of byte: UInt8, in bytes: [UInt8], from: Int, to: Int) -> Int? {
        bytes.withUnsafeBufferPointer { index(of: byte, in: $0, from: from, to: to) }
    }

    /// Sub-array search on an array range, through `memmem`.
    static func index(of needle: [UInt8], in bytes: [UInt8], from: Int, to: Int) -> Int? {
        bytes.withUnsafeBufferPointer { hay in
            needle.withUnsafeBufferPointer { index(of: $0, in: hay, from: from, to: to) }
        }
    }

    /// Whether every byte is below 0x80.
    static func isASCII(_ bytes: some Collection<UInt8>) -> Bool {
        for byte in bytes where byte >= 0x80 { return false }
        return true
    }

    @inline(__always) static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 }
    @inline(__always) static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D
    }
    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }
    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// ASCII case-insensitive equality of `bytes[range]` and a lower-case `name`.
    @inline(__always)
    static func equalsLowercased(_ bytes: [UInt8], _ range: Range<Int>, _ name: [UInt8]) -> Bool {
        guard range.count == name.count else { return false }
        var i = range.lowerBound
        for expected in name {
            if lower(bytes[i]) != expected { return false }
            i += 1
        }
        return true
    }

    /// The range with ASCII whitespace (incl. CR/LF) trimmed at both ends.
    static func trimmed(_ bytes: [UInt8], _ range: Range<Int>) -> Range<Int> {
        var lo = range.lowerBound
        var hi = range.upperBound
        while lo < hi && isWhitespace(bytes[lo]) { lo += 1 }
        while hi > lo && isWhitespace(bytes[hi - 1]) { hi -= 1 }
        return lo..<hi
    }

    /// UTF-8 when valid, else windows-1252 (raw 8-bit header bytes and unlabelled text).
    static func string(_ bytes: some Collection<UInt8>) -> String {
        if let text = String(validating: bytes, as: UTF8.self) { return text }
        return windows1252(bytes)
    }

    /// windows-1252 decoding as WHATWG defines it.
    static func windows1252(_ bytes: some Collection<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count + bytes.count / 2)
        for byte in bytes {
            if byte < 0x80 {
                out.append(byte)
            } else {
                let value = byte <= 0x9F ? cp1252High[Int(byte) - 0x80] : UInt32(byte)
                appendUTF8(value, to: &out)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func appendUTF8(_ value: UInt32, to out: inout [UInt8]) {
        switch value {
        case 0..<0x80: out.append(UInt8(value))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | (value >> 6)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | (value >> 12)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        default:
            out.append(UInt8(0xF0 | (value >> 18)))
            out.append(UInt8(0x80 | ((value >> 12) & 0x3F)))
            out.append(UInt8(0x80 | ((value >> 6) & 0x3F)))
            out.append(UInt8(0x80 | (value & 0x3F)))
        }
    }

    private static let cp1252High: [UInt32] = [
        0x20AC, 0x0081, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x008D,
        0x017D, 0x008F, 0x0090, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x009D, 0x017E, 0x0178,
    ]

    /// FNV-1a, 64 bits: compact keys for the thread index.
    static func fnv1a(_ string: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in string.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x100_0000_01b3
        }
        return hash
    }
}

extension StringProtocol {
    /// ASCII whitespace (space, tab, CR, LF) trimmed at both ends, without Foundation.
    var asciiTrimmed: String {
        let whole = Substring(self)
        let utf8 = whole.utf8
        var start = utf8.startIndex
        var end = utf8.endIndex
        while start < end, ByteSearch.isWhitespace(utf8[start]) { start = utf8.index(after: start) }
        while end > start, ByteSearch.isWhitespace(utf8[utf8.index(before: end)]) { end = utf8.index(before: end) }
        return String(whole[start..<end])
    }

    /// Only ASCII whitespace (or nothing).
    var isBlank: Bool { utf8.allSatisfy(ByteSearch.isWhitespace) }
}
