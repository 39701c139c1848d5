import Foundation

/// Inline speaker labels: `Name: text`, `NAME: text`, `[Name] text`, `>> Name: text`, `- Name: text`.
enum Speakers {
    /// Words that end in a colon in ordinary prose or notes and are not speakers.
    static let notNames: Set<String> = [
        "note", "notes", "nb", "ps", "fyi", "agenda", "summary", "action items", "action item", "actions", "decision",
        "decisions", "todo", "to do", "update", "updates", "status", "subject", "date", "time", "location", "where",
        "when", "attendees", "participants", "present", "topic", "topics", "next steps", "next", "re", "fwd",
        "warning", "example", "e.g", "i.e", "http", "https", "ftp", "mailto", "www", "tip", "important", "caution",
        "source", "reference", "transcript", "meeting", "title", "recording", "duration", "link", "url", "from", "to",
        "cc", "bcc", "sent", "reply-to", "received", "message-id", "content-type",
    ]

    /// The label at the start of `line` and the text after it.
    /// - Parameters:
    ///   - strict: plain-text rules: the name must start with an upper-case letter (or be bracketed), and a leading
    ///     `- ` is a list bullet, not a dialogue dash.
    static func inline<S: StringProtocol>(_ line: S, strict: Bool) -> (name: String, rest: Substring)? {
        // Fast reject: no colon, full-width colon (lead byte 0xEF) or bracket near the start.
        let head = line.utf8.prefix(200)
        guard head.contains(0x3A) || head.contains(0xEF) || head.contains(0x5B) else { return nil }
        var text = Substring(line).drop(while: { $0 == " " || $0 == "\t" })
        if !strict {
            if text.hasPrefix(">>") { text = text.dropFirst(2).drop(while: { $0 == " " }) }
            if text.hasPrefix("- ") || text.hasPrefix("– ") { text = text.dropFirst(2) }
        }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let name = normaliseName(text[text.index(after: text.startIndex)..<close])
            var rest = text[text.index(after: close)...]
            if rest.hasPrefix(":") { rest = rest.dropFirst() }
            guard isName(name, strict: false), rest.isEmpty || rest.first == " " || rest.first == "\t" else {
                return nil
            }
            return (name, rest.drop(while: { $0 == " " || $0 == "\t" }))
        }
        guard let colon = text.prefix(60).firstIndex(where: { $0 == ":" || $0 == "：" }) else { return nil }
        let after = text[text.index(after: colon)...]
        // A full-width colon (Chinese, Japanese) needs no space after it.
        guard after.isEmpty || after.first == " " || after.first == "\t" || text[colon] == "：" else { return nil }
        let name = normaliseName(text[..<colon])
        guard isName(name, strict: strict) else { return nil }
        return (name, after.drop(while: { $0 == " " || $0 == "\t" }))
    }

    static func normaliseName<S: StringProtocol>(_ raw: S) -> String {
        raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).joined(separator: " ")
    }

    /// Whether `name` plausibly names a person (or `Speaker 2`, `Q`, `jsmith`): 1–5 words, ≤ 48 characters,
    /// starting with a letter, no sentence punctuation, not a note keyword.
    static func isName(_ name: String, strict: Bool) -> Bool {
        guard !name.isEmpty, name.count <= 48, let first = name.unicodeScalars.first,
            first.properties.isAlphabetic
        else { return false }
        let words = name.split(separator: " ")
        guard words.count <= 5 else { return false }
        for scalar in name.unicodeScalars {
            switch scalar {
            case "?", "!", ";", ",", "\"", "“", "”", "<", ">", "{", "}", "[", "]", "=", "/", "\\", "|", "*", "#", "$",
                "%", "+", "~", "`", "^":
                return false
            default: continue
            }
        }
        if notNames.contains(name.lowercased()) { return false }
        if strict {
            // Each word capitalised (or a particle / initial / number): "Ana", "Mary-Jo van Dyke", "Speaker 2".
            let particles: Set<String> = ["van", "von", "de", "der", "den", "da", "di", "du", "la", "le", "del", "bin", "al", "y", "of"]
            for (index, word) in words.enumerated() {
                guard let initial = word.unicodeScalars.first else { return false }
                if initial.properties.isUppercase || initial.properties.numericType != nil { continue }
                if index > 0 && particles.contains(String(word)) { continue }
                return false
            }
        }
        return true
    }
}
