/// One ``ReplyCleaner/clean(_:)`` over a text's UTF-8 bytes: the lines scanned and flagged, each marked
/// (kept, quoted, signature, forward separator), then the kept ones assembled.
struct ReplyPass {
    enum Mark: UInt8 {
        case keep, quote, signature, forward
    }

    let bytes: UnsafeBufferPointer<UInt8>
    let quotes: Bool
    let signatures: Bool
    var lines: [ReplyLine] = []
    var marks: [Mark] = []
    let tables = SignatureTables()

    init(bytes: UnsafeBufferPointer<UInt8>, quotes: Bool, signatures: Bool) {
        self.bytes = bytes
        self.quotes = quotes
        self.signatures = signatures
    }

    /// What to keep and what was removed; nil when nothing changes.
    mutating func run() -> Outcome? {
        lines = Bytes.lines(bytes)
        marks = [Mark](repeating: .keep, count: lines.count)
        let tail = findTail()
        for i in tail..<lines.count { marks[i] = .quote }
        markQuoteBlocks(before: tail)
        if signatures { markSignatures() }
        return assemble()
    }

    // MARK: The quoted tail

    /// Where the quoted tail starts (`lines.count`: none); marks the forward separators before it.
    private mutating func findTail() -> Int {
        var lastForward = -1
        var previousContent = -1
        for i in lines.indices {
            let line = lines[i]
            let flags = line.flags
            if flags.contains(.blank) { continue }
            // Directly after a forward separator (blank lines between): the forwarded message's own header block.
            let afterForward = lastForward >= 0 && previousContent == lastForward
            previousContent = i
            if flags.contains(.quote) || flags.contains(.protected) { continue }
            let dashed =
                flags.contains(.startsDash) && line.trimEnd - line.trimStart > 4 && bytes[line.trimStart + 1] == 0x2D
            if dashed || flags.contains(.endsColon) {
                switch ReplyPhrases.separator(LineText(bytes, line), endsColon: flags.contains(.endsColon)) {
                case .original: return attributionStart(before: i) ?? i
                case .forward:
                    marks[i] = .forward
                    lastForward = i
                    continue
                case nil: break
                }
            }
            if flags.contains(.startsUnderscore) && isRule(line) && !afterForward, let next = nextNonBlank(after: i),
                isHeaderBlock(next)
            {
                return attributionStart(before: i) ?? i
            }
            if flags.contains(.headerCandidate) && !afterForward && isHeaderBlock(i) {
                return attributionStart(before: i) ?? i
            }
            if flags.contains(.endsColon), let found = attribution(at: i), found.strength == .strong {
                // A `>` block after it is rule 3's (the author may write below it).
                if let next = nextNonBlank(after: i), isQuote(next) { continue }
                return found.start
            }
        }
        return lines.count
    }

    /// A `From:` line followed, on the lines directly after it, by a `Sent:`/`Date:` line and a `To:` or `Subject:`
    /// line (continuation lines of wrapped address lists allowed).
    private func isHeaderBlock(_ i: Int) -> Bool {
        guard !lines[i].flags.contains(.protected), ReplyPhrases.headerRole(bytes, lines[i]) == .from else {
            return false
        }
        var sent = false
        var other = false
        var unknown = 0
        var j = i + 1
        while j < lines.count && j <= i + 12 && !lines[j].flags.contains(.blank) {
            switch ReplyPhrases.headerRole(bytes, lines[j]) {
            case .sent: sent = true
            case .to, .subject: other = true
            case .from: return false
            case nil:
                unknown += 1
                if unknown > 3 { return false }
            }
            if sent && other { return true }
            j += 1
        }
        return false
    }

    /// A line of at least 8 underscores (Outlook's rule above its header block).
    private func isRule(_ line: ReplyLine) -> Bool {
        guard line.trimEnd - line.trimStart >= 8 else { return false }
        return bytes[line.trimStart..<line.trimEnd].allSatisfy { $0 == 0x5F }
    }

    // MARK: `>` blocks

    private func isQuote(_ i: Int) -> Bool {
        lines[i].flags.contains(.quote) && !lines[i].flags.contains(.protected)
    }

    /// Marks each `>` block before the tail, with its attribution.
    private mutating func markQuoteBlocks(before tail: Int) {
        var i = 0
        while i < tail {
            guard isQuote(i), marks[i] == .keep else {
                i += 1
                continue
            }
            var last = i
            var j = i + 1
            while j < tail {
                if isQuote(j) {
                    last = j
                } else if !lines[j].flags.contains(.blank) {
                    break
                }
                j += 1
            }
            if !isDiff(i, last) {
                for k in i...last { marks[k] = .quote }
                if let start = attributionStart(before: i) {
                    for k in start..<i { marks[k] = .quote }
                }
            }
            i = last + 1
        }
    }

    /// `diff` output (`< old`, `---`, `> new`) next to the block: not a quote.
    private func isDiff(_ first: Int, _ last: Int) -> Bool {
        for k in [first - 1, first - 2, last + 1, last + 2] where k >= 0 && k < lines.count {
            if lines[k].flags.contains(.startsLess) { return true }
        }
        return false
    }

    // MARK: Attributions

    /// The attribution ending on line `i`: alone, or Gmail's wrapped form joined with the line before. Joined, only
    /// a dated attribution counts, so an author's sentence above a "Name wrote:" stays; a line that is a dated
    /// attribution alone takes the line before only when that one holds an address or a date (Gmail wraps
    /// "Name <addr> 于2015年1月5日周一" / "上午8:27写道：").
    private func attribution(at i: Int) -> (start: Int, strength: ReplyPhrases.Attribution)? {
        let line = lines[i]
        guard line.flags.contains(.endsColon), !line.flags.contains(.protected), !line.flags.contains(.quote),
            marks[i] == .keep
        else { return nil }
        let alone = ReplyPhrases.attribution(LineText(bytes, line))
        if i > 0 {
            let previous = lines[i - 1]
            let unusable: LineFlags = [.blank, .quote, .protected, .endsColon]
            if previous.flags.isDisjoint(with: unusable) && marks[i - 1] == .keep
                && previous.trimEnd - previous.trimStart <= 300
                && (alone != .strong || holdsAddressOrDate(previous)),
                ReplyPhrases.attribution(LineText(bytes, joining: previous, line)) == .strong
            {
                return (i - 1, .strong)
            }
        }
        switch alone {
        case .strong: return (i, .strong)
        case .weak: return (i, .weak)
        default: return nil
        }
    }

    private func holdsAddressOrDate(_ line: ReplyLine) -> Bool {
        let text = bytes[line.trimStart..<line.trimEnd]
        return text.contains(0x40) || text.contains(0x3C) || ReplyPhrases.isDated(ArraySlice(text))
    }

    /// The first line of an attribution (weak ones too) directly before line `i`, blank lines between allowed.
    private func attributionStart(before i: Int) -> Int? {
        var k = i - 1
        while k >= 0 && lines[k].flags.contains(.blank) { k -= 1 }
        guard k >= 0, let found = attribution(at: k) else { return nil }
        return found.start
    }

    // MARK: Helpers

    func nextNonBlank(after i: Int) -> Int? {
        var k = i + 1
        while k < lines.count {
            if !lines[k].flags.contains(.blank) { return k }
            k += 1
        }
        return nil
    }

    // MARK: Output

    /// A stretch of the text kept as it is (consecutive kept lines, their line breaks included), or the marker.
    enum Piece {
        case bytes(Int, Int)
        case marker
    }

    /// What to assemble: the pieces, joined by line breaks.
    struct Outcome {
        var pieces: [Piece]
        var counts: StripCounts
    }

    /// The kept lines as pieces (blank lines left doubled by a removal collapsed, leading blank lines after one
    /// dropped), forward separators replaced by the marker; nil when nothing changes.
    private func assemble() -> Outcome? {
        var changed = false
        for mark in marks where (mark == .quote || mark == .forward) ? quotes : (mark == .signature && signatures) {
            changed = true
            break
        }
        guard changed else { return nil }
        var outcome = Outcome(pieces: [], counts: StripCounts())
        var run: (start: Int, end: Int)?
        var lastBlank = false
        var removedSince = false
        var previousKept = -2
        for (i, line) in lines.enumerated() {
            let blank = line.flags.contains(.blank)
            switch marks[i] {
            case .quote where quotes, .signature where signatures:
                removedSince = true
                guard !blank else { continue }
                count(line, quoted: marks[i] == .quote, into: &outcome.counts)
                continue
            case .forward where quotes:
                if let open = run { outcome.pieces.append(.bytes(open.start, open.end)) }
                run = nil
                outcome.pieces.append(.marker)
                outcome.counts.forwards += 1
            default:
                if blank && removedSince && (lastBlank || (run == nil && outcome.pieces.isEmpty)) { continue }
                if let open = run, previousKept == i - 1 {
                    run = (open.start, line.end)
                } else {
                    if let open = run { outcome.pieces.append(.bytes(open.start, open.end)) }
                    run = (line.start, line.end)
                }
                previousKept = i
            }
            lastBlank = blank
            removedSince = false
        }
        if let open = run { outcome.pieces.append(.bytes(open.start, open.end)) }
        return outcome
    }

    private func count(_ line: ReplyLine, quoted: Bool, into counts: inout StripCounts) {
        let characters = Bytes.scalars(bytes, line.start, line.end)
        if quoted {
            counts.quotedLines += 1
            counts.quotedCharacters += characters
        } else {
            counts.signatureLines += 1
            counts.signatureCharacters += characters
        }
    }
}
