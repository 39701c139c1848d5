import BackfillClean
import BackfillCore

/// `--strip quotes` for the chat exports that mark a quote as one (`adapters/Chat/README.md#strip`):
///
/// - **Markdown block quotes** in Slack and Discord messages: a line starting with `>` followed by a space, the end
///   of the line or another `>` (nested), with the blank lines between such lines; `>>>` (Slack and Discord: the
///   rest of the message is quoted) removes everything after it. A `>` without a space after it (`>_<`, `>=3`,
///   `->`) is text, and lines inside a ```` ``` ```` code block are the author's whatever they start with.
/// - **Telegram `blockquote` entities** (`text_entities` of type `blockquote` or `expandable_blockquote`).
/// - **Slack message unfurls**: an attachment with `is_msg_unfurl` and without `is_share` is the preview of a linked
///   message (the message itself is in the export, or not the user's to send again); a shared message
///   (`is_share`, Slack's forward) is kept, as email keeps forwarded content.
///
/// Counts follow ``StripCounts``: non-blank lines removed, and their Unicode scalars without line breaks. Other chat
/// formats mark no quotes in their exports (WhatsApp's text export, Messenger, ChatGPT, Claude): nothing is removed
/// there. Signatures are an email thing; chats have none to strip.
struct ChatQuotes: Sendable {
    /// What a message that was nothing but a quote becomes: seen in the conversation (and its counts kept), not
    /// lost.
    static let onlyQuoted = "[quote]"

    /// Whether `--strip` named quotes (or `all`).
    let enabled: Bool

    init(context: AdapterContext) {
        enabled = ReplyCleaner.optionKinds(context.options["strip"]).contains(.quotes)
    }

    init(enabled: Bool) { self.enabled = enabled }

    /// The text without its Markdown block quotes, and what they held. Unchanged when nothing is quoted.
    func markdown(_ text: String) -> (text: String, counts: StripCounts) {
        guard enabled, text.utf8.contains(UInt8(ascii: ">")) else { return (text, StripCounts()) }
        var counts = StripCounts()
        var kept: [Substring] = []
        var fenced = false
        var removedSomething = false
        var restQuoted = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.drop { $0 == " " || $0 == "\t" }
            if restQuoted {
                Self.count(line, into: &counts)
                continue
            }
            if trimmed.hasPrefix("```") { fenced.toggle() }
            if !fenced, line.first == ">" {
                if line.hasPrefix(">>>") && !line.hasPrefix(">>>>") {
                    // Everything from here to the end of the message is the quote.
                    restQuoted = true
                    removedSomething = true
                    Self.count(line.dropFirst(3), into: &counts)
                    continue
                }
                if Self.isQuoteLine(line) {
                    removedSomething = true
                    Self.count(line, into: &counts)
                    kept.append(Self.quoteMark)
                    continue
                }
            }
            kept.append(line)
        }
        guard removedSomething else { return (text, StripCounts()) }
        return (Self.assemble(kept), counts)
    }

    /// The text of Telegram `text_entities` without its block quotes, and what they held.
    func telegramEntities(_ entities: [JSONValue]) -> (text: String, counts: StripCounts) {
        var counts = StripCounts()
        var text = ""
        for entity in entities {
            guard let piece = entity["text"]?.stringValue else { continue }
            let type = entity["type"]?.stringValue ?? "plain"
            if enabled, type == "blockquote" || type == "expandable_blockquote" {
                for line in piece.split(separator: "\n", omittingEmptySubsequences: false) {
                    Self.count(line, into: &counts)
                }
                continue
            }
            text += piece
        }
        return (text, counts)
    }

    /// Whether a Slack attachment is the preview of a linked message (removed), not a shared one (kept).
    func dropsAttachment(_ attachment: JSONValue) -> Bool {
        guard enabled else { return false }
        return attachment["is_msg_unfurl"] == .bool(true) && attachment["is_share"] != .bool(true)
    }

    /// Adds a removed piece of text's lines and scalars to the counts.
    static func count(_ text: Substring, into counts: inout StripCounts) {
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            guard !line.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) else { continue }
            counts.quotedLines += 1
            counts.quotedCharacters += line.unicodeScalars.count
        }
    }

    /// `>` then a space, the end of the line or another `>` (nested quotes, `> > x`, `>> x`).
    static func isQuoteLine(_ line: Substring) -> Bool {
        var rest = line[...]
        while rest.first == ">" { rest = rest.dropFirst() }
        guard rest.count < line.count else { return false }
        guard let next = rest.first else { return true }
        return next == " " || next == "\t" || next == "\r"
    }

    /// A marker line the assembly drops: where a quote stood, so blank lines around it collapse to one.
    private static let quoteMark: Substring = "\u{0}quote"

    /// The kept lines joined, quote markers dropped, blank runs collapsed to one (a blank line between two quoted
    /// lines goes with them), and the ends trimmed.
    private static func assemble(_ lines: [Substring]) -> String {
        var out: [Substring] = []
        var previousBlank = true
        for line in lines {
            if line == quoteMark { continue }
            let blank = line.allSatisfy { $0 == " " || $0 == "\t" || $0 == "\r" }
            if blank && previousBlank { continue }
            out.append(line)
            previousBlank = blank
        }
        while let last = out.last, last.allSatisfy({ $0 == " " || $0 == "\t" || $0 == "\r" }) { out.removeLast() }
        return out.joined(separator: "\n")
    }
}
