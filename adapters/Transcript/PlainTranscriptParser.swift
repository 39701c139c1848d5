import BackfillCore
import Foundation

/// Plain speaker transcripts: `Name: text` and `NAME: text` lines (Zoom chat-style, interviews), `[Name] text`,
/// Otter/Teams-style header lines (`Name  0:00` or `[Name] 10:02:13` alone on a line, the text below), and a
/// leading `[00:01:23]` / `(00:01:23)` / `00:01:23` stamp before any of these. Lines without a label continue the
/// current speaker.
enum PlainTranscriptParser {
    enum LineKind {
        /// A speaker (and maybe a time) alone on its line; the text follows on the next lines.
        case header(name: String, time: Double?)
        /// A speaker and text on one line.
        case speech(name: String, time: Double?, text: Substring)
        /// A stamp and text, no speaker.
        case stamped(time: Double, text: Substring)
        case text
    }

    static func classify(_ raw: Substring) -> LineKind {
        let line = raw.drop(while: { $0 == " " || $0 == "\t" })
        var trimmed = line
        while let last = trimmed.last, last == " " || last == "\t" { trimmed = trimmed.dropLast() }
        guard !trimmed.isEmpty else { return .text }

        // A leading stamp: [00:01:23] / (00:01:23) / 00:01:23, then the rest.
        if let (time, rest) = leadingStamp(trimmed) {
            if rest.isEmpty { return .text }
            if let label = Speakers.inline(rest, strict: true) {
                return label.rest.isEmpty ? .header(name: label.name, time: time) : .speech(name: label.name, time: time, text: label.rest)
            }
            return .stamped(time: time, text: rest)
        }
        // Name followed by a time alone on the line: "Alice Smith  0:03", "[Alice] 10:02:13", "Bob (00:01:05):".
        if let header = headerLine(trimmed) { return header }
        if let label = Speakers.inline(trimmed, strict: true) {
            return label.rest.isEmpty ? .header(name: label.name, time: nil) : .speech(name: label.name, time: nil, text: label.rest)
        }
        return .text
    }

    private static func leadingStamp(_ line: Substring) -> (Double, Substring)? {
        var body = line
        var closer: Character?
        if body.first == "[" { closer = "]" } else if body.first == "(" { closer = ")" }
        if closer != nil { body = body.dropFirst() }
        let token = body.prefix(while: { $0.isASCII && ($0.isNumber || $0 == ":" || $0 == "." || $0 == ",") })
        guard token.contains(":"), let time = TranscriptText.parseClock(token) else { return nil }
        var rest = body[token.endIndex...]
        if let closer {
            guard rest.first == closer else { return nil }
            rest = rest.dropFirst()
        }
        guard rest.isEmpty || rest.first == " " || rest.first == "\t" || rest.first == "-" else { return nil }
        rest = rest.drop(while: { $0 == " " || $0 == "\t" || $0 == "-" })
        return (time, rest)
    }

    private static func headerLine(_ line: Substring) -> LineKind? {
        // The time is the last whitespace-separated token, maybe in parentheses and followed by a colon.
        guard let space = line.lastIndex(where: { $0 == " " || $0 == "\t" }) else { return nil }
        var token = line[line.index(after: space)...]
        if token.hasSuffix(":") { token = token.dropLast() }
        if token.hasPrefix("("), token.hasSuffix(")") { token = token.dropFirst().dropLast() }
        guard token.contains(":"), let time = TranscriptText.parseClock(token) else { return nil }
        var name = line[..<space].trimmingCharacters(in: .whitespaces)
        if name.hasSuffix(":") { name.removeLast() }
        if name.hasPrefix("["), name.hasSuffix("]") { name = String(name.dropFirst().dropLast()) }
        name = Speakers.normaliseName(name)
        guard Speakers.isName(name, strict: true) else { return nil }
        return .header(name: name, time: time)
    }

    static func parse(_ lines: [Substring]) -> ParsedTranscript {
        var parsed = ParsedTranscript(format: "transcript-text")
        var current: Cue?
        func flush() {
            if let cue = current {
                let segments = cue.segments.compactMap { segment -> Segment? in
                    let text = normaliseText(segment.text)
                    return text.isEmpty ? nil : Segment(speaker: segment.speaker, text: text)
                }
                if !segments.isEmpty { parsed.cues.append(Cue(start: cue.start, end: nil, segments: segments, line: cue.line)) }
            }
            current = nil
        }
        var previousTime: Double?
        var outOfOrder = 0
        for (index, line) in lines.enumerated() {
            let kind = classify(line)
            var time: Double?
            switch kind {
            case .header(let name, let stamp):
                flush()
                time = stamp
                current = Cue(start: stamp, end: nil, segments: [Segment(speaker: name, text: "")], line: index + 1)
            case .speech(let name, let stamp, let text):
                flush()
                time = stamp
                current = Cue(start: stamp, end: nil, segments: [Segment(speaker: name, text: String(text))], line: index + 1)
            case .stamped(let stamp, let text):
                flush()
                time = stamp
                // No speaker on this line: the previous one goes on (a new cue keeps the stamp).
                current = Cue(start: stamp, end: nil, segments: [Segment(speaker: nil, text: String(text))], line: index + 1)
            case .text:
                if current == nil {
                    if TranscriptText.isBlank(line) { continue }
                    current = Cue(start: nil, end: nil, segments: [Segment(speaker: nil, text: "")], line: index + 1)
                }
                current?.segments[0].text += "\n" + line
            }
            if let time {
                if let previousTime, time < previousTime {
                    outOfOrder += 1
                    if outOfOrder <= 3 { parsed.warn("the stamp at line \(index + 1) is earlier than the one before it") }
                }
                previousTime = time
            }
        }
        flush()
        return parsed
    }

    /// Whether the head is clearly a speaker transcript: two or more `Name  0:00` header lines, or three or more
    /// speaker lines by at least two distinct speakers, among the first 60 non-blank lines.
    static func looksLikeTranscript(_ text: String) -> Bool {
        var headers = 0, speech = 0, nonBlank = 0
        var names = Set<String>()
        for line in TranscriptText.lines(text) {
            guard !TranscriptText.isBlank(line) else { continue }
            nonBlank += 1
            if nonBlank > 60 { break }
            switch classify(line) {
            case .header(let name, let time):
                if time != nil { headers += 1 } else { speech += 1 }
                names.insert(name)
            case .speech(let name, _, _):
                speech += 1
                names.insert(name)
            default:
                continue
            }
        }
        return headers >= 2 || (speech + headers >= 3 && names.count >= 2)
    }
}
