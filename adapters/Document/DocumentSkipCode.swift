import BackfillCore

/// The document family's own skip codes (the text and Evernote adapters), as README.md's "Skip reasons" lists them
/// (with the shared ``SkipCode``s they also give: `file_too_large`, `empty_file`, `binary_content`).
public enum DocumentSkipCode: String, SkipReason {
    case invalidUTF8 = "invalid_utf8"
    case invalidUTF16 = "invalid_utf16"
    /// (Evernote) the file ends inside a note: the notes before it were read.
    case truncatedNote = "truncated_note"
    /// (Evernote) a note whose XML (attachments' bytes left out) is over 4 × `--max-document-bytes`.
    case noteTooLarge = "note_too_large"
    /// (Evernote) a note that libxml2 cannot read at all, or that nests deeper than `--max-depth`.
    case unreadableNote = "unreadable_note"
    /// (Evernote) a note with neither a title nor any text.
    case emptyNote = "empty_note"
    /// (Evernote) a file named `.enex` that holds no `<en-export>`.
    case notAnExport = "not_an_export"
}
