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
    var skips: [(code: String, message: String, position: RecordPosition)] = []
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

/// Whitespace runs → one space, trimmed, NFC.
func normaliseText<S: StringProtocol>(_ text: S) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    var pendingSpace = false
    for scalar in text.unicodeScalars {
        if scalar.properties.isWhitespace || scalar == "\u{FEFF}" {
            pendingSpace = !out.isEmpty
            continue
        }
        if pendingSpace {
            out.unicodeScalars.append(" ")
            pendingSpace = false
        }
        out.unicodeScalars.append(scalar)
    }
    // Composition only matters for non-ASCII text.
    if out.utf8.contains(where: { $0 >= 0x80 }) { return out.precomposedStringWithCanonicalMapping }
    return out
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
