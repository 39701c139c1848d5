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

extension MemoryDocument {
    /// This document, or its `#part-N` documents when its text is over `maxBytes` (``TextParts``): ids
    /// `{id}#part-1`, `#part-2`, …, each with the document's date, scope, provenance and metadata plus `part`,
    /// `parts` and `parent_document_id`; the cursor on the last part only (a resume re-reads the item, and the
    /// ledger knows the parts already sent).
    public func splitIntoParts(maxBytes: Int) -> [MemoryDocument] {
        let pieces = TextParts.split(request.document, maxBytes: maxBytes)
        guard pieces.count > 1 else { return [self] }
        let base = request.metadata?.objectValue ?? [:]
        return pieces.enumerated().map { index, piece in
            var part = self
            part.request.document = String(piece)
            part.request.documentID = DocumentID.part(id, index + 1)
            var metadata = base
            metadata["part"] = .integer(Int64(index + 1))
            metadata["parts"] = .integer(Int64(pieces.count))
            metadata["parent_document_id"] = .string(id)
            part.request.metadata = .object(metadata)
            part.cursorAfter = index == pieces.count - 1 ? cursorAfter : nil
            return part
        }
    }
}

/// Hands on a reader's outputs with every document over `maxBytes` split into its `#part-N` documents
/// (``MemoryDocument/splitIntoParts(maxBytes:)``), in order: for the families whose items are single texts with no
/// finer structure (an email message's body).
public final class LongDocumentSplitter: RecordReader {
    private let inner: any RecordReader
    private let maxBytes: Int
    private var pending: [AdapterOutput] = []

    public init(_ inner: any RecordReader, maxBytes: Int) {
        self.inner = inner
        self.maxBytes = maxBytes
    }

    public func next() async throws -> AdapterOutput? {
        if let part = pending.popLast() { return part }
        guard let output = try await inner.next() else { return nil }
        guard case .document(let document) = output, document.request.document.utf8.count > maxBytes else {
            return output
        }
        pending = document.splitIntoParts(maxBytes: maxBytes).reversed().map(AdapterOutput.document)
        return pending.popLast()
    }
}
