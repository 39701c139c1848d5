import BackfillCore
import CArchive
import Foundation

/// Walks one archive's headers and turns them into entries, skips and the end.
final class ArchiveEntriesReader: ContainerReader {
    struct Member {
        var name: String
        var size: Int64?
        var modified: Date?
        var stream: EntryStream
    }

    enum Header {
        case member(Member)
        case skipped(SkippedRecord)
        /// The archive cannot be read further (the record says why).
        case damaged(SkippedRecord)
    }

    private let input: SourceInput
    private let limits: ContainerLimits
    private let nameEncoding: String?
    private var handle: ArchiveHandle?
    private var opened = false
    private var finished = false
    private var current: EntryStream?
    private var index = 0
    private var lastName: String?
    private let totals = ArchiveTotals()

    init(input: SourceInput, limits: ContainerLimits, nameEncoding: String?) {
        self.input = input
        self.limits = limits
        self.nameEncoding = nameEncoding
    }

    func next() async throws -> ContainerEntry? {
        switch nextHeader() {
        case nil: return nil
        case .member(let member):
            let stream = member.stream
            let name = member.name
            return .file(
                SourceInput(
                    displayPath: "\(input.displayPath)!/\(name)",
                    fileName: name.split(separator: "/").last.map(String.init) ?? name, archiveEntry: name,
                    size: member.size, modificationDate: member.modified, open: { EntryByteSource(stream) }))
        case .skipped(let record), .damaged(let record):
            return .skipped(record)
        }
    }

    private func record(_ code: any SkipReason, _ name: String?, _ message: String) -> SkippedRecord {
        SkippedRecord(
            adapter: ArchiveAdapter.name, file: name.map { "\(input.displayPath)!/\($0)" } ?? input.displayPath,
            position: RecordPosition(recordIndex: index), code: code, message: message)
    }

    private func damaged(_ error: AdapterError) -> Header {
        finished = true
        let after = lastName.map { "entries after #\(index) (\($0)) were not read" } ?? "no entry could be read"
        return .damaged(
            SkippedRecord(
                adapter: ArchiveAdapter.name, error: error, file: input.displayPath,
                position: RecordPosition(recordIndex: index), message: "\(error.message); \(after)"))
    }

    private func tooManyLayers(_ found: String) -> AdapterError {
        AdapterError(
            code: InputBudgets.Budget.compressionLayers.code, file: input.displayPath, position: .wholeFile,
            message:
                "\(found), over the limit of \(limits.maxCompressionLayers) \(limits.note(.compressionLayers)); the file is not read — decompress it and import the result if it is genuine"
        )
    }

    /// The next header: a member to read (valid until the next call), a skipped one, or nil at the end.
    func nextHeader() -> Header? {
        guard !finished else { return nil }
        if !opened, let failure = open() { return failure }
        guard let handle else {
            finished = true
            return nil
        }
        current?.isCurrent = false
        current = nil
        var retries = 0
        while true {
            var entry: OpaquePointer?
            let status = archive_read_next_header(handle.archive, &entry)
            if status == ARCHIVE_EOF { return end(handle) }
            if status == ARCHIVE_RETRY && retries < 8 {
                retries += 1
                continue
            }
            if status == ARCHIVE_FATAL || status == ARCHIVE_RETRY || entry == nil {
                return failure(handle)
            }
            index += 1
            guard index <= limits.maxEntries else {
                return damaged(
                    AdapterError(
                        code: SkipCode.tooManyEntries, file: input.displayPath,
                        position: RecordPosition(recordIndex: index),
                        message:
                            "the archive holds more than \(limits.maxEntries) entries, the limit for one archive \(limits.note(.archiveEntries)); split it"
                    ))
            }
            guard let entry else { continue }
            if index == 1 && handle.formatCode == ARCHIVE_FORMAT_RAW
                && archive_filter_code(handle.archive, 0) == ARCHIVE_FILTER_NONE
            {
                // Neither an archive nor a compressed file: libarchive's raw reader would hand the same bytes back.
                return damaged(
                    AdapterError(
                        code: ArchiveSkipCode.notAnArchive, file: input.displayPath, position: .wholeFile,
                        message:
                            "the name says archive but libarchive recognises neither an archive nor a compression format; check the file"
                    ))
            }
            let name = entryName(entry, handle: handle)
            lastName = name
            if status == ARCHIVE_FAILED {
                return .skipped(
                    record(
                        ArchiveSkipCode.unreadableEntry, name,
                        "libarchive cannot read this entry (\(handle.errorString)); it is skipped, the rest of the archive goes on"
                    ))
            }
            return header(entry, name: name, handle: handle)
        }
    }

    /// The end of the archive: nil, or a skip when it held no entry at all (an empty tar, a gzip of zeros read as
    /// one) — reported, not passed over in silence.
    private func end(_ handle: ArchiveHandle) -> Header? {
        finished = true
        guard index == 0 else { return nil }
        return .skipped(
            record(
                ArchiveSkipCode.emptyArchive, nil,
                "the archive holds no entries (read as \(handle.formatName)); nothing to import — check that it is the file you meant"
            ))
    }

    /// Opens the archive on the first call; the header that ends the reading when it cannot be opened.
    private func open() -> Header? {
        opened = true
        do {
            let opened = try ArchiveHandle(
                source: try input.open(), size: input.size, file: input.displayPath, options: nil)
            // Compression filters stacked on the archive (the last filter is libarchive's "none").
            let layers = Int(archive_filter_count(opened.archive)) - 1
            if layers > limits.maxCompressionLayers {
                return damaged(tooManyLayers("\(layers) compression layers"))
            }
            handle = opened
        } catch let error as AdapterError {
            if error.message.contains("too many filters") {
                // libarchive's own cap (25) was hit before ours.
                return damaged(tooManyLayers("more than 25 compression layers"))
            }
            return damaged(error)
        } catch {
            return damaged(
                AdapterError(
                    code: SkipCode.unreadableFile, file: input.displayPath, position: .wholeFile, message: "\(error)"))
        }
        return nil
    }

    /// The header of an archive that cannot be read further: libarchive's error, classified.
    private func failure(_ handle: ArchiveHandle) -> Header {
        if let inner = handle.callbackError as? AdapterError { return damaged(inner) }
        let message = handle.errorString
        if index == 0 && message.lowercased().contains("unrecognized archive format") {
            return damaged(
                AdapterError(
                    code: ArchiveSkipCode.notAnArchive, file: input.displayPath, position: .wholeFile,
                    message:
                        "libarchive does not recognise the format (\(message)); check the file is a complete zip, tar, 7z or compressed file"
                ))
        }
        return damaged(
            ArchiveErrors.classify(
                message, file: input.displayPath, position: RecordPosition(recordIndex: index),
                during: "reading the next entry's header", atEnd: handle.reachedEnd))
    }

    /// The header of an entry read whole: skipped (by its kind, name, encryption or size) or a member to read.
    private func header(_ entry: OpaquePointer, name: String, handle: ArchiveHandle) -> Header {
        if let skip = kindSkip(entry, name: name) { return skip }
        let path = EntryNames.normalise(name)
        if EntryNames.isMacMetadata(path) {
            return .skipped(
                record(
                    ArchiveSkipCode.macosMetadata, path,
                    "macOS metadata (__MACOSX, ._ AppleDouble or .DS_Store); not content"))
        }
        if archive_entry_is_encrypted(entry) != 0 {
            return .skipped(
                record(
                    ArchiveSkipCode.encryptedEntry, path,
                    "the entry is encrypted and cannot be read; decrypt the archive (e.g. unzip with its password) and import the files"
                ))
        }
        let size: Int64? = archive_entry_size_is_set(entry) != 0 ? archive_entry_size(entry) : nil
        if let size, size > limits.maxEntryBytes {
            return .skipped(
                record(
                    SkipCode.entryTooLarge, path,
                    "the entry declares \(size) bytes, over the \(limits.maxEntryBytes)-byte limit for one archive entry \(limits.note(.entryBytes)); unpack it and import the file directly if it is genuine"
                ))
        }
        // An entry declaring more than the ratio limit times the whole archive's size is a bomb whatever its
        // own compressed size (which libarchive does not tell).
        if let size, size > 8 << 20, let archiveSize = input.size, archiveSize > 0,
            Double(size) / Double(archiveSize) > limits.maxCompressionRatio
        {
            return .skipped(
                record(
                    SkipCode.zipBomb, path,
                    "the entry declares \(size) bytes out of a \(archiveSize)-byte archive, more than \(Int(limits.maxCompressionRatio))× its compressed size \(limits.note(.compressionRatio)): treated as a decompression bomb and not read"
                ))
        }
        if let size, totals.expanded + size > limits.maxTotalBytes {
            return damaged(
                AdapterError(
                    code: SkipCode.archiveTooLarge, file: input.displayPath,
                    position: RecordPosition(recordIndex: index),
                    message:
                        "the archive expands past the \(limits.maxTotalBytes)-byte limit for one archive \(limits.note(.expandedBytes)); split it or unpack it"
                ))
        }
        let modified: Date? =
            archive_entry_mtime_is_set(entry) != 0
            ? Date(
                timeIntervalSince1970: Double(archive_entry_mtime(entry)) + Double(archive_entry_mtime_nsec(entry))
                    / 1e9)
            : nil
        let stream = EntryStream(
            handle: handle, displayPath: "\(input.displayPath)!/\(path)", index: index, limits: limits,
            totals: totals)
        current = stream
        return .member(Member(name: path, size: size, modified: modified ?? input.modificationDate, stream: stream))
    }

    /// The skip of an entry that is not a regular file with a safe name; nil for one to read.
    private func kindSkip(_ entry: OpaquePointer, name: String) -> Header? {
        let type = archive_entry_filetype(entry)
        if type == backfill_AE_IFDIR || (name.hasSuffix("/") && archive_entry_size(entry) == 0) {
            return .skipped(
                record(ArchiveSkipCode.directoryEntry, name, "a folder entry; its files are read as their own entries"))
        }
        if type == backfill_AE_IFLNK {
            return .skipped(
                record(
                    ArchiveSkipCode.symlinkEntry, name,
                    "a symbolic link; links are never followed — import the file it points to"))
        }
        if archive_entry_hardlink(entry) != nil {
            return .skipped(
                record(
                    ArchiveSkipCode.hardlinkEntry, name,
                    "a hard link to another entry, which is read once under its own name"))
        }
        if type != 0 && type != backfill_AE_IFREG {
            return .skipped(
                record(ArchiveSkipCode.specialEntry, name, "a device, FIFO or socket entry; not a file to import"))
        }
        if let reason = EntryNames.unsafeReason(name) {
            return .skipped(
                record(
                    ArchiveSkipCode.unsafeName, name,
                    "\(reason); the entry is not read (its name is never used as a path) — if it is genuine, unpack the archive and import the file"
                ))
        }
        return nil
    }

    /// The entry's name, decoded; for a single compressed file, the outer name without its compression suffix.
    private func entryName(_ entry: OpaquePointer, handle: ArchiveHandle) -> String {
        if handle.formatCode == ARCHIVE_FORMAT_RAW {
            let lower = input.fileName.lowercased()
            for suffix in [".gz", ".bz2", ".xz", ".zst", ".lz4", ".z", ".lzma"] where lower.hasSuffix(suffix) {
                return String(input.fileName.dropLast(suffix.count))
            }
            if lower.hasSuffix(".tgz") { return String(input.fileName.dropLast(4)) + ".tar" }
            return input.fileName
        }
        if let raw = archive_entry_pathname(entry) {
            let bytes = Array(
                UnsafeBufferPointer(
                    start: UnsafeRawPointer(raw).assumingMemoryBound(to: UInt8.self), count: strlen(raw)))
            if String(validating: bytes, as: UTF8.self) == nil, nameEncoding == nil,
                let utf8 = archive_entry_pathname_utf8(entry)
            {
                return String(cString: utf8)
            }
            return EntryNames.decode(
                bytes, encoding: nameEncoding, isZip: handle.formatCode & ARCHIVE_FORMAT_BASE_MASK == ARCHIVE_FORMAT_ZIP
            )
        }
        if let utf8 = archive_entry_pathname_utf8(entry) { return String(cString: utf8) }
        return ""
    }
}
