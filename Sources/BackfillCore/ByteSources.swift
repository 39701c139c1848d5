import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads a file with POSIX `read`, in the caller's chunk sizes.
public final class FileByteSource: ByteSource {
    private let fd: Int32
    public let path: String

    public init(path: String) throws {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else {
            throw AdapterError(
                code: SkipCode.unreadableFile, file: path, position: .wholeFile,
                message: "cannot open (\(String(cString: strerror(errno)))); check that it exists and is readable")
        }
        self.fd = fd
        self.path = path
    }

    deinit { close(fd) }

    public func read(maxLength: Int) throws -> [UInt8] {
        try StopCheck.check()
        var failed = false
        let bytes = [UInt8](unsafeUninitializedCapacity: max(0, maxLength)) { buffer, count in
            let n = readRetrying(into: UnsafeMutableRawPointer(buffer.baseAddress), maxLength)
            failed = n < 0
            count = max(0, n)
        }
        if failed { throw readFailed() }
        return bytes
    }

    /// Reads into a buffer kept for the purpose (its pages stay mapped), then appends: a copy of warm memory.
    public func read(appendingTo buffer: inout [UInt8], maxLength: Int) throws -> Int {
        try StopCheck.check()
        if scratch.count < maxLength { scratch = [UInt8](repeating: 0, count: maxLength) }
        let n = scratch.withUnsafeMutableBytes { readRetrying(into: $0.baseAddress, maxLength) }
        guard n >= 0 else { throw readFailed() }
        buffer.append(contentsOf: scratch[0..<n])
        return n
    }

    private var scratch: [UInt8] = []

    private func readRetrying(into pointer: UnsafeMutableRawPointer?, _ maxLength: Int) -> Int {
        while true {
            let n = Glibc.read(fd, pointer, maxLength)
            if n < 0 && errno == EINTR { continue }
            return n
        }
    }

    private func readFailed() -> AdapterError {
        AdapterError(
            code: SkipCode.readError, file: path, position: .wholeFile,
            message: "read failed (\(String(cString: strerror(errno))))")
    }

    public var canSeek: Bool { true }

    public func seek(to offset: Int64) throws {
        guard lseek(fd, off_t(offset), SEEK_SET) >= 0 else {
            throw AdapterError(
                code: SkipCode.seekError, file: path, position: RecordPosition(byteOffset: offset),
                message: "cannot seek (\(String(cString: strerror(errno))))")
        }
    }
}

/// Bytes held in memory.
public final class MemoryByteSource: ByteSource {
    private let bytes: [UInt8]
    private var offset = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    public func read(maxLength: Int) throws -> [UInt8] {
        let end = min(bytes.count, offset + maxLength)
        defer { offset = end }
        return Array(bytes[offset..<end])
    }

    public var canSeek: Bool { true }
    public func seek(to offset: Int64) throws { self.offset = max(0, min(bytes.count, Int(offset))) }
}

extension ByteSource {
    /// Reads everything, failing with `file_too_large` past `limit` bytes.
    public func readAll(limit: Int, file: String) throws -> [UInt8] {
        var out: [UInt8] = []
        while true {
            let chunk = try read(maxLength: 1 << 20)
            if chunk.isEmpty { return out }
            out.append(contentsOf: chunk)
            if out.count > limit {
                throw AdapterError(
                    code: SkipCode.fileTooLarge, file: file, position: .wholeFile,
                    message: "larger than the \(limit)-byte limit for a single document; raise --max-document-bytes")
            }
        }
    }
}

/// Splits a byte source into lines (LF, with a CR before it dropped), keeping each line's byte offset.
/// Memory stays at one chunk plus the longest line kept: a line longer than the line budget
/// (``InputBudgets/maxLineBytes``, `--max-line-bytes`) is read to its end without being kept and comes back empty
/// with ``Line/overBudget`` set, for the adapter to skip.
public final class LineReader {
    public struct Line {
        /// The line's bytes, without its terminator.
        public var bytes: ArraySlice<UInt8>
        /// Offset of the line's first byte in the source.
        public var byteOffset: Int64
        /// 1-based line number.
        public var number: Int
        /// Longer than the line budget: `bytes` is empty.
        public var overBudget = false
    }

    private let source: any ByteSource
    private var buffer: [UInt8] = []
    private var start = 0
    private var bufferOffset: Int64
    private var lineNumber: Int
    private var atEnd = false
    private let chunkSize: Int
    /// The longest line kept, in bytes.
    public var maxLineBytes = InputBudgets.current.maxLineBytes
    /// Dropping the rest of a line over the budget (it started at `dropStart`).
    private var dropping = false
    private var dropStart: Int64 = 0

    /// - Parameters:
    ///   - startOffset: where the source currently stands (after a seek).
    ///   - startLine: the number of the line before the first one read.
    public init(source: any ByteSource, startOffset: Int64 = 0, startLine: Int = 0, chunkSize: Int = 1 << 18) {
        self.source = source
        self.bufferOffset = startOffset
        self.lineNumber = startLine
        self.chunkSize = chunkSize
    }

    /// The index of the first LF in `buffer[from...]`, through `memchr`.
    private static func newline(in buffer: [UInt8], from: Int) -> Int? {
        buffer.withUnsafeBufferPointer { bytes in
            guard from < bytes.count, let base = bytes.baseAddress,
                let found = memchr(base + from, 0x0A, bytes.count - from)
            else { return nil }
            return UnsafeRawPointer(base).distance(to: UnsafeRawPointer(found))
        }
    }

    /// The offset just past the last line returned.
    public var offset: Int64 { bufferOffset + Int64(start) }

    public func next() throws -> Line? {
        var searchFrom = start
        while true {
            if let newline = Self.newline(in: buffer, from: searchFrom) {
                if dropping {
                    dropping = false
                    lineNumber += 1
                    start = newline + 1
                    return Line(bytes: [], byteOffset: dropStart, number: lineNumber, overBudget: true)
                }
                var end = newline
                if end > start && buffer[end - 1] == 0x0D { end -= 1 }
                lineNumber += 1
                let line = Line(bytes: buffer[start..<end], byteOffset: bufferOffset + Int64(start), number: lineNumber)
                start = newline + 1
                return line
            }
            if atEnd {
                if dropping {
                    dropping = false
                    lineNumber += 1
                    start = buffer.count
                    return Line(bytes: [], byteOffset: dropStart, number: lineNumber, overBudget: true)
                }
                guard start < buffer.count else { return nil }
                var end = buffer.count
                if buffer[end - 1] == 0x0D { end -= 1 }
                lineNumber += 1
                let line = Line(bytes: buffer[start..<end], byteOffset: bufferOffset + Int64(start), number: lineNumber)
                start = buffer.count
                return line
            }
            if !dropping && buffer.count - start > maxLineBytes {
                dropping = true
                dropStart = bufferOffset + Int64(start)
            }
            if dropping {
                // Over the budget: what was read of the line is dropped.
                bufferOffset += Int64(buffer.count)
                buffer.removeAll(keepingCapacity: true)
                start = 0
            }
            // Compact, then read more.
            if start > 0 {
                buffer.removeSubrange(0..<start)
                bufferOffset += Int64(start)
                start = 0
            }
            searchFrom = buffer.count
            let chunk = try source.read(maxLength: chunkSize)
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}

/// Path arithmetic without Foundation's `NSString` path methods, whose `deletingLastPathComponent` traps on a
/// one-character relative name (`--ledger x`, `--out f`).
public enum PathText {
    /// The folder part of `path`: "" for a bare name, "/" for a file at the root.
    public static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
