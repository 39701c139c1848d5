import BackfillCore

/// Streams the elements of one JSON array in a file — the top-level array (`path` empty, as in ChatGPT's and
/// Claude's `conversations.json`) or an array under a chain of object keys (`["messages"]` in a
/// DiscordChatExporter file, `["chats", "list"]` in a Telegram account export) — without parsing the file whole.
///
/// It only frames: it tracks strings, escapes and bracket depth over chunks read from the ``ByteSource`` and hands
/// back each element's bytes, which the caller parses on its own. Memory is one read chunk plus the largest
/// element. A malformed element is still framed (its brackets balance), so the caller can skip it and go on; a
/// file that ends inside an element throws ``Failure/truncated``.
///
/// An element longer than the line budget (``InputBudgets/maxLineBytes``, `--max-line-bytes`) is framed to its end
/// without being kept: it comes back with ``Element/overBudget`` set and no bytes, so memory stays bounded by the
/// budget whatever the input.
///
/// Members of the enclosing objects other than the path (a Discord file's `guild` and `channel`) are kept, as raw
/// bytes, in ``siblings`` (up to ``maxSiblingBytes`` each) once they have been passed.
package final class JSONArrayStream {
    enum Failure: Error {
        /// The input ended inside a value or before the array closed.
        case truncated(offset: Int64)
        /// A byte that cannot start or continue the expected structure.
        case unexpected(offset: Int64, found: String, expected: String)
    }

    package struct Element {
        package var bytes: [UInt8]
        /// Offset of the element's first byte.
        var offset: Int64
        /// Offset just past its last byte.
        var endOffset: Int64
        /// 1-based index in the array.
        var index: Int
        /// Longer than the line budget: framed, not kept (`bytes` is empty).
        var overBudget = false
    }

    private let source: any ByteSource
    private let path: [String]
    private let chunkSize: Int
    private var buffer: [UInt8] = []
    private var position = 0
    private var bufferOffset: Int64
    private var atEnd = false

    /// Object depth below the root while walking the path (−1 before the root is entered).
    private var level = -1
    private var inArray = false
    private var first = true
    private var finished = false
    private(set) var index: Int

    /// Raw members met beside the path (key → bytes), outermost level first overriding nothing.
    private(set) var siblings: [String: [UInt8]] = [:]
    var maxSiblingBytes = 16 << 20
    /// The longest element kept, in bytes.
    var maxElementBytes = InputBudgets.current.maxLineBytes

    /// - Parameters:
    ///   - resumeAt: start inside the array, just after an element that ended at this offset (the source must
    ///     already be positioned there); `resumeIndex` is that element's index. Only for a top-level array.
    package init(
        source: any ByteSource, path: [String] = [], chunkSize: Int = 1 << 20, resumeAt offset: Int64? = nil,
        resumeIndex: Int = 0
    ) {
        self.source = source
        self.path = path
        self.chunkSize = chunkSize
        self.bufferOffset = offset ?? 0
        self.index = resumeIndex
        if offset != nil {
            inArray = true
            enteredArray = true
            first = false
            level = path.count - 1
        }
    }

    /// Offset of the next unread byte.
    var offset: Int64 { bufferOffset + Int64(position) }

    /// Whether the array was found and entered (false for a file whose top level has another shape).
    private(set) var enteredArray = false

    // MARK: Bytes

    /// The byte at the read position, reading more when needed; nil at the end of input.
    @inline(__always)
    private func peek() throws -> UInt8? {
        if position < buffer.count { return buffer[position] }
        try refill()
        return position < buffer.count ? buffer[position] : nil
    }

    /// Drops consumed bytes, then appends one chunk.
    private func refill() throws {
        guard !atEnd else { return }
        if position > 0 {
            buffer.removeSubrange(0..<position)
            bufferOffset += Int64(position)
            position = 0
        }
        let chunk = try source.read(maxLength: chunkSize)
        if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
    }

    private func skipWhitespace() throws {
        while let byte = try peek() {
            switch byte {
            case 0x20, 0x0A, 0x0D, 0x09: position += 1
            case 0xEF where offset == 0:  // a UTF-8 BOM at the very start
                position += 1
                if try peek() == 0xBB { position += 1 }
                if try peek() == 0xBF { position += 1 }
            default: return
            }
        }
    }

    private func describe(_ byte: UInt8?) -> String {
        guard let byte else { return "the end of the file" }
        return (0x21...0x7E).contains(byte)
            ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(String(byte, radix: 16, uppercase: true))"
    }

    private func expect(_ byte: UInt8, _ what: String) throws {
        try skipWhitespace()
        let found = try peek()
        guard found == byte else {
            if found == nil { throw Failure.truncated(offset: offset) }
            throw Failure.unexpected(offset: offset, found: describe(found), expected: what)
        }
        position += 1
    }

    /// Frames one complete value starting at the read position (after whitespace); returns its bytes.
    /// Past ``maxElementBytes`` the bytes are dropped as they are framed, and `overBudget` is true.
    private func captureValue() throws -> (bytes: [UInt8], offset: Int64, overBudget: Bool) {
        try skipWhitespace()
        // Keep the value's first byte at the buffer's start, so growing the buffer never moves consumed data.
        if position > 0 {
            buffer.removeSubrange(0..<position)
            bufferOffset += Int64(position)
            position = 0
        }
        guard let firstByte = try peek() else { throw Failure.truncated(offset: offset) }
        var start = position
        var overBudget = false
        let startOffset = offset
        var scalar = false
        switch firstByte {
        case UInt8(ascii: "{"), UInt8(ascii: "["): break
        case UInt8(ascii: "\""): break
        case UInt8(ascii: "]"), UInt8(ascii: "}"), UInt8(ascii: ","), UInt8(ascii: ":"):
            throw Failure.unexpected(offset: offset, found: describe(firstByte), expected: "a value")
        default: scalar = true
        }
        var state = FrameState(scalar: scalar)
        var i = start
        while true {
            let done = buffer.withUnsafeBufferPointer { bytes in Self.frame(bytes, from: &i, state: &state) }
            if done { break }
            if atEnd {
                if scalar && (i > start || overBudget) { break }
                throw Failure.truncated(offset: bufferOffset + Int64(i))
            }
            if overBudget || i - start > maxElementBytes {
                // Over the budget: drop what was framed, keep scanning to the element's end.
                overBudget = true
                buffer.removeSubrange(0..<i)
                bufferOffset += Int64(i)
                i = 0
                start = 0
            }
            let chunk = try source.read(maxLength: chunkSize)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
        let bytes = overBudget ? [] : Array(buffer[start..<i])
        position = i
        return (bytes, startOffset, overBudget)
    }

    /// Where a value being framed stands between two reads.
    private struct FrameState {
        var depth = 0
        var inString = false
        var escaped = false
        let scalar: Bool
    }

    /// Scans `bytes` from `i` for the end of the value being framed; returns true with `i` just past it when found
    /// (a scalar ends before its delimiter), false with `i` at the end of the bytes when more are needed.
    private static func frame(_ bytes: UnsafeBufferPointer<UInt8>, from i: inout Int, state: inout FrameState) -> Bool {
        while i < bytes.count {
            let byte = bytes[i]
            if state.inString {
                if state.escaped {
                    state.escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    state.escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    state.inString = false
                    if state.depth == 0 {
                        i += 1
                        return true
                    }
                }
                i += 1
                continue
            }
            if state.scalar {
                switch byte {
                case UInt8(ascii: ","), UInt8(ascii: "]"), UInt8(ascii: "}"), 0x20, 0x0A, 0x0D, 0x09:
                    return true
                default:
                    i += 1
                    continue
                }
            }
            switch byte {
            case UInt8(ascii: "\""): state.inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): state.depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                state.depth -= 1
                if state.depth == 0 {
                    i += 1
                    return true
                }
            default: break
            }
            i += 1
        }
        return false
    }

    private func readKey() throws -> String {
        try skipWhitespace()
        let found = try peek()
        guard found == UInt8(ascii: "\"") else {
            if found == nil { throw Failure.truncated(offset: offset) }
            throw Failure.unexpected(offset: offset, found: describe(found), expected: "a quoted key")
        }
        let (bytes, at, _) = try captureValue()
        guard case .string(let key) = try? JSONBytesParser.parse(bytes[...]) else {
            throw Failure.unexpected(offset: at, found: "an invalid key", expected: "a quoted key")
        }
        return key
    }

    // MARK: Walking

    /// What one step of ``next()`` found: an element, the end, or a reason to look again.
    private enum Step {
        case element(Element)
        case end
        case again
    }

    /// The next element of the array, or nil when the array (and the file's structure around it) ended.
    package func next() throws -> Element? {
        guard !finished else { return nil }
        while true {
            let step: Step
            if inArray {
                step = try arrayStep()
            } else if level < 0 && first {
                step = try rootStep()
            } else if level < 0 {
                try finish()
                return nil
            } else {
                step = try objectStep()
            }
            switch step {
            case .element(let element): return element
            case .end: return nil
            case .again: continue
            }
        }
    }

    /// Inside the array: its end, or the next element.
    private func arrayStep() throws -> Step {
        try skipWhitespace()
        guard let byte = try peek() else { throw Failure.truncated(offset: offset) }
        if byte == UInt8(ascii: "]") {
            position += 1
            inArray = false
            first = false
            if level < 0 {
                try finish()
                return .end
            }
            return .again
        }
        if !first {
            guard byte == UInt8(ascii: ",") else {
                throw Failure.unexpected(offset: offset, found: describe(byte), expected: "',' or ']'")
            }
            position += 1
        }
        first = false
        let (bytes, start, overBudget) = try captureValue()
        index += 1
        return .element(Element(bytes: bytes, offset: start, endOffset: offset, index: index, overBudget: overBudget))
    }

    /// The root: the array itself, or the object whose path leads to it.
    private func rootStep() throws -> Step {
        try skipWhitespace()
        let byte = try peek()
        if path.isEmpty {
            try expect(UInt8(ascii: "["), "'[' (a JSON array)")
            inArray = true
            enteredArray = true
            first = true
            return .again
        }
        guard byte == UInt8(ascii: "{") else {
            if byte == nil { throw Failure.truncated(offset: offset) }
            throw Failure.unexpected(offset: offset, found: describe(byte), expected: "'{' (a JSON object)")
        }
        position += 1
        level = 0
        first = true
        return .again
    }

    /// Inside an object on the path, at `level`: its end, a member on the path (entered), or a sibling (kept).
    private func objectStep() throws -> Step {
        try skipWhitespace()
        guard let byte = try peek() else { throw Failure.truncated(offset: offset) }
        if byte == UInt8(ascii: "}") {
            position += 1
            level -= 1
            first = false
            if level < 0 {
                try finish()
                return .end
            }
            return .again
        }
        if !first {
            guard byte == UInt8(ascii: ",") else {
                throw Failure.unexpected(offset: offset, found: describe(byte), expected: "',' or '}'")
            }
            position += 1
        }
        first = false
        let key = try readKey()
        try expect(UInt8(ascii: ":"), "':' after a key")
        try skipWhitespace()
        let valueStart = try peek()
        if level < path.count, key == path[level] {
            if level == path.count - 1, valueStart == UInt8(ascii: "[") {
                position += 1
                inArray = true
                enteredArray = true
                first = true
                return .again
            }
            if level < path.count - 1, valueStart == UInt8(ascii: "{") {
                position += 1
                level += 1
                first = true
                return .again
            }
        }
        let (bytes, _, _) = try captureValue()
        if bytes.count <= maxSiblingBytes, siblings[key] == nil { siblings[key] = bytes }
        return .again
    }

    /// After the root closed: only whitespace may follow.
    private func finish() throws {
        finished = true
        try skipWhitespace()
        if let byte = try peek() {
            throw Failure.unexpected(offset: offset, found: describe(byte), expected: "the end of the file")
        }
    }

    /// A sibling member parsed, if present and valid.
    func sibling(_ key: String) -> JSONValue? {
        guard let bytes = siblings[key] else { return nil }
        return try? JSONBytesParser.parse(bytes[...])
    }
}
