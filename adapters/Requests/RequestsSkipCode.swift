import BackfillCore

/// The requests-jsonl adapter's own skip codes, as README.md's "Skip reasons" lists them (with the shared
/// ``SkipCode``s it also gives: `malformed_json`, `nesting_too_deep`, `line_too_long`).
public enum RequestsSkipCode: String, SkipReason {
    case missingField = "missing_field"
    case wrongFieldType = "wrong_field_type"
}
