import BackfillCore

/// The chat adapters' own skip codes, as README.md's "Skip reasons" lists them (with the shared ``SkipCode``s they
/// also give: `malformed_json`, `file_too_large`, `line_too_long`, `nesting_too_deep`, `too_many_parts`).
public enum ChatSkipCode: String, SkipReason {
    /// The JSON is valid but not the shape of the export (no expected array, an element that is not an object).
    case unexpectedShape = "unexpected_shape"
    case emptyConversation = "empty_conversation"
    /// The file ends inside a JSON value.
    case truncatedJSON = "truncated_json"
    /// (WhatsApp) a line that is neither a message nor a continuation before the first message.
    case unrecognisedLine = "unrecognised_line"
    case unknownTimezone = "unknown_timezone"
    /// (declarative specs) a spec file that cannot be used.
    case invalidSpec = "invalid_spec"
    case noSpecMatches = "no_spec_matches"
    /// (Google Chat) `group_info.json`: metadata beside a conversation's messages.json, nothing to import by itself.
    case groupInfo = "group_info"
}
