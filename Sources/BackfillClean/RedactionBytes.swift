/// The byte classes the redaction scanner tests (ASCII only: every trigger and every separator is ASCII; bytes of
/// multi-byte UTF-8 sequences are in no class).
enum RedactionClass {
    /// `A-Z a-z 0-9 _`: the bytes of a word; a detector that starts at a word start never starts inside one.
    static let word: UInt8 = 1
    static let digit: UInt8 = 2
    static let letter: UInt8 = 4
    /// `@ : = - + (`: the punctuation that can start a match.
    static let trigger: UInt8 = 8
    static let hex: UInt8 = 16
    /// `A-Z a-z 0-9 . _ % + -`: an e-mail address's local part (the common subset of RFC 5322's atext).
    static let local: UInt8 = 32
    /// `A-Z a-z 0-9 _ -`: base64url, the alphabet of most API tokens.
    static let token: UInt8 = 64
    /// `A g x s r e`: the first letters of the token prefixes (`AKIA`, `ghp_`, `xoxb-`, `sk_live_`, `eyJ`, …).
    static let tokenStart: UInt8 = 128

    /// One entry per byte value.
    static let table: [UInt8] = (0..<256).map { value in
        let byte = UInt8(value)
        var bits: UInt8 = 0
        let isDigit = byte >= 0x30 && byte <= 0x39
        let isLetter = (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7A
        if isDigit || isLetter || byte == 0x5F { bits |= word | token | local }
        if isDigit { bits |= digit | hex }
        if isLetter { bits |= letter }
        if isLetter && (byte | 0x20) <= 0x66 { bits |= hex }
        if "@:=-+(".utf8.contains(byte) { bits |= trigger }
        if ".%+-".utf8.contains(byte) { bits |= local }
        if byte == 0x2D { bits |= token }
        if "Agxsre".utf8.contains(byte) { bits |= tokenStart }
        return bits
    }
}

/// ASCII bytes by name, so the detectors read like the patterns they check.
enum RedactionASCII {
    static let space = UInt8(ascii: " ")
    static let tab = UInt8(ascii: "\t")
    static let newline = UInt8(ascii: "\n")
    static let carriageReturn = UInt8(ascii: "\r")
    static let at = UInt8(ascii: "@")
    static let colon = UInt8(ascii: ":")
    static let equals = UInt8(ascii: "=")
    static let hyphen = UInt8(ascii: "-")
    static let plus = UInt8(ascii: "+")
    static let dot = UInt8(ascii: ".")
    static let comma = UInt8(ascii: ",")
    static let slash = UInt8(ascii: "/")
    static let underscore = UInt8(ascii: "_")
    static let openParen = UInt8(ascii: "(")
    static let closeParen = UInt8(ascii: ")")
    static let openBracket = UInt8(ascii: "[")
    static let closeBracket = UInt8(ascii: "]")
    static let quote = UInt8(ascii: "\"")
    static let apostrophe = UInt8(ascii: "'")
    static let hash = UInt8(ascii: "#")
    static let zero = UInt8(ascii: "0")
    static let nine = UInt8(ascii: "9")
    static let percent = UInt8(ascii: "%")
}

extension RedactionScanner {
    /// The byte at `index`, 0 outside the text (0 is in no class, so every test fails there).
    @inline(__always) func at(_ index: Int) -> UInt8 {
        index >= 0 && index < count ? bytes[index] : 0
    }

    @inline(__always) func has(_ index: Int, _ bits: UInt8) -> Bool {
        classes[Int(at(index))] & bits != 0
    }

    @inline(__always) func isDigit(_ index: Int) -> Bool { has(index, RedactionClass.digit) }
    @inline(__always) func isWord(_ index: Int) -> Bool { has(index, RedactionClass.word) }
    @inline(__always) func isLetter(_ index: Int) -> Bool { has(index, RedactionClass.letter) }

    /// The digit's value (only meaningful where ``isDigit(_:)``).
    @inline(__always) func digit(_ index: Int) -> Int { Int(at(index)) - 0x30 }

    /// The end of the run of bytes in `bits` starting at `index`, looking at most `limit` bytes ahead.
    func run(from index: Int, _ bits: UInt8, limit: Int = Int.max) -> Int {
        var end = index
        let stop = limit == Int.max ? count : min(count, index + limit)
        while end < stop && classes[Int(bytes[end])] & bits != 0 { end += 1 }
        return end
    }

    /// Whether the bytes at `index` are `literal`, ASCII letters compared case-insensitively.
    func matches(_ literal: StaticString, at index: Int, caseInsensitive: Bool = false) -> Bool {
        let length = literal.utf8CodeUnitCount
        guard index >= 0, index + length <= count else { return false }
        let pointer = literal.utf8Start
        for offset in 0..<length {
            var byte = bytes[index + offset]
            var expected = pointer[offset]
            if caseInsensitive {
                byte = Self.lower(byte)
                expected = Self.lower(expected)
            }
            if byte != expected { return false }
        }
        return true
    }

    /// Whether the `literal.count` bytes ending at `end` (exclusive) are `literal`, compared case-insensitively.
    func endsWith(_ literal: StaticString, at end: Int) -> Bool {
        matches(literal, at: end - literal.utf8CodeUnitCount, caseInsensitive: true)
    }

    /// Whether `byte` is one of the ASCII bytes of `set` (a loop over a literal: no String machinery).
    @inline(__always) static func isOneOf(_ byte: UInt8, _ set: StaticString) -> Bool {
        let pointer = set.utf8Start
        for offset in 0..<set.utf8CodeUnitCount where pointer[offset] == byte { return true }
        return false
    }

    @inline(__always) static func lower(_ byte: UInt8) -> UInt8 {
        byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte
    }

    /// The start of the word of ASCII letters (and UTF-8 letters such as the `é` of `Tél`) ending at `end`.
    func letterRunStart(endingAt end: Int, limit: Int = 24) -> Int {
        var start = end
        while start > 0 && end - start < limit {
            let byte = bytes[start - 1]
            guard byte >= 0x80 || classes[Int(byte)] & RedactionClass.letter != 0 else { break }
            start -= 1
        }
        return start
    }

    /// The index before `end` after skipping back over spaces and tabs (at most `limit`).
    func skipSpacesBack(from end: Int, limit: Int = 3) -> Int {
        var index = end
        while index > 0 && end - index < limit && (at(index - 1) == RedactionASCII.space || at(index - 1) == 9) {
            index -= 1
        }
        return index
    }

    /// Whether a number may start at `index`: not inside a word, not after `:`, and not the continuation of a
    /// dotted, hyphenated, slashed or `+`-joined token (`INV-2024`, `1.2.3.4.5`, `x/123`, `2+3`, `12:30`).
    func numberMayStart(at index: Int) -> Bool {
        let before = at(index - 1)
        if classes[Int(before)] & RedactionClass.word != 0 || before == RedactionASCII.plus { return false }
        switch before {
        case RedactionASCII.colon:
            return false  // a port, a time, or `Tel:030…` (which the phone label check admits)
        case RedactionASCII.dot, RedactionASCII.hyphen, RedactionASCII.comma, RedactionASCII.slash:
            return !isWord(index - 2)
        default:
            return true
        }
    }

    /// Whether a number-like match may end at `end`: not followed by a word byte, an `@` (then it is an address's
    /// local part), or a joiner and a digit (`1.2.3.4.5`, `12:30`, `1,234`, `555-123-4567-89`).
    func numberMayEnd(at end: Int) -> Bool {
        let after = at(end)
        if classes[Int(after)] & RedactionClass.word != 0 || after == RedactionASCII.at { return false }
        switch after {
        case RedactionASCII.dot, RedactionASCII.colon, RedactionASCII.comma:
            return !isDigit(end + 1)
        case RedactionASCII.hyphen, RedactionASCII.slash:
            return !isWord(end + 1)
        default:
            return true
        }
    }

    /// Whether `[KIND-xxxxxxxx]` (a placeholder this redactor wrote) starts at `index`.
    func isPlaceholder(at index: Int) -> Bool {
        guard at(index) == RedactionASCII.openBracket else { return false }
        let kindEnd = run(from: index + 1, RedactionClass.letter, limit: 7)
        guard kindEnd > index + 1, at(kindEnd) == RedactionASCII.hyphen else { return false }
        let hexEnd = run(from: kindEnd + 1, RedactionClass.hex, limit: 9)
        return hexEnd == kindEnd + 9 && at(hexEnd) == RedactionASCII.closeBracket
    }
}
