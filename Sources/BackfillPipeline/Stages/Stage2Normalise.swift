import BackfillCore
import BackfillTargets
import Foundation

/// Stage 2, normalise and validate (`--redact` was applied as the record was read: ``CleanStep``): the run's defaults filled in (`user_id`, `customer_id`, `mode`), the target's
/// profile checked, the request encoded once (its bytes are what is hashed, batched and sent). What fails is
/// rejected here — counted, and handed to the record stage when the run has one (dead letter, ledger, checkpoint);
/// what passes goes on to ``DedupStage``.
final class NormaliseStage {
    private let configuration: PipelineConfiguration
    private let tally: RunTally
    private let next: DedupStage
    private let rejected: RejectedBeforeSending?

    init(configuration: PipelineConfiguration, tally: RunTally, next: DedupStage, rejected: RejectedBeforeSending?) {
        self.configuration = configuration
        self.tally = tally
        self.next = next
        self.rejected = rejected
    }

    func accept(_ original: MemoryDocument) async throws {
        var document = original
        if document.request.userID == nil { document.request.userID = configuration.userID }
        if document.request.customerID == nil { document.request.customerID = configuration.customerID }
        fillMode(&document.request)

        var mappedFrom: DocumentType?
        switch configuration.profile.validate(&document) {
        case .rejected(let rejection):
            try reject(document, rejection)
            return
        case .valid(let mapped):
            mappedFrom = mapped
            if let mappedFrom {
                tally.update { $0.typeMappings["\(mappedFrom)→\(document.request.documentType)", default: 0] += 1 }
            }
        }
        noteAdjustments(document)
        let json: [UInt8]
        do {
            json = try CanonicalJSON.encode(document.request)
        } catch {
            try reject(document, Rejection(.unencodable, message: "the request cannot be encoded as JSON: \(error)"))
            return
        }
        if json.count + 64 > configuration.maxBatchBytes {
            try reject(
                document,
                Rejection(
                    .documentTooLarge,
                    message:
                        "the encoded request is \(json.count) bytes, over --max-batch-bytes \(configuration.maxBatchBytes)"
                ))
            return
        }
        document.provenance.contentSHA256 = ContentHash.sha256Hex(json)
        configuration.observer?(ObservedDocument(document: document, json: json, mappedFrom: mappedFrom))
        try await next.add(document, EncodedDocument(documentID: document.id, json: json, request: document.request))
    }

    /// Hands on the documents waiting for dedup (the end of a source).
    func flushCandidates() async throws {
        try await next.flush()
    }

    /// The end of the inputs: what waits is deduplicated and the last batch handed over, unless the run stopped.
    func endOfInput() async throws {
        if !tally.readingStopped { try await next.endOfInput() }
        try flushRejected()
    }

    func flushRejected() throws {
        try rejected?.flush()
    }

    /// A zone-less date and metadata the target will fold are not errors: they are reported.
    private func noteAdjustments(_ document: MemoryDocument) {
        if let created = document.request.documentCreatedAt, !Timestamp.hasZone(created) {
            tally.note(
                \.warnings, code: WarningCode.createdAtWithoutZone.rawValue,
                example: .init(
                    documentID: document.id, location: document.provenance.location,
                    message:
                        "document_created_at '\(created)' has no zone offset; sent as written, the target reads it in its own zone"
                ))
        }
        if let limit = configuration.profile.maxMetadataProperties,
            (document.request.metadata?.objectValue?.count ?? 0) > limit
        {
            tally.update {
                $0.adjustments[
                    "metadata over \(limit) properties folded into one metadata_json property", default: 0] +=
                    1
            }
        }
    }

    /// `mode`: `--mode`, else the source's own, else the target's default (a target may require one and
    /// name its default, e.g. `long-range`). Every value Backfill chose rather than the source is counted in the report.
    private func fillMode(_ request: inout CreateMemoryRequest) {
        if let mode = configuration.mode {
            if request.mode != mode {
                tally.update { $0.noteDefault(field: "mode", value: mode.rawValue, origin: .flag) }
                request.mode = mode
            }
        } else if request.mode == nil, let mode = configuration.profile.defaultMode {
            tally.update { $0.noteDefault(field: "mode", value: mode.rawValue, origin: .targetDefault) }
            request.mode = mode
        }
    }

    private func reject(_ document: MemoryDocument, _ rejection: Rejection) throws {
        configuration.observer?(ObservedDocument(document: document, rejection: rejection))
        tally.update { report in
            report.documents.rejected += 1
            report.bySource[document.provenance.file, default: .init()].rejected += 1
            report.note(
                \.rejections, code: rejection.code,
                example: .init(
                    documentID: document.id.isEmpty ? nil : document.id, location: document.provenance.location,
                    message: rejection.message))
        }
        try rejected?.record(document, rejection)
        if configuration.failFast {
            tally.stopReading(
                .init(
                    .failFast, message: "invalid document (\(rejection.code)): \(rejection.message)",
                    documentID: document.id.isEmpty ? nil : document.id, location: document.provenance.location))
        }
    }
}
