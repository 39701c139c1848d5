import BackfillCore
import Foundation

/// SubRip, tolerantly (as cdown/srt reads it): cues are found by their timing lines, so a missing index, a missing
/// final blank line, blank lines inside a cue, `.` or `,` milliseconds and text after the end time all read.
enum SRTParser {
    static func parse(_ lines: [Substring]) -> ParsedTranscript {
        var parsed = ParsedTranscript(format: "srt")
        // Every timing line, in order.
        var timings: [(line: Int, start: Double, end: Double)] = []
        var badTimings: [Int] = []
        for (index, line) in lines.enumerated() where TranscriptText.hasArrow(line) {
            if let timing = TranscriptText.parseTiming(line) {
                timings.append((index, timing.start, timing.end))
            } else {
                badTimings.append(index)
            }
        }
        for index in badTimings {
            parsed.skips.append(
                (
                    TranscriptSkipCode.malformedTiming,
                    "unreadable cue timing “\(lines[index].prefix(80))” at line \(index + 1); its text is attached to the previous cue — timings look like `00:01:02,500 --> 00:01:04,000`",
                    RecordPosition(line: index + 1)
                ))
        }
        // Unreadable timing lines, and the index lines just before them, are not text.
        var badSet = Set(badTimings)
        for index in badTimings where index > 0 && isIndex(lines[index - 1]) { badSet.insert(index - 1) }
        if let first = timings.first {
            let before = lines[0..<first.line].filter { !TranscriptText.isBlank($0) && !isIndex($0) }
            if !before.isEmpty {
                parsed.warn("\(before.count) line(s) before the first cue were ignored: “\(before[0].prefix(60))”")
            }
        }

        var previousStart: Double?
        var outOfOrder = 0, endBeforeStart = 0
        for (number, timing) in timings.enumerated() {
            var end = number + 1 < timings.count ? timings[number + 1].line : lines.count
            // The next cue's index line belongs to it; so do the blank lines before that.
            if number + 1 < timings.count, end - 1 > timing.line, isIndex(lines[end - 1]) { end -= 1 }
            while end - 1 > timing.line, TranscriptText.isBlank(lines[end - 1]) { end -= 1 }
            let body = lines[(timing.line + 1)..<end].enumerated().filter {
                !badSet.contains(timing.line + 1 + $0.offset)
            }
            .map(\.element)
            var cueEnd = timing.end
            if cueEnd < timing.start {
                endBeforeStart += 1
                if endBeforeStart <= 3 {
                    parsed.warn("cue at line \(timing.line + 1) ends before it starts; its end was set to its start")
                }
                cueEnd = timing.start
            }
            if let previousStart, timing.start < previousStart {
                outOfOrder += 1
                if outOfOrder <= 3 {
                    parsed.warn("cue at line \(timing.line + 1) starts before the previous cue; kept in file order")
                }
            }
            previousStart = timing.start
            let segments = CueText.segments(fromSRT: body)
            guard !segments.isEmpty else { continue }
            parsed.cues.append(Cue(start: timing.start, end: cueEnd, segments: segments, line: timing.line + 1))
        }
        if endBeforeStart > 3 { parsed.warn("\(endBeforeStart) cues in all end before they start") }
        if outOfOrder > 3 { parsed.warn("\(outOfOrder) cues in all start before the previous cue") }
        return parsed
    }

    /// A cue index line: an integer (negative and decimal indices occur too).
    static func isIndex(_ line: Substring) -> Bool {
        let trimmed = TranscriptText.trimSpaces(line).utf8
        guard !trimmed.isEmpty, trimmed.count <= 12 else { return false }
        return trimmed.drop(while: { $0 == 0x2D }).allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2E }
            && trimmed.contains(where: { $0 >= 0x30 && $0 <= 0x39 })
    }

    /// The head looks like SRT: the first non-blank line is an index and the next a timing line.
    static func looksLikeSRT(_ text: String) -> Bool {
        let lines = TranscriptText.lines(String(text.prefix(2048))).filter { !TranscriptText.isBlank($0) }
        guard lines.count >= 2, isIndex(lines[0]) else { return false }
        return TranscriptText.parseTiming(lines[1]) != nil
    }
}
