import BackfillCore

/// The email adapters' own skip codes, as README.md's "Skip reasons" lists them (with the shared ``SkipCode``s they
/// also give: `empty_file`, `nesting_too_deep`, `too_many_parts`, `read_too_slow`).
public enum EmailSkipCode: String, SkipReason {
    case noFromLine = "no_from_line"
    case noHeaders = "no_headers"
    case messageTooLarge = "message_too_large"
    case emptyMailbox = "empty_mailbox"
    case duplicateMessage = "duplicate_message"
}
