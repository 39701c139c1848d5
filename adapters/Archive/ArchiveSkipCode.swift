import BackfillCore

/// The archive adapter's own skip codes, as README.md's table lists them (with the shared ``SkipCode``s it also
/// gives: the archive budgets' `entry_too_large`, `zip_bomb`, `archive_too_large`, `too_many_entries`,
/// `too_many_compression_layers`, and `archive_error`, `unreadable_file`, `seek_error`).
public enum ArchiveSkipCode: String, SkipReason {
    case directoryEntry = "directory_entry"
    case symlinkEntry = "symlink_entry"
    case hardlinkEntry = "hardlink_entry"
    case specialEntry = "special_entry"
    case macosMetadata = "macos_metadata"
    case unsafeName = "unsafe_name"
    case encryptedEntry = "encrypted_entry"
    case unreadableEntry = "unreadable_entry"
    case archiveTruncated = "archive_truncated"
    case archiveCorrupt = "archive_corrupt"
    case notAnArchive = "not_an_archive"
    case emptyArchive = "empty_archive"
    /// An entry's bytes asked for again past what a streamed archive keeps.
    case entryReread = "entry_reread"
    /// Internal: an entry read after the archive moved on.
    case entryClosed = "entry_closed"
    /// `backfill` writing an archive (the samples' tooling) could not.
    case archiveWriteError = "archive_write_error"
}
