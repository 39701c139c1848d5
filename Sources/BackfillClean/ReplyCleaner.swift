import BackfillCore

/// What a ``ReplyCleaner`` removed from one text.
///
/// Lines are the non-blank lines removed (blank lines taken out with them are not counted); characters are the
/// Unicode scalars of those lines, line breaks not counted. `forwards` is the number of forwarded-message
/// separators replaced by the `[forwarded message]` marker (their content is kept).
public struct StripCounts: Sendable, Equatable, Codable {
    public var quotedLines = 0
    public var quotedCharacters = 0
    public var signatureLines = 0
    public var signatureCharacters = 0
    public var forwards = 0

    public init() {}

    public static func + (a: StripCounts, b: StripCounts) -> StripCounts {
        var sum = a
        sum.quotedLines += b.quotedLines
        sum.quotedCharacters += b.quotedCharacters
        sum.signatureLines += b.signatureLines
        sum.signatureCharacters += b.signatureCharacters
        sum.forwards += b.forwards
        return sum
    }

    /// `metadata.stripped`: what `--strip` removed, under the keys of this type's coding (every family writes it
    /// this way, so the run report reads one shape).
    public var metadataValue: JSONValue {
        .object([
            "quoted_lines": .integer(Int64(quotedLines)),
            "quoted_characters": .integer(Int64(quotedCharacters)),
            "signature_lines": .integer(Int64(signatureLines)),
            "signature_characters": .integer(Int64(signatureCharacters)),
            "forwards": .integer(Int64(forwards)),
        ])
    }

    /// The counts of a `metadata.stripped` object (``metadataValue``'s inverse); nil when `value` is not an object.
    /// Missing keys read as 0.
    public init?(metadataValue value: JSONValue?) {
        guard let object = value?.objectValue else { return nil }
        func count(_ key: CodingKeys) -> Int { object[key.rawValue]?.doubleValue.map { Int($0) } ?? 0 }
        quotedLines = count(.quotedLines)
        quotedCharacters = count(.quotedCharacters)
        signatureLines = count(.signatureLines)
        signatureCharacters = count(.signatureCharacters)
        forwards = count(.forwards)
    }

    /// Nothing removed and nothing marked.
    public var isEmpty: Bool {
        quotedLines == 0 && quotedCharacters == 0 && signatureLines == 0 && signatureCharacters == 0 && forwards == 0
    }

    /// The names of `metadata.stripped` (snake case), so the metadata object decodes as a `StripCounts`.
    enum CodingKeys: String, CodingKey {
        case quotedLines = "quoted_lines"
        case quotedCharacters = "quoted_characters"
        case signatureLines = "signature_lines"
        case signatureCharacters = "signature_characters"
        case forwards
    }

    /// Missing keys read as 0 (the metadata leaves nothing out today, but a reader should not depend on it).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        quotedLines = try container.decodeIfPresent(Int.self, forKey: .quotedLines) ?? 0
        quotedCharacters = try container.decodeIfPresent(Int.self, forKey: .quotedCharacters) ?? 0
        signatureLines = try container.decodeIfPresent(Int.self, forKey: .signatureLines) ?? 0
        signatureCharacters = try container.decodeIfPresent(Int.self, forKey: .signatureCharacters) ?? 0
        forwards = try container.decodeIfPresent(Int.self, forKey: .forwards) ?? 0
    }
}

/// A `--strip` list that names something other than `quotes`, `signatures` or `all`.
public struct StripKindError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The word not understood (empty when the list is empty).
    public let word: String

    public init(word: String) { self.word = word }

    public var description: String {
        word.isEmpty
            ? "--strip needs a list: quotes, signatures or all"
            : "unknown --strip kind '\(word)' (known: quotes, signatures, all)"
    }
}

/// Removes quoted reply text and signatures from a plain-text email body, keeping the author's own text.
///
/// Line-oriented, over the text's UTF-8 bytes (lines are `\n`-separated; the caller has removed CR): one pass
/// classifies every line with first- and last-byte tests, and only the few lines those tests single out (ending
/// in a colon, starting with a dash or a header-like word) are compared with the phrase tables
/// (``ReplyPhrases``, ``SignatureRules``). The rules, in the order they apply:
///
/// 1. **Protected lines.** Lines inside a fenced code block (```` ``` ```` or `~~~`, opened and closed at the start
///    of a line outside any quote) are the author's, whatever they start with. An unclosed fence protects nothing.
/// 2. **The quoted tail.** From the first of these to the end of the text, everything is quoted: an Outlook
///    original-message separator (`-----Original Message-----` and its translations); a header block (`From:` then,
///    on the lines directly after, a `Sent:`/`Date:` line and a `To:` or `Subject:` line, in 11 languages), with a
///    `____` rule or an attribution directly before it; an attribution line (``ReplyPhrases``: a dated one, as
///    mail clients write them) that no `>` line follows — the top-posting clients that indent nothing.
///    A header block directly after a forwarded-message separator is the forwarded message's own: kept.
/// 3. **`>` blocks.** Lines starting with `>` (any depth) are quoted, with the blank lines between them, and the
///    attribution directly before a block (blank lines between allowed; Gmail's wrapped two-line form too). Here an
///    undated "Name wrote:" is enough, since the `>` lines confirm it. Author lines between blocks are kept
///    (interleaved replies). A block next to `< ` lines is `diff` output, not a quote: kept.
/// 4. **Forwarded messages.** A forwarded-message separator (Gmail's, Thunderbird's, Apple Mail's "Begin forwarded
///    message:", in 11 languages) is replaced by the line `[forwarded message]`; the forwarded content is kept.
/// 5. **Signatures**, in each stretch of kept text between quotes and forward markers (``SignatureRules``): mobile
///    footers ("Sent from my iPhone", …) and disclaimer paragraphs at the end; then the block from the last `-- `
///    (or `--`) line to the end when at most 15 lines follow the delimiter — or, in the stretch where the author's
///    text ends (the last one, or the one before a forwarded message) and without a delimiter, an undelimited
///    contact block (a name line, then short lines with a phone number, address, web address or "Title | Company");
///    then footers again.
///
/// What is never removed: a `-- ` followed by more than 15 lines; a sentence that contains "wrote:" without ending
/// in it, or an undated "… wrote:" line with no `>` block after it; `>` lines inside a fenced code block, and `>`
/// lines next to `< ` lines (`diff` output); a `From:` line without the `Sent:`/`Date:` and `To:`/`Subject:` lines
/// of a header block; an author's line that merely starts with a footer's words but is longer than a footer; a
/// "Disclaimer…" paragraph that names no notice; the author's answers between quotes (no contact-block rule there).
///
/// Counts: lines are non-blank lines removed; characters are their Unicode scalars (line breaks not counted). The
/// kept text is the original's lines as they were; blank lines doubled by a removal are collapsed, and leading and
/// trailing blank lines (and trailing spaces) are trimmed when something was removed.
///
/// With only `.signatures`, quotes are found (so that the signature before them is) but kept, and forward
/// separators stay as written; with only `.quotes`, signatures are kept.
public struct ReplyCleaner: Sendable {
    private let quotes: Bool
    private let signatures: Bool

    public init(kinds: Set<StripKind>) {
        quotes = kinds.contains(.quotes)
        signatures = kinds.contains(.signatures)
    }

    /// The text without the kinds removed, and what was removed. Returns the text itself when nothing applies.
    public func clean(_ text: String) -> (text: String, counts: StripCounts) {
        guard quotes || signatures, !text.isEmpty else { return (text, StripCounts()) }
        var copy = text
        let outcome = copy.withUTF8 { bytes in
            var pass = ReplyPass(bytes: bytes, quotes: quotes, signatures: signatures)
            return pass.run()
        }
        guard let outcome else { return (text, StripCounts()) }
        return (Self.assemble(outcome.pieces, from: copy), outcome.counts)
    }

    /// The pieces joined by line breaks, trailing whitespace trimmed. Pieces are appended as substrings of the
    /// text (they start and end at line boundaries), so nothing is validated again.
    private static func assemble(_ pieces: [ReplyPass.Piece], from text: String) -> String {
        let utf8 = text.utf8
        var result = ""
        var size = 0
        for piece in pieces {
            if case .bytes(let start, let end) = piece { size += end - start + 1 } else { size += 20 }
        }
        result.reserveCapacity(size)
        for (n, piece) in pieces.enumerated() {
            if n > 0 { result.append("\n") }
            switch piece {
            case .bytes(let start, let end):
                let from = utf8.index(utf8.startIndex, offsetBy: start)
                let to = utf8.index(from, offsetBy: end - start)
                result.append(contentsOf: Substring(utf8[from..<to]))
            case .marker:
                result.append("[forwarded message]")
            }
        }
        var end = result.utf8.endIndex
        while end > result.utf8.startIndex {
            let before = result.utf8.index(before: end)
            let byte = result.utf8[before]
            guard byte == 0x0A || Bytes.isSpace(byte) else { break }
            end = before
        }
        if end < result.utf8.endIndex { result.removeSubrange(end..<result.endIndex) }
        return result
    }

    /// The kinds named in an adapter's `strip` option (`all` for every kind; nil or empty: none). The CLI has
    /// rejected unknown words already; here they are ignored.
    public static func optionKinds(_ list: String?) -> Set<StripKind> {
        guard let list, !list.isEmpty else { return [] }
        var kinds: Set<StripKind> = []
        for word in list.split(separator: ",") {
            let name = word.trimmingSpaces.lowercased()
            if name == "all" { kinds.formUnion(StripKind.allCases) }
            if let kind = StripKind(rawValue: name) { kinds.insert(kind) }
        }
        return kinds
    }

    /// Parses a `--strip` list: comma-separated kinds (`quotes`, `signatures`), or `all`; case and spaces ignored.
    /// Throws ``StripKindError`` naming the first word that is none of these.
    public static func parseKinds(_ list: String) throws -> Set<StripKind> {
        var kinds: Set<StripKind> = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: false) {
            let word = raw.trimmingSpaces.lowercased()
            if word.isEmpty { continue }
            if word == "all" {
                kinds.formUnion(StripKind.allCases)
            } else if let kind = StripKind(rawValue: word) {
                kinds.insert(kind)
            } else {
                throw StripKindError(word: String(raw.trimmingSpaces))
            }
        }
        if kinds.isEmpty { throw StripKindError(word: "") }
        return kinds
    }
}

extension Substring {
    fileprivate var trimmingSpaces: Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s = s.dropFirst() }
        while let last = s.last, last == " " || last == "\t" { s = s.dropLast() }
        return s
    }
}
