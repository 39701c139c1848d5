import BackfillCore

/// Frames an Evernote export (`.enex`) into its `<note>…</note>` elements, streamed chunk by chunk: memory is one
/// note's XML without its attachments, whatever the file's size. Inside `<![CDATA[ … ]]>` (the note's ENML) nothing is
/// a tag; the base64 of `<data>` (an attachment's bytes) is skipped, its element kept empty, so a note with a 200 MB
/// PDF costs what its text costs. A note over `maxNoteBytes` (without its data) is framed to its end and reported.
final class ENEXFramer {
    enum Item {
        /// A note's bytes (`<note>` to `</note>`), and the byte offset where it starts.
        case note([UInt8], offset: Int64)
        /// A note over the budget: where it starts and how large it was when the framing gave up keeping it.
        case tooLarge(offset: Int64)
        /// The file ended inside a note that started at `offset`.
        case truncated(offset: Int64)
    }

    private let source: any ByteSource
    private let maxNoteBytes: Int
    private var chunk: [UInt8] = []
    private var index = 0
    private var offset: Int64 = 0
    private var ended = false

    private enum State { case outside, note, cdata, dataTag, data }
    private var state = State.outside
    private var note: [UInt8] = []
    private var noteOffset: Int64 = 0
    private var overBudget = false
    /// The last bytes seen, for tokens that straddle a chunk boundary (and in states that keep nothing).
    private var recent: [UInt8] = []

    init(source: any ByteSource, maxNoteBytes: Int) {
        self.source = source
        self.maxNoteBytes = maxNoteBytes
    }

    private static let open = Array("<note>".utf8)
    private static let close = Array("</note>".utf8)
    private static let cdataOpen = Array("<![CDATA[".utf8)
    private static let cdataClose = Array("]]>".utf8)
    private static let dataOpen = Array("<data".utf8)
    private static let dataClose = Array("</data>".utf8)

    private func ends(with token: [UInt8]) -> Bool {
        recent.count >= token.count && recent.suffix(token.count).elementsEqual(token)
    }

    /// The next note, or nil at the end of the file.
    func next() throws -> Item? {
        while true {
            if index >= chunk.count {
                if ended { return finish() }
                try StopCheck.check()
                chunk = try source.read(maxLength: 1 << 20)
                index = 0
                if chunk.isEmpty {
                    ended = true
                    return finish()
                }
            }
            let byte = chunk[index]
            index += 1
            offset += 1
            recent.append(byte)
            if recent.count >= 64 { recent.removeFirst(48) }  // amortised: tokens are at most 9 bytes
            switch state {
            case .outside:
                if byte == UInt8(ascii: ">"), ends(with: Self.open) {
                    state = .note
                    note = Self.open
                    noteOffset = offset - Int64(Self.open.count)
                    overBudget = false
                }
            case .note:
                keep(byte)
                if byte == UInt8(ascii: "["), ends(with: Self.cdataOpen) {
                    state = .cdata
                } else if byte == UInt8(ascii: "a"), ends(with: Self.dataOpen) {
                    state = .dataTag
                } else if byte == UInt8(ascii: ">"), ends(with: Self.close) {
                    state = .outside
                    let done = note
                    note = []
                    return overBudget ? .tooLarge(offset: noteOffset) : .note(done, offset: noteOffset)
                }
            case .cdata:
                keep(byte)
                if byte == UInt8(ascii: ">"), ends(with: Self.cdataClose) { state = .note }
            case .dataTag:
                keep(byte)
                // `<data` was `<database…>` or the like when a name character follows: not the data element.
                if recent.count >= 6, recent[(recent.count - 6)...].starts(with: Self.dataOpen),
                    ![UInt8(ascii: ">"), 0x20, 0x09, 0x0A, 0x0D, UInt8(ascii: "/")].contains(byte)
                {
                    state = .note
                } else if byte == UInt8(ascii: ">") {
                    state = note.suffix(2).first == UInt8(ascii: "/") ? .note : .data
                }
            case .data:
                // The attachment's base64: skipped, not kept.
                if byte == UInt8(ascii: ">"), ends(with: Self.dataClose) {
                    for b in Self.dataClose { keep(b) }
                    state = .note
                }
            }
        }
    }

    private func keep(_ byte: UInt8) {
        guard !overBudget else { return }
        note.append(byte)
        if note.count > maxNoteBytes {
            overBudget = true
            note = []
        }
    }

    private func finish() -> Item? {
        guard state != .outside else { return nil }
        state = .outside
        note = []
        return .truncated(offset: noteOffset)
    }
}
