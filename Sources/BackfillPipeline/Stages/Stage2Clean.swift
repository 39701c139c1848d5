import BackfillClean
import BackfillCore

/// The cleaning before stage 2 (each source's reading task applies it as records are parsed, ``ReadAhead``, so it
/// runs beside the stages after reading): `--redact` applied to a document's text and to the string values of its
/// metadata, so what is validated, encoded, hashed (the ledger's content hash — changing the options marks a
/// document as changed since ingest) and sent is the cleaned request. Counts per kind and per source go into the
/// report, with the `--strip` counts the email adapters left in `metadata.stripped`.
///
/// Identifiers stay as they are: the document id (dedup and resume depend on it) and the metadata keys in
/// ``identifierKeys`` (message ids look like addresses, and threading needs them verbatim).
struct CleanStep: Sendable {
    let redactor: Redactor?
    let tally: RunTally

    /// Metadata keys whose values are identifiers, never redacted.
    static let identifierKeys: Set<String> = [
        "message_id", "message_ids", "in_reply_to", "references", "thread_id", "root_message_id", "conversation_id",
        "channel_id", "chat_id", "source_id", "id",
    ]

    func apply(_ document: inout MemoryDocument) {
        var counts: [RedactionKind: Int] = [:]
        if let redactor {
            let text = redactor.redact(document.request.document)
            if !text.counts.isEmpty {
                document.request.document = text.text
                counts.merge(text.counts, uniquingKeysWith: +)
            }
            if let metadata = document.request.metadata {
                document.request.metadata = Self.redact(metadata, with: redactor, counts: &counts)
            }
        }
        let stripped = RunReport.Stripped(metadata: document.request.metadata)
        guard stripped != nil || !counts.isEmpty else { return }
        let file = document.provenance.file
        tally.update { $0.cleaning?.note(file: file, stripped: stripped, redacted: counts) }
    }

    /// Every string in the value redacted, but those under an identifier key.
    static func redact(_ value: JSONValue, with redactor: Redactor, counts: inout [RedactionKind: Int]) -> JSONValue {
        switch value {
        case .string(let text):
            let redacted = redactor.redact(text)
            if redacted.counts.isEmpty { return value }
            counts.merge(redacted.counts, uniquingKeysWith: +)
            return .string(redacted.text)
        case .array(let items):
            return .array(items.map { redact($0, with: redactor, counts: &counts) })
        case .object(let object):
            var out = object
            for (key, item) in object where !identifierKeys.contains(key) {
                out[key] = redact(item, with: redactor, counts: &counts)
            }
            return .object(out)
        case .null, .bool, .number, .integer:
            return value
        }
    }
}
