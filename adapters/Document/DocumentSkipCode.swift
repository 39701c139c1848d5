import BackfillCore

/// The text adapter's own skip codes, as README.md's "Skip reasons" lists them (with the shared ``SkipCode``s it
/// also gives: `file_too_large`, `empty_file`, `binary_content`).
public enum DocumentSkipCode: String, SkipReason {
    case invalidUTF8 = "invalid_utf8"
    case invalidUTF16 = "invalid_utf16"
}
