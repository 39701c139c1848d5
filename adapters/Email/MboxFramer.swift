import BackfillCore
import Foundation

/// One message cut out of an mbox.
package struct FramedMessage {
    package enum Kind {
        /// A message after a real From_ line.
        case message
        /// Bytes before the first From_ line (not a message).
        case preamble
        /// A message larger than the cap: its bytes were dropped while scanning.
        case oversize
    }

    package var kind: Kind
    /// The message (headers and body) without its From_ line, mboxrd quoting undone. Empty for `.oversize`.
    package var bytes: [UInt8]
    /// Offset of the From_ line.
    var offset: Int64
    /// Offset of the next message (or the end of the file).
    var nextOffset: Int64
    /// The date on the From_ line.
    var envelopeDate: EmailDate.Epoch?
    /// Size in the file, From_ line included.
    var length: Int64 { nextOffset - offset }
}

/// Cuts an mbox into messages, streaming: a chunk buffer searched with `memmem` for `\nFrom `, each candidate
/// checked as a real From_ line (sender token + ctime-like date), so body lines starting with "From " never split
/// a message. Content-Length is never used. Memory: one chunk plus the current message (capped).
package final class MboxFramer {
    private let source: any ByteSource
    private let chunkSize: Int
    private let maxMessageBytes: Int
    private let unescape: Bool
    private var buffer: [UInt8] = []
    /// File offset of `buffer[0]`.
    private var bufferOffset: Int64
    /// Index in `buffer` of the current message's start.
    private var start = 0
    private var atEnd = false
    private var first = true

    private static let separator: [UInt8] = Array("\nFrom ".utf8)
    private static let escaped: [UInt8] = Array(">From ".utf8)

    package init(
        source: any ByteSource, startOffset: Int64, maxMessageBytes: Int, unescape: Bool, chunkSize: Int = 1 << 20
    ) {
        self.source = source
        self.bufferOffset = startOffset
        self.maxMessageBytes = maxMessageBytes
        self.unescape = unescape
        self.chunkSize = chunkSize
    }

    /// The offset of the next unread byte of the stream as framed so far.
    var offset: Int64 { bufferOffset + Int64(start) }

    /// Reads one more chunk; false at the end of input. Drops bytes before `keepFrom` first.
    private func fill(keepFrom: Int) throws -> Int {
        var dropped = 0
        if keepFrom > 0 {
            buffer.removeSubrange(0..<keepFrom)
            bufferOffset += Int64(keepFrom)
            dropped = keepFrom
        }
        if try source.read(appendingTo: &buffer, maxLength: chunkSize) == 0 { atEnd = true }
        return dropped
    }

    /// The next message, or nil at the end.
    package func next() throws -> FramedMessage? {
        if first {
            first = false
            return try leading()
        }
        while start >= buffer.count && !atEnd { start -= try fill(keepFrom: start) }
        guard start < buffer.count else { return nil }
        return try message()
    }

    /// The first record: bytes before the first From_ line (if any, yielded as a preamble), else the first message.
    private func leading() throws -> FramedMessage? {
        while buffer.count - start < 4096 && !atEnd { start -= try fill(keepFrom: start) }
        guard start < buffer.count else { return nil }
        while true {
            if let isFrom = try isFromLineEnsuringLineKeepingStart(at: start) {
                if isFrom { return try message() }
                break
            }
        }
        // Find the first From_ line; whatever precedes it is a preamble (its first 64 KiB kept for the report).
        let preambleOffset = offset
        var preamble: [UInt8] = []
        func keep(_ range: Range<Int>) {
            let room = 65536 - preamble.count
            if room > 0 { preamble.append(contentsOf: buffer[range].prefix(room)) }
        }
        var searchFrom = start
        while true {
            if let candidate = findCandidate(from: searchFrom) {
                switch try isFromLineEnsuringLineKeepingStart(at: candidate + 1) {
                case .some(true):
                    keep(start..<(candidate + 1))
                    start = candidate + 1
                    return FramedMessage(
                        kind: .preamble, bytes: preamble, offset: preambleOffset, nextOffset: offset,
                        envelopeDate: nil)
                case .some(false):
                    searchFrom = candidate + 1
                case .none:
                    searchFrom = candidate
                }
            } else if atEnd {
                keep(start..<buffer.count)
                start = buffer.count
                return FramedMessage(
                    kind: .preamble, bytes: preamble, offset: preambleOffset, nextOffset: offset, envelopeDate: nil)
            } else {
                let kept = max(start, buffer.count - 6)
                keep(start..<kept)
                start = kept
                start -= try fill(keepFrom: kept)
                searchFrom = start
            }
        }
    }

    /// `\nFrom ` at or after `from`, in the buffer.
    private func findCandidate(from: Int) -> Int? {
        ByteSearch.index(of: Self.separator, in: buffer, from: max(from, start), to: buffer.count)
    }

    /// Whether the line at `index` is a From_ line; nil when the line is not complete in the buffer.
    private func isFromLine(at index: Int, allowUnterminated: Bool = false) -> Bool? {
        guard index + 5 <= buffer.count else { return allowUnterminated || atEnd ? false : nil }
        guard buffer[index] == 0x46, buffer[index + 1] == 0x72, buffer[index + 2] == 0x6F, buffer[index + 3] == 0x6D,
            buffer[index + 4] == 0x20
        else { return false }
        let lineEnd: Int
        if let newline = ByteSearch.index(of: 0x0A, in: buffer, from: index, to: min(buffer.count, index + 1024)) {
            lineEnd = newline
        } else if buffer.count - index >= 1024 {
            return false
        } else if allowUnterminated || atEnd {
            lineEnd = buffer.count
        } else {
            return nil
        }
        return EmailDate.parseFromLine(buffer[(index + 5)..<lineEnd]).valid
    }

    /// The message whose From_ line starts at `start`.
    private func message() throws -> FramedMessage {
        let messageOffset = offset
        var discarded = false
        // The From_ line.
        var lineEnd: Int
        while true {
            if let newline = ByteSearch.index(of: 0x0A, in: buffer, from: start, to: buffer.count) {
                lineEnd = newline
                break
            }
            if atEnd {
                lineEnd = buffer.count
                break
            }
            start -= try fill(keepFrom: start)
        }
        var fromLineEnd = lineEnd
        if fromLineEnd > start && buffer[fromLineEnd - 1] == 0x0D { fromLineEnd -= 1 }
        let envelope = EmailDate.parseFromLine(buffer[min(start + 5, fromLineEnd)..<fromLineEnd]).epoch
        var bodyStart = min(lineEnd + 1, buffer.count)
        var searchFrom = lineEnd
        // The next real From_ line.
        while true {
            if let candidate = ByteSearch.index(of: Self.separator, in: buffer, from: searchFrom, to: buffer.count) {
                switch try isFromLineEnsuringLineKeepingStart(at: candidate + 1) {
                case .some(true):
                    return finish(
                        messageOffset: messageOffset, bodyStart: bodyStart, end: candidate + 1, discarded: discarded,
                        envelope: envelope)
                case .some(false):
                    searchFrom = candidate + 1
                case .none:
                    // Refilled with nothing dropped: indices unchanged, search again.
                    searchFrom = candidate
                }
            } else if atEnd {
                return finish(
                    messageOffset: messageOffset, bodyStart: bodyStart, end: buffer.count, discarded: discarded,
                    envelope: envelope)
            } else {
                let resumeAt = max(bodyStart, buffer.count - 6)
                if buffer.count - start > maxMessageBytes {
                    // Too large: drop what was scanned, keep looking for the end.
                    discarded = true
                    start = resumeAt
                    bodyStart = resumeAt
                }
                let dropped = try fill(keepFrom: start)
                start -= dropped
                bodyStart -= dropped
                searchFrom = resumeAt - dropped
            }
        }
    }

    /// Like ``isFromLineEnsuringLine(at:)`` but never drops bytes before `start`.
    private func isFromLineEnsuringLineKeepingStart(at index: Int) throws -> Bool? {
        if let result = isFromLine(at: index) { return result }
        if atEnd { return isFromLine(at: index, allowUnterminated: true) ?? false }
        let chunk = try source.read(maxLength: chunkSize)
        if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        return nil
    }

    private func finish(
        messageOffset: Int64, bodyStart: Int, end: Int, discarded: Bool, envelope: EmailDate.Epoch?
    ) -> FramedMessage {
        let nextOffset = bufferOffset + Int64(end)
        start = end
        if discarded {
            return FramedMessage(
                kind: .oversize, bytes: [], offset: messageOffset, nextOffset: nextOffset, envelopeDate: envelope)
        }
        // Drop the blank separator line before the next From_ line.
        var stop = end
        if stop > bodyStart && buffer[stop - 1] == 0x0A {
            var previous = stop - 1
            if previous > bodyStart && buffer[previous - 1] == 0x0D { previous -= 1 }
            if previous > bodyStart && buffer[previous - 1] == 0x0A { stop = previous }
        }
        let bytes =
            unescape
            ? Self.unescaped(buffer, bodyStart..<max(bodyStart, stop)) : Array(buffer[bodyStart..<max(bodyStart, stop)])
        return FramedMessage(
            kind: .message, bytes: bytes, offset: messageOffset, nextOffset: nextOffset, envelopeDate: envelope)
    }

    /// mboxrd: a line `>…>From ` loses one `>` (mboxo `>From ` too).
    static func unescaped(_ buffer: [UInt8], _ range: Range<Int>) -> [UInt8] {
        var cuts: [Int] = []
        var searchFrom = range.lowerBound
        while let hit = ByteSearch.index(of: escaped, in: buffer, from: searchFrom, to: range.upperBound) {
            var first = hit
            while first > range.lowerBound && buffer[first - 1] == 0x3E { first -= 1 }
            if first == range.lowerBound || buffer[first - 1] == 0x0A { cuts.append(first) }
            searchFrom = hit + 1
        }
        guard !cuts.isEmpty else { return Array(buffer[range]) }
        var out = [UInt8]()
        out.reserveCapacity(range.count)
        var from = range.lowerBound
        for cut in cuts {
            out.append(contentsOf: buffer[from..<cut])
            from = cut + 1
        }
        out.append(contentsOf: buffer[from..<range.upperBound])
        return out
    }
}
