import BackfillCore
import CArchive
import Foundation

/// Writes small archives with libarchive — for tests and fixtures (archives of the samples built at test time,
/// hostile names, bombs), so no `zip`/`7z`/`bsdtar` binary is needed.
public enum ArchiveWriter {
    public enum Format: Sendable {
        case zip, tar, sevenZip
        /// One compressed file (use with a filter: `notes.txt.gz`).
        case raw
    }

    public enum Filter: Sendable {
        case none, gzip, bzip2, xz, zstd, lz4
    }

    public struct Entry: Sendable {
        public enum Kind: Sendable {
            case file
            case directory
            case symlink(String)
        }

        public var name: String
        public var data: [UInt8]
        public var kind: Kind
        public var modified: Date

        public init(
            name: String, data: [UInt8] = [], kind: Kind = .file,
            modified: Date = Date(timeIntervalSince1970: 1_700_000_000)
        ) {
            self.name = name
            self.data = data
            self.kind = kind
            self.modified = modified
        }
    }

    /// Writes `entries` to `path`. `options` are libarchive writer options (`zip:encryption=zipcrypt`, …).
    public static func write(
        _ entries: [Entry], to path: String, format: Format, filter: Filter = .none, options: String? = nil,
        passphrase: String? = nil
    ) throws {
        guard let archive = archive_write_new() else { throw failure("cannot allocate a writer", path) }
        defer { archive_write_free(archive) }
        switch format {
        case .zip: archive_write_set_format_zip(archive)
        case .tar: archive_write_set_format_pax_restricted(archive)
        case .sevenZip: archive_write_set_format_7zip(archive)
        case .raw: archive_write_set_format_raw(archive)
        }
        switch filter {
        case .none: archive_write_add_filter_none(archive)
        case .gzip: archive_write_add_filter_gzip(archive)
        case .bzip2: archive_write_add_filter_bzip2(archive)
        case .xz: archive_write_add_filter_xz(archive)
        case .zstd: archive_write_add_filter_zstd(archive)
        case .lz4: archive_write_add_filter_lz4(archive)
        }
        if let options, archive_write_set_options(archive, options) != ARCHIVE_OK {
            throw failure("option \(options): \(message(archive))", path)
        }
        if let passphrase, archive_write_set_passphrase(archive, passphrase) != ARCHIVE_OK {
            throw failure("passphrase: \(message(archive))", path)
        }
        guard archive_write_open_filename(archive, path) == ARCHIVE_OK else { throw failure(message(archive), path) }
        for item in entries {
            guard let entry = archive_entry_new() else { throw failure("cannot allocate an entry", path) }
            defer { archive_entry_free(entry) }
            _ = archive_entry_update_pathname_utf8(entry, item.name)
            archive_entry_set_mtime(entry, time_t(item.modified.timeIntervalSince1970), 0)
            switch item.kind {
            case .file:
                archive_entry_set_filetype(entry, backfill_AE_IFREG)
                archive_entry_set_perm(entry, 0o644)
                archive_entry_set_size(entry, Int64(item.data.count))
            case .directory:
                archive_entry_set_filetype(entry, backfill_AE_IFDIR)
                archive_entry_set_perm(entry, 0o755)
                archive_entry_set_size(entry, 0)
            case .symlink(let target):
                archive_entry_set_filetype(entry, backfill_AE_IFLNK)
                archive_entry_set_perm(entry, 0o777)
                archive_entry_set_size(entry, 0)
                _ = archive_entry_update_symlink_utf8(entry, target)
            }
            guard archive_write_header(archive, entry) >= ARCHIVE_WARN else { throw failure(message(archive), path) }
            if case .file = item.kind, !item.data.isEmpty {
                let written = item.data.withUnsafeBytes { raw in archive_write_data(archive, raw.baseAddress, raw.count)
                }
                guard written >= 0 else { throw failure(message(archive), path) }
            }
        }
        guard archive_write_close(archive) == ARCHIVE_OK else { throw failure(message(archive), path) }
    }

    private static func message(_ archive: OpaquePointer) -> String {
        archive_error_string(archive).map { String(cString: $0) } ?? "unknown error"
    }

    private static func failure(_ message: String, _ path: String) -> AdapterError {
        AdapterError(code: ArchiveSkipCode.archiveWriteError, file: path, position: .wholeFile, message: message)
    }
}
