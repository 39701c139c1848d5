import BackfillCore
import Foundation

/// WebVTT, following the W3C parsing rules (https://www.w3.org/TR/webvtt1/#file-parsing), leniently: a file
/// without the `WEBVTT` line is still read (with a warning), and SRT-style `,` milliseconds are accepted.
enum WebVTTParser {
    static func parse(_ lines: [Substring], fileName: String) -> ParsedTranscript {
        var parsed = ParsedTranscript(format: "webvtt")
        let count = lines.count

        var index = readHeader(lines, into: &parsed)

        var sawCue = false
        var checks = TimingChecks()
        while index < count {
            // Skip blank lines between blocks.
            while index < count, TranscriptText.isBlank(lines[index]) { index += 1 }
            guard index < count else { break }
            let blockStart = index
            let first = lines[index]

            if isKeywordBlock(first, "NOTE") {
                index = endOfBlock(lines, from: index)
                continue
            }
            if isKeywordBlock(first, "STYLE") || isKeywordBlock(first, "REGION") {
                if sawCue { parsed.warn("a \(first.prefix(6).trimmingCharacters(in: .whitespaces)) block after the first cue (line \(index + 1)) was ignored") }
                index = endOfBlock(lines, from: index)
                continue
            }

            // A cue: an optional identifier line (not kept), then the timing line.
            var timingIndex = index
            if !TranscriptText.hasArrow(first) {
                if index + 1 < count, TranscriptText.hasArrow(lines[index + 1]) {
                    timingIndex = index + 1
                } else {
                    let end = endOfBlock(lines, from: index)
                    parsed.skips.append(
                        (
                            TranscriptSkipCode.malformedCue,
                            "a block without a cue timing line (`00:00:01.000 --> 00:00:02.000`) at line \(blockStart + 1) was not imported: “\(first.prefix(60))”; fix the timing line or add the missing blank line",
                            RecordPosition(line: blockStart + 1)
                        ))
                    index = end
                    continue
                }
            }
            guard let timing = TranscriptText.parseTiming(lines[timingIndex]) else {
                let end = endOfBlock(lines, from: timingIndex + 1)
                parsed.skips.append(
                    (
                        TranscriptSkipCode.malformedTiming,
                        "unreadable cue timing “\(lines[timingIndex].prefix(80))” at line \(timingIndex + 1); the cue was not imported — timings look like `00:01:02.500 --> 00:01:04.000`",
                        RecordPosition(line: timingIndex + 1)
                    ))
                index = end
                continue
            }
            let (payload, payloadEnd) = Self.payload(lines, after: timingIndex)
            index = payloadEnd
            sawCue = true

            let (start, end) = checks.check(
                start: timing.start, end: timing.end, line: timingIndex + 1, parsed: &parsed)

            let segments = CueText.segments(fromVTT: payload.joined(separator: "\n"))
            guard !segments.isEmpty else { continue }
            parsed.cues.append(Cue(start: start, end: end, segments: segments, line: timingIndex + 1))
        }
        checks.finish(&parsed)
        return parsed
    }

    /// The header: "WEBVTT", optionally followed by a space or tab and text, then header lines up to a blank line.
    /// Returns the index of the first line after it.
    static func readHeader(_ lines: [Substring], into parsed: inout ParsedTranscript) -> Int {
        var index = 0
        let count = lines.count
        if let first = lines.first, first.hasPrefix("WEBVTT"),
            first.count == 6 || first.dropFirst(6).first == " " || first.dropFirst(6).first == "\t"
        {
            let headerText = first.dropFirst(6).trimmingCharacters(in: .whitespaces)
            if !headerText.isEmpty { parsed.title = headerText.trimmingPrefix("- ").trimmingCharacters(in: .whitespaces) }
            index = 1
            // Header lines (legacy "Kind: captions", "Language: en") up to the first blank line. A cue timing line
            // here means the blank line is missing: the cue is read anyway.
            while index < count, !TranscriptText.isBlank(lines[index]), !TranscriptText.hasArrow(lines[index]) {
                let line = lines[index]
                if let colon = line.firstIndex(of: ":") {
                    let key = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
                    let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
                    if key == "language", !value.isEmpty { parsed.language = value }
                    if key == "kind", !value.isEmpty { parsed.extraMetadata["vtt_kind"] = .string(value) }
                }
                index += 1
            }
        } else {
            parsed.warn(
                "no WEBVTT header line: read as WebVTT anyway (if this is SRT, rename it to .srt)")
        }
        return index
    }

    /// A cue's payload: lines up to a blank line, or up to a line holding "-->" (a missing blank line); returns the
    /// lines and the index after them.
    static func payload(_ lines: [Substring], after timingIndex: Int) -> ([Substring], end: Int) {
    let count = lines.count
    var payloadEnd = timingIndex + 1
    while payloadEnd < count, !TranscriptText.isBlank(lines[payloadEnd]), !TranscriptText.hasArrow(lines[payloadEnd]) {
        payloadEnd += 1
    }
    var payload = Array(lines[(timingIndex + 1)..<payloadEnd])
    if payloadEnd < count, TranscriptText.hasArrow(lines[payloadEnd]), let last = payload.last,
        looksLikeIdentifier(last)
    {
        // "1\n00:00 --> …" after a missing blank line: that last line is the next cue's identifier.
        payload.removeLast()
        payloadEnd -= 1
    }
        return (payload, payloadEnd)
    }

    /// Cues that end before they start or start before the previous one: the first three warned about one by one,
    /// then a count.
    struct TimingChecks {
        var previousStart: Double?
        var outOfOrder = 0
        var endBeforeStart = 0

        /// The cue's times, its end set to its start when before it and a negative start set to 0.
        mutating func check(start: Double, end: Double, line: Int, parsed: inout ParsedTranscript) -> (Double, Double) {
            var start = start
            var end = end
            if end < start {
                endBeforeStart += 1
                if endBeforeStart <= 3 {
                    parsed.warn("cue at line \(line) ends before it starts; its end was set to its start")
                }
                end = start
            }
            if let previousStart, start < previousStart {
                outOfOrder += 1
                if outOfOrder <= 3 {
                    parsed.warn("cue at line \(line) starts before the previous cue; kept in file order")
                }
            }
            previousStart = start
            if start < 0 { start = 0 }
            return (start, end)
        }

        func finish(_ parsed: inout ParsedTranscript) {
            if endBeforeStart > 3 { parsed.warn("\(endBeforeStart) cues in all end before they start") }
            if outOfOrder > 3 { parsed.warn("\(outOfOrder) cues in all start before the previous cue") }
        }
    }

    /// `NOTE`, `STYLE`, `REGION` followed by a space, a tab or the end of the line.
    static func isKeywordBlock(_ line: Substring, _ keyword: String) -> Bool {
        guard line.hasPrefix(keyword) else { return false }
        let next = line.dropFirst(keyword.count).first
        return next == nil || next == " " || next == "\t"
    }

    /// The index of the first blank line at or after `from`.
    static func endOfBlock(_ lines: [Substring], from: Int) -> Int {
        var index = from
        while index < lines.count, !TranscriptText.isBlank(lines[index]) { index += 1 }
        return index
    }

    /// A cue identifier as tools write them: a number, or a GUID-like token (`1b6c…/12-0`), without spaces.
    static func looksLikeIdentifier(_ line: Substring) -> Bool {
        !line.isEmpty && !line.contains(" ") && line.count <= 64
            && (line.allSatisfy(\.isNumber) || (line.contains("-") && line.allSatisfy { $0.isHexDigit || $0 == "-" || $0 == "/" }))
    }
}

/// Cue payloads → speaker segments.
enum CueText {
    /// WebVTT cue text: voice spans give speakers (`<v Name>`, `<v.loud Name>`, unclosed), other spans (`c`, `i`,
    /// `b`, `u`, `lang`, `ruby`) are stripped with their text kept except ruby text (`rt`), inner timestamps are
    /// dropped, character references decoded; lines outside a voice span are checked for `Name: text`.
    static func segments(fromVTT payload: String) -> [Segment] {
        var segments: [Segment] = []
        var speaker: String?
        var buffer = ""
        var inRubyText = 0
        var hadVoice = false

        func flush() {
            segments.append(Segment(speaker: speaker, text: buffer))
            buffer = ""
        }

        // Byte searches for `<` and `>` (ASCII, so their indices are valid String indices).
        let utf8 = payload.utf8
        func find(_ byte: UInt8, from start: String.Index) -> String.Index {
            var position = start
            while position != utf8.endIndex, utf8[position] != byte { position = utf8.index(after: position) }
            return position
        }
        var index = payload.startIndex
        while index < payload.endIndex {
            if utf8[index] == 0x3C {
                let close = find(0x3E, from: index)
                let tag = payload[payload.index(after: index)..<close]
                index = close < payload.endIndex ? payload.index(after: close) : close
                if tag.hasPrefix("/") {
                    let name = tag.dropFirst().prefix(while: { $0 != "." && $0 != " " && $0 != "\t" })
                    if name == "v" {
                        flush()
                        speaker = nil
                    } else if name == "rt" {
                        inRubyText = max(0, inRubyText - 1)
                    }
                    continue
                }
                let name = tag.prefix(while: { $0 != "." && $0 != " " && $0 != "\t" && $0 != "\n" })
                if name == "v" {
                    flush()
                    hadVoice = true
                    let annotation = tag.drop(while: { $0 != " " && $0 != "\t" && $0 != "\n" })
                    let voice = Speakers.normaliseName(TranscriptText.decodeEntities(annotation))
                    speaker = voice.isEmpty ? nil : voice
                } else if name == "rt" {
                    inRubyText += 1
                }
                // c, i, b, u, lang, ruby and timestamps (<00:00:01.000>): no text of their own.
                continue
            }
            let next = find(0x3C, from: index)
            if inRubyText == 0 { buffer += TranscriptText.decodeEntities(payload[index..<next]) }
            index = next
        }
        flush()
        return attributeInline(segments, allowInline: true, hadVoice: hadVoice)
    }

    /// SRT cue text: `<i>`, `<b>`, `<u>`, `<font …>` tags and `{\an8}`-style override codes stripped; speakers
    /// from `Name: text`, `NAME: text`, `[Name] text`, `>> Name:` and dialogue dashes, line by line.
    static func segments(fromSRT lines: [Substring]) -> [Segment] {
        var text = lines.joined(separator: "\n")
        if text.utf8.contains(0x3C) { text = stripTags(text) }
        if text.utf8.contains(0x7B) { text = stripOverrides(text) }
        return attributeInline([Segment(speaker: nil, text: text)], allowInline: true, hadVoice: false)
    }

    /// Splits unattributed segments at lines that start with a speaker label; collapses whitespace.
    static func attributeInline(_ segments: [Segment], allowInline: Bool, hadVoice: Bool) -> [Segment] {
        var out: [Segment] = []
        for segment in segments {
            if segment.speaker != nil || !allowInline {
                let text = normaliseText(segment.text)
                if !text.isEmpty { out.append(Segment(speaker: segment.speaker, text: text)) }
                continue
            }
            if !segment.text.utf8.contains(0x0A) {
                // One line (the common case): one label check, no splitting.
                if let label = Speakers.inline(segment.text, strict: false) {
                    out.append(Segment(speaker: label.name, text: String(label.rest)))
                } else {
                    out.append(segment)
                }
                continue
            }
            var current = Segment(speaker: nil, text: "")
            for line in TranscriptText.lines(segment.text) {
                if let label = Speakers.inline(line, strict: false) {
                    if !TranscriptText.isBlank(current.text) || current.speaker != nil { out.append(current) }
                    current = Segment(speaker: label.name, text: String(label.rest))
                } else {
                    current.text += current.text.isEmpty ? String(line) : "\n" + line
                }
            }
            out.append(current)
        }
        return out.compactMap { segment in
            let text = normaliseText(segment.text)
            return text.isEmpty ? nil : Segment(speaker: segment.speaker, text: text)
        }
    }

    static func stripTags(_ text: String) -> String {
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "<", let close = text[index...].firstIndex(of: ">") {
                let tag = text[text.index(after: index)..<close].lowercased()
                let name = tag.drop(while: { $0 == "/" }).prefix(while: { $0.isLetter })
                if ["i", "b", "u", "s", "font", "c", "v", "br", "span"].contains(String(name)) {
                    if name == "br" { out += "\n" }
                    index = text.index(after: close)
                    continue
                }
            }
            out.append(text[index])
            index = text.index(after: index)
        }
        return out
    }

    static func stripOverrides(_ text: String) -> String {
        var out = ""
        var index = text.startIndex
        while index < text.endIndex {
            if text[index] == "{", text[index...].dropFirst().first == "\\",
                let close = text[index...].firstIndex(of: "}")
            {
                index = text.index(after: close)
                continue
            }
            out.append(text[index])
            index = text.index(after: index)
        }
        return out
    }
}
