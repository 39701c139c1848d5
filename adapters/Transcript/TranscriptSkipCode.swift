import BackfillCore

/// The transcript adapters' own skip codes, as README.md's "Skip reasons" lists them (with the shared
/// ``SkipCode``s they also give: `file_too_large`, `empty_file`, `binary_content`, `too_many_parts`, `nesting_too_deep`).
public enum TranscriptSkipCode: String, SkipReason {
    case emptyTranscript = "empty_transcript"
    case malformedCue = "malformed_cue"
    case malformedTiming = "malformed_timing"
    case notTTML = "not_ttml"
    case malformedXML = "malformed_xml"
}
