/// Cuts a text over the document size limit into consecutive pieces of at most `maxBytes` UTF-8 bytes each, at the
/// most natural boundary inside the limit: after the last blank line (a paragraph's end) in the back half of the
/// piece, else after the last line break, else after the last space, else between two Unicode scalars (a single unbroken run over the limit). The
/// pieces concatenated are the text, byte for byte: nothing is dropped, added or trimmed.
///
/// Used by the families whose items have no finer structure than their text (plain text, Markdown and HTML files);
/// chats, transcripts and threads split at their turns, cues and messages first.
public enum TextParts {
    /// The pieces of `text` (one, the whole text, when it fits). `maxBytes` below 4 is taken as 4, so that every
    /// scalar fits in a piece.
    public static func split(_ text: String, maxBytes: Int) -> [Substring] {
        let limit = max(4, maxBytes)
        let utf8 = text.utf8
        guard utf8.count > limit else { return [text[...]] }
        var pieces: [Substring] = []
        var start = utf8.startIndex
        var remaining = utf8.count
        while remaining > limit {
            let end = utf8.index(start, offsetBy: limit)
            let cut = cutPoint(utf8, from: start, to: end)
            pieces.append(text[start..<cut])
            remaining -= utf8.distance(from: start, to: cut)
            start = cut
        }
        if start < utf8.endIndex { pieces.append(text[start...]) }
        return pieces
    }

    /// Where the piece starting at `start` ends, no later than `end` (which is `limit` bytes on) and after `start`.
    static func cutPoint(_ utf8: String.UTF8View, from start: String.Index, to end: String.Index) -> String.Index {
        var lastNewline: String.Index?
        var lastSpace: String.Index?
        var index = end
        // Backwards from the limit: a blank line in the back half of the piece wins (one near its start would make
        // a needlessly small part); the last line break and the last space are remembered.
        let half = utf8.index(start, offsetBy: utf8.distance(from: start, to: end) / 2)
        while index > start {
            let previous = utf8.index(before: index)
            let byte = utf8[previous]
            if byte == 0x0A {
                if index > half, previous > start, utf8[utf8.index(before: previous)] == 0x0A { return index }
                if lastNewline == nil { lastNewline = index }
            } else if lastSpace == nil, byte == 0x20 || byte == 0x09 {
                lastSpace = index
            }
            if lastNewline != nil, index <= half { break }
            index = previous
        }
        if let lastNewline { return lastNewline }
        if let lastSpace { return lastSpace }
        // No whitespace: between scalars, at or before the limit (a continuation byte is 0b10xxxxxx).
        var cut = end
        while cut > start, (utf8[cut] & 0xC0) == 0x80 { cut = utf8.index(before: cut) }
        return cut > start ? cut : end
    }
}
