import BackfillCore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(descriptor, bytes, count)
    #else
        Darwin.write(descriptor, bytes, count)
    #endif
}

private func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
        Glibc.close(descriptor)
    #else
        Darwin.close(descriptor)
    #endif
}

/// A file Backfill writes for the user (`--out`, the dead-letter file), opened and written **in place**.
///
/// The path is opened with `open(2)` — following a symbolic link, creating a missing regular file — and never
/// replaced: no temporary file is renamed over it, so a device (`/dev/null`), a FIFO or a symbolic link stays what
/// it is. `-` is standard output. Only a regular file is ever truncated, and only to a length the caller names
/// (see ``truncate(to:)``).
public final class OutputFile: @unchecked Sendable {
    // @unchecked: `descriptor` and `offset` are only touched under `lock`.
    public let path: String
    /// Whether the path is a regular file (only those are truncated, sought and measured).
    public let isRegularFile: Bool
    /// Standard output (`-`): never closed.
    public let isStandardOutput: Bool
    private let descriptor: Int32
    private let lock = NSLock()
    private var offset: Int64
    private var closed = false

    /// Opens `path` for writing at its end (`-`: standard output). A FIFO blocks here until a reader opens it,
    /// like a shell redirection. A missing parent folder is created. Errors name the path and what to do.
    public init(path: String) throws {
        self.path = path
        if path == "-" {
            descriptor = STDOUT_FILENO
            isStandardOutput = true
            isRegularFile = false
            offset = 0
            return
        }
        isStandardOutput = false
        let directory = PathText.folder(of: path)
        if !directory.isEmpty, directory != "/" {
            if !FileManager.default.fileExists(atPath: directory) {
                try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            }
        }
        var fd: Int32
        repeat {
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0o644)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            let reason = String(cString: strerror(errno))
            throw ValidationError(message: "cannot write \(path) (\(reason)); check the path and its folder")
        }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            _ = systemClose(fd)
            throw ValidationError(message: "cannot write \(path) (\(reason)); check the path and its folder")
        }
        descriptor = fd
        isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
        offset = isRegularFile ? Int64(info.st_size) : 0
    }

    /// The size of a regular file (nil for anything else).
    public var size: Int64? {
        guard isRegularFile else { return nil }
        return lock.withLock { () -> Int64? in
            var info = stat()
            return fstat(descriptor, &info) == 0 ? Int64(info.st_size) : nil
        }
    }

    /// Where the next write lands in a regular file (bytes written so far otherwise).
    public var position: Int64 { lock.withLock { offset } }

    /// Cuts a regular file that is longer than `length` back to it (in place: the same file, the same inode).
    /// Does nothing to anything else, or to a file that is not longer. Returns whether it cut.
    @discardableResult
    public func truncate(to length: Int64) throws -> Bool {
        guard isRegularFile else { return false }
        return try lock.withLock {
            var info = stat()
            guard fstat(descriptor, &info) == 0, Int64(info.st_size) > length else { return false }
            guard ftruncate(descriptor, off_t(length)) == 0 else {
                let reason = String(cString: strerror(errno))
                throw ValidationError(message: "cannot truncate \(path) to \(length) bytes (\(reason))")
            }
            offset = length
            return true
        }
    }

    /// Appends `bytes` (all of them: short writes and interruptions are continued). Returns the byte range they
    /// occupy (in a regular file; in bytes written so far otherwise).
    @discardableResult
    public func write(_ bytes: [UInt8]) throws -> Range<Int64> {
        try lock.withLock {
            guard !closed else { throw ValidationError(message: "\(path) is already closed") }
            let start = offset
            var done = 0
            while done < bytes.count {
                let count = bytes.withUnsafeBytes { raw -> Int in
                    guard let base = raw.baseAddress else { return 0 }
                    return systemWrite(descriptor, base + done, bytes.count - done)
                }
                if count < 0 {
                    if errno == EINTR { continue }
                    let reason = String(cString: strerror(errno))
                    throw ValidationError(message: "cannot write \(path) (\(reason))")
                }
                done += count
            }
            offset += Int64(bytes.count)
            return start..<offset
        }
    }

    /// Closes the file (standard output stays open).
    public func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            if !isStandardOutput { _ = systemClose(descriptor) }
        }
    }

    deinit {
        if !closed && !isStandardOutput { _ = systemClose(descriptor) }
    }
}
