import BackfillCore
import Foundation

/// A run of text said by one speaker (nil: not attributed) inside a cue.
struct Segment: Equatable {
    var speaker: String?
    var text: String
}

/// One timed (or untimed, for plain transcripts) unit of a transcript, in file order.
struct Cue: Equatable {
    /// Seconds from the start of the media; nil when the source has no time for it.
    var start: Double?
    var end: Double?
    var segments: [Segment]
    /// 1-based line of the cue in the source.
    var line: Int
}

/// What a format parser hands to ``TranscriptBuilder``.
struct ParsedTranscript {
    var format: String
    var cues: [Cue] = []
    var title: String?
    var language: String?
    /// Cues (or blocks) that could not be read: yielded as `.skipped` before the documents.
    var skips: [(code: any SkipReason, message: String, position: RecordPosition)] = []
    /// Problems that did not lose text (missing header, timings out of order, recovered XML): `metadata.parse_warnings`.
    var warnings: [String] = []
    /// Format-specific extras (TTML roles, VTT header fields).
    var extraMetadata: [String: JSONValue] = [:]

    init(format: String) { self.format = format }

    mutating func warn(_ message: String) {
        // Keep the metadata small: the first few, then a count.
        if warnings.count < 8 { warnings.append(message) } else { droppedWarnings += 1 }
    }
    var droppedWarnings = 0
}

/// Consecutive cues of one speaker, merged.
struct Turn {
    var speaker: String?
    var start: Double?
    var end: Double?
    var texts: [String]
    var cueCount: Int
    var line: Int

    var text: String { texts.joined(separator: " ") }
}

/// Whitespace runs → one space, trimmed, NFC. Works on UTF-8 bytes (this is the adapters' hot path).
func normaliseText<S: StringProtocol>(_ text: S) -> String {
    let bytes = text.utf8
    var out: [UInt8] = []
    out.reserveCapacity(bytes.count)
    var pendingSpace = false
    var nonASCII = false
    var index = bytes.startIndex
    while index != bytes.endIndex {
        let byte = bytes[index]
        var width = 1
        var isSpace = false
        if byte < 0x80 {
            isSpace = byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
        } else {
            nonASCII = true
            width = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : byte >= 0xC0 ? 2 : 1
            isSpace = isUnicodeSpace(bytes, at: index, lead: byte)
        }
        if isSpace {
            pendingSpace = !out.isEmpty
            index = bytes.index(index, offsetBy: width, limitedBy: bytes.endIndex) ?? bytes.endIndex
            continue
        }
        if pendingSpace {
            out.append(0x20)
            pendingSpace = false
        }
        for _ in 0..<width where index != bytes.endIndex {
            out.append(bytes[index])
            index = bytes.index(after: index)
        }
    }
    let string = String(decoding: out, as: UTF8.self)
    return nonASCII ? string.precomposedStringWithCanonicalMapping : string
}

/// Unicode White_Space (and U+FEFF) outside ASCII, from its UTF-8 bytes: U+0085, U+00A0, U+1680, U+2000–U+200A,
/// U+2028, U+2029, U+202F, U+205F, U+3000, U+FEFF.
private func isUnicodeSpace<C: Collection<UInt8>>(_ bytes: C, at index: C.Index, lead: UInt8) -> Bool {
    guard lead == 0xC2 || lead == 0xE1 || lead == 0xE2 || lead == 0xE3 || lead == 0xEF else { return false }
    var iterator = bytes[index...].dropFirst().makeIterator()
    guard let second = iterator.next() else { return false }
    switch lead {
    case 0xC2: return second == 0x85 || second == 0xA0
    default:
        guard let third = iterator.next() else { return false }
        switch (lead, second) {
        case (0xE1, 0x9A): return third == 0x80
        case (0xE2, 0x80): return (0x80...0x8A).contains(third) || third == 0xA8 || third == 0xA9 || third == 0xAF
        case (0xE2, 0x81): return third == 0x9F
        case (0xE3, 0x80): return third == 0x80
        case (0xEF, 0xBB): return third == 0xBF
        default: return false
        }
    }
}

/// `[mm:ss]`, or `[h:mm:ss]` for meetings of an hour or more.
func formatStamp(_ seconds: Double, withHours: Bool) -> String {
    let total = max(0, Int(seconds.rounded(.down)))
    let hours = total / 3600, minutes = (total % 3600) / 60, secs = total % 60
    func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
    return withHours ? "[\(hours):\(two(minutes)):\(two(secs))]" : "[\(two(hours * 60 + minutes)):\(two(secs))]"
}

/// Seconds rounded to milliseconds, as a JSON number.
func secondsValue(_ seconds: Double) -> JSONValue {
    .number((seconds * 1000).rounded() / 1000)
}
