// The output side of `HTMLText` (see HTMLText.swift).

// MARK: - Output

/// Accumulates UTF-8 output with pending breaks and spaces, so that whitespace is decided only when the next
/// visible character arrives.
struct TextBuilder {
    private var out: [UInt8] = []
    private var pendingBreaks = 0
    private var pendingSpace = false
    private var pendingSeparator = false
    private var prefix: [UInt8] = []
    private var atLineStart = true

    /// The last line written so far, without surrounding spaces (what a quote block follows).
    var lastLine: ArraySlice<UInt8> {
        var end = out.endIndex
        while end > out.startIndex, out[end - 1] == 0x0A || Self.isSpace(out[end - 1]) { end -= 1 }
        var start = end
        while start > out.startIndex, out[start - 1] != 0x0A { start -= 1 }
        while start < end, Self.isSpace(out[start]) { start += 1 }
        return out[start..<end]
    }

    mutating func requestBreaks(_ count: Int) {
        pendingBreaks = max(pendingBreaks, count)
        pendingSpace = false
        pendingSeparator = false
    }

    /// `<br>`: each one counts, so `<br><br>` leaves a blank line.
    mutating func lineBreak() {
        if out.isEmpty { return }
        pendingBreaks = min(2, pendingBreaks + 1)
        pendingSpace = false
        pendingSeparator = false
    }

    mutating func setPrefix(_ text: String) { prefix = Array(text.utf8) }

    mutating func cellStart() {
        if !atLineStart && pendingBreaks == 0 { pendingSeparator = true }
    }

    /// Writes what is pending before a visible character.
    private mutating func flushPending() {
        if pendingBreaks > 0 {
            if !out.isEmpty {
                for _ in 0..<pendingBreaks { out.append(0x0A) }
                atLineStart = true
            }
            pendingBreaks = 0
            pendingSpace = false
            pendingSeparator = false
        }
        if !prefix.isEmpty {
            if !atLineStart { out.append(0x0A) }
            out.append(contentsOf: prefix)
            prefix = []
            atLineStart = false
            pendingSpace = false
            pendingSeparator = false
        }
        if pendingSeparator {
            out.append(contentsOf: [0x20, 0x7C, 0x20])  // " | "
            pendingSeparator = false
            pendingSpace = false
        }
        if pendingSpace && !atLineStart { out.append(0x20) }
        pendingSpace = false
        atLineStart = false
    }

    mutating func appendInline(_ bytes: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = bytes.count
        while index < count {
            let byte = bytes[index]
            switch byte {
            case 0x20, 0x09, 0x0A, 0x0D, 0x0C:
                pendingSpace = true
                index += 1
            case 0xC2 where index + 1 < count && bytes[index + 1] == 0xA0:
                // A no-break space reads as a space.
                pendingSpace = true
                index += 2
            default:
                flushPending()
                out.append(byte)
                index += 1
            }
        }
    }

    mutating func appendPreformatted(_ bytes: UnsafeBufferPointer<UInt8>) {
        guard !bytes.isEmpty else { return }
        flushPending()
        out.append(contentsOf: bytes)
        atLineStart = bytes.last == 0x0A
    }

    /// The text: trailing spaces removed from every line, at most one blank line in a row, trimmed.
    mutating func finish() -> String {
        var result: [UInt8] = []
        result.reserveCapacity(out.count)
        var blankRun = 0
        for line in out.split(separator: 0x0A, omittingEmptySubsequences: false) {
            var end = line.endIndex
            while end > line.startIndex, Self.isSpace(line[end - 1]) { end -= 1 }
            let trimmed = line[line.startIndex..<end]
            if trimmed.isEmpty {
                blankRun += 1
                continue
            }
            if !result.isEmpty { result.append(contentsOf: blankRun > 0 ? [0x0A, 0x0A] : [0x0A]) }
            blankRun = 0
            result.append(contentsOf: trimmed)
        }
        return String(decoding: result, as: UTF8.self)
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0C
    }
}
