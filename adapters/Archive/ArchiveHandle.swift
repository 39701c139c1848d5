import BackfillCore
import CArchive
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// One libarchive read handle over a ``ByteSource``: the archive's raw bytes are pulled through libarchive's
/// read/seek/skip callbacks, so an archive nested in another streams from its parent's entry and nothing is
/// written to disk.
///
/// Not Sendable: a handle is confined to the task that reads the archive.
final class ArchiveHandle {
    let archive: OpaquePointer
    private let source: any ByteSource
    private let sourceSize: Int64?
    private let file: String
    /// Bytes of the raw (compressed) archive handed to libarchive so far: the denominator of compression ratios.
    private(set) var rawBytesRead: Int64 = 0
    /// Where the raw source stands (for seeks relative to the current position).
    private var position: Int64 = 0
    private let buffer: UnsafeMutableRawPointer
    static let blockSize = 256 * 1024
    /// The error a callback hit (thrown again by the caller, keeping its code).
    var callbackError: (any Error)?
    /// The raw source returned its end (reset by a seek): a failure now means the archive is cut short.
    private(set) var reachedEnd = false
    private var closed = false

    /// Opens `source` for reading; `seekable` enables libarchive's seeking readers (zip central directory, 7z).
    init(source: any ByteSource, size: Int64?, file: String, options: String?) throws {
        guard let archive = archive_read_new() else {
            throw AdapterError(
                code: SkipCode.archiveError, file: file, position: .wholeFile,
                message: "libarchive could not allocate a reader")
        }
        self.archive = archive
        self.source = source
        self.sourceSize = size
        self.file = file
        self.buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.blockSize, alignment: 16)
        archive_read_support_filter_all(archive)
        archive_read_support_format_all(archive)
        // A single compressed file (`notes.txt.gz`): bids last, only when no archive format matched.
        archive_read_support_format_raw(archive)
        if let options, !options.isEmpty { archive_read_set_options(archive, options) }

        let me = Unmanaged.passUnretained(self).toOpaque()
        archive_read_set_callback_data(archive, me)
        archive_read_set_read_callback(archive) { _, client, out in
            guard let client, let out else { return -1 }
            return Unmanaged<ArchiveHandle>.fromOpaque(client).takeUnretainedValue().readCallback(out)
        }
        if source.canSeek, size != nil {
            archive_read_set_seek_callback(archive) { _, client, offset, whence in
                guard let client else { return -1 }
                return Unmanaged<ArchiveHandle>.fromOpaque(client).takeUnretainedValue().seekCallback(offset, whence)
            }
            archive_read_set_skip_callback(archive) { _, client, request in
                guard let client else { return 0 }
                return Unmanaged<ArchiveHandle>.fromOpaque(client).takeUnretainedValue().skipCallback(request)
            }
        }
        if archive_read_open1(archive) != ARCHIVE_OK {
            let error =
                callbackError
                ?? AdapterError(
                    code: ArchiveSkipCode.notAnArchive, file: file, position: .wholeFile,
                    message:
                        "libarchive cannot read it (\(errorString)); check that the file is a complete zip, tar, 7z or compressed file"
                )
            archive_read_free(archive)
            buffer.deallocate()
            closed = true
            throw error
        }
    }

    deinit {
        if !closed { archive_read_free(archive) }
        if !closed { buffer.deallocate() }
    }

    var errorString: String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }

    var formatCode: Int32 { archive_format(archive) }

    /// libarchive's name for the format read ("GNU tar format", "ZIP 2.0 (deflation)"), with the filters under it.
    var formatName: String {
        let format = archive_format_name(archive).map { String(cString: $0) } ?? "an unknown format"
        let filters = (0..<max(0, archive_filter_count(archive) - 1)).compactMap {
            archive_filter_name(archive, $0).map { String(cString: $0) }
        }
        return filters.isEmpty ? format : "\(format) under \(filters.joined(separator: ", "))"
    }

    private func readCallback(_ out: UnsafeMutablePointer<UnsafeRawPointer?>) -> Int {
        do {
            let chunk = try source.read(maxLength: Self.blockSize)
            chunk.withUnsafeBytes { raw in
                if let base = raw.baseAddress { buffer.copyMemory(from: base, byteCount: raw.count) }
            }
            out.pointee = UnsafeRawPointer(buffer)
            if chunk.isEmpty { reachedEnd = true }
            rawBytesRead += Int64(chunk.count)
            position += Int64(chunk.count)
            return chunk.count
        } catch {
            callbackError = error
            backfill_archive_set_error(archive, EIO, "\(error)")
            return -1
        }
    }

    private func seekCallback(_ offset: Int64, _ whence: Int32) -> Int64 {
        let target: Int64
        switch whence {
        case SEEK_SET: target = offset
        case SEEK_CUR: target = position + offset
        case SEEK_END: target = (sourceSize ?? 0) + offset
        default: return Int64(ARCHIVE_FATAL)
        }
        guard target >= 0 else { return Int64(ARCHIVE_FATAL) }
        do {
            try source.seek(to: target)
            position = target
            reachedEnd = false
            return target
        } catch {
            callbackError = error
            return Int64(ARCHIVE_FATAL)
        }
    }

    private func skipCallback(_ request: Int64) -> Int64 {
        guard request > 0 else { return 0 }
        let end = sourceSize ?? Int64.max
        let target = min(position + request, end)
        do {
            try source.seek(to: target)
            let skipped = target - position
            position = target
            rawBytesRead += skipped
            return skipped
        } catch {
            return 0
        }
    }
}

/// The current entry's bytes. The first ``cacheLimit`` bytes are kept, so the entry can be opened again from byte
/// 0 (the pipeline sniffs the head, then the adapter reads from the start) while the rest streams once.
///
/// `@unchecked Sendable` because `SourceInput`'s opener must be: the stream is only ever used by the task reading
/// the archive (entries are read one after another).
final class EntryStream: @unchecked Sendable {
    let handle: ArchiveHandle
    let displayPath: String
    let index: Int
    private let limits: ContainerLimits
    private let totals: ArchiveTotals
    static let cacheLimit = 64 * 1024
    private(set) var cache: [UInt8] = []
    /// Bytes pulled out of libarchive for this entry.
    private(set) var streamed: Int64 = 0
    private let rawAtStart: Int64
    var isCurrent = true
    private var finished = false
    private var failure: AdapterError?

    init(handle: ArchiveHandle, displayPath: String, index: Int, limits: ContainerLimits, totals: ArchiveTotals) {
        self.handle = handle
        self.displayPath = displayPath
        self.index = index
        self.limits = limits
        self.totals = totals
        self.rawAtStart = handle.rawBytesRead
    }

    private func error(_ code: any SkipReason, _ message: String) -> AdapterError {
        AdapterError(code: code, file: displayPath, position: RecordPosition(byteOffset: streamed), message: message)
    }

    /// The next bytes of the entry after the `streamed` already pulled.
    func pull(maxLength: Int) throws -> [UInt8] {
        try StopCheck.check()
        if let failure { throw failure }
        guard isCurrent else {
            throw error(
                ArchiveSkipCode.entryClosed,
                "internal: an archive entry was read after the archive moved on to the next one")
        }
        if finished { return [] }
        let length = max(1, min(maxLength, 1 << 20))
        var chunk = [UInt8](repeating: 0, count: length)
        let n = chunk.withUnsafeMutableBytes { raw in archive_read_data(handle.archive, raw.baseAddress, length) }
        if n < 0 {
            if handle.callbackError is CancellationError { throw CancellationError() }
            let failure: AdapterError
            if let inner = handle.callbackError as? AdapterError {
                failure = inner
            } else {
                failure = ArchiveErrors.classify(
                    handle.errorString, file: displayPath, position: RecordPosition(byteOffset: streamed),
                    during: "reading this entry", atEnd: handle.reachedEnd)
            }
            self.failure = failure
            throw failure
        }
        if n == 0 {
            finished = true
            return []
        }
        chunk.removeSubrange(n...)
        if streamed == Int64(cache.count) && cache.count < Self.cacheLimit {
            cache.append(contentsOf: chunk)
        }
        streamed += Int64(n)
        totals.expanded += Int64(n)
        try check()
        return chunk
    }

    /// Entry size, total expansion and compression ratio, checked as bytes come out.
    private func check() throws {
        var failure: AdapterError?
        if streamed > limits.maxEntryBytes {
            failure = error(
                SkipCode.entryTooLarge,
                "the entry expands past the \(limits.maxEntryBytes)-byte limit for one archive entry \(limits.note(.entryBytes)); unpack it and import the file directly if it is genuine"
            )
        } else if totals.expanded > limits.maxTotalBytes {
            failure = error(
                SkipCode.archiveTooLarge,
                "the archive expands past the \(limits.maxTotalBytes)-byte limit for one archive \(limits.note(.expandedBytes)); split it or unpack it"
            )
        } else if streamed > 8 << 20 {
            // The raw bytes libarchive holds in its buffer count too: never less than one block.
            let raw = Double(handle.rawBytesRead - rawAtStart + Int64(ArchiveHandle.blockSize))
            let ratio = Double(streamed) / raw
            // The whole archive so far too: a single compressed file, or a solid stream read from its start.
            let overall = Double(totals.expanded) / Double(max(1, handle.rawBytesRead))
            if ratio > limits.maxCompressionRatio || overall > limits.maxCompressionRatio {
                failure = error(
                    SkipCode.zipBomb,
                    "the entry expands more than \(Int(limits.maxCompressionRatio))× its compressed size (\(streamed) bytes out of about \(Int64(min(raw, Double(handle.rawBytesRead)))) compressed) \(limits.note(.compressionRatio)): treated as a decompression bomb and not read further"
                )
            }
        }
        if let failure {
            self.failure = failure
            throw failure
        }
    }
}

/// Expansion counted over one archive (all its entries).
final class ArchiveTotals {
    var expanded: Int64 = 0
}

/// A reader over one entry, from byte 0: replays the cached head, then continues the stream.
final class EntryByteSource: ByteSource {
    private let stream: EntryStream
    private var offset: Int64 = 0

    init(_ stream: EntryStream) { self.stream = stream }

    func read(maxLength: Int) throws -> [UInt8] {
        guard maxLength > 0 else { return [] }
        let cached = stream.cache.count
        if offset < Int64(cached) {
            let start = Int(offset)
            let end = min(cached, start + maxLength)
            offset = Int64(end)
            return Array(stream.cache[start..<end])
        }
        guard offset == stream.streamed else {
            throw AdapterError(
                code: ArchiveSkipCode.entryReread, file: stream.displayPath,
                position: RecordPosition(byteOffset: offset),
                message:
                    "this archive entry was opened again past its first \(EntryStream.cacheLimit) bytes, which a streamed archive cannot do; unpack the archive and import the file directly"
            )
        }
        let chunk = try stream.pull(maxLength: maxLength)
        offset += Int64(chunk.count)
        return chunk
    }

    var canSeek: Bool { false }

    func seek(to offset: Int64) throws {
        throw AdapterError(
            code: SkipCode.seekError, file: stream.displayPath, position: RecordPosition(byteOffset: offset),
            message: "an archive entry is a stream and cannot seek")
    }
}

enum ArchiveErrors {
    /// Turns a libarchive message into a stable code.
    static func classify(
        _ message: String, file: String, position: RecordPosition, during: String, atEnd: Bool
    ) -> AdapterError {
        let lower = message.lowercased()
        let code: ArchiveSkipCode
        let advice: String
        if atEnd || lower.contains("truncat") || lower.contains("premature") || lower.contains("unexpected end")
            || lower.contains("damaged")
        {
            code = ArchiveSkipCode.archiveTruncated
            advice = "the archive ends early (an interrupted download or copy?); fetch it again"
        } else if lower.contains("encrypt") || lower.contains("passphrase") || lower.contains("password") {
            code = ArchiveSkipCode.encryptedEntry
            advice = "encrypted content cannot be read; decrypt the archive and import it again"
        } else {
            code = ArchiveSkipCode.archiveCorrupt
            advice = "the archive is damaged here; repair or re-create it"
        }
        return AdapterError(
            code: code, file: file, position: position, message: "\(advice) — libarchive, \(during): \(message)")
    }
}
