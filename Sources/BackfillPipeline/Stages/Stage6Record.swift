import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Synchronization

/// Rejected documents, with their request and reason, one JSON object a line, next to the ledger. Appended to in
/// place across runs (``OutputFile``: a symbolic link or a FIFO put there stays what it is). Written only through
/// ``OutcomeRecorder``.
public final class DeadLetter: Sendable {
    public let path: String
    private let handle: Mutex<OutputFile?>

    public init(path: String) {
        self.path = path
        handle = Mutex(nil)
    }

    /// Appends one rejected document. Failures to write are reported once in the log, never fatal.
    fileprivate func write(
        documentID: String, code: String, message: String, provenance: Provenance, requestJSON: [UInt8]?
    ) {
        var object: [String: JSONValue] = [
            "document_id": .string(documentID),
            "reason": .object(["code": .string(code), "message": .string(message)]),
        ]
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        if let provenanceData = try? encoder.encode(provenance),
            let provenanceJSON = try? JSONDecoder().decode(JSONValue.self, from: provenanceData)
        {
            object["provenance"] = provenanceJSON
        }
        if let requestJSON, let request = try? JSONDecoder().decode(JSONValue.self, from: Data(requestJSON)) {
            object["request"] = request
        }
        guard let data = try? encoder.encode(JSONValue.object(object)) else { return }
        var line = Array(data)
        line.append(0x0A)
        handle.withLock { handle in
            if handle == nil { handle = try? OutputFile(path: path) }
            _ = try? handle?.write(line)
        }
    }
}

/// Stage 6, record: every outcome written to the ledger — a batch's in one transaction — counted in the report,
/// refused documents written to the dead-letter file (here only), and the stops the outcomes call for.
final class OutcomeRecorder: Sendable {
    let ledger: any LedgerStore
    let deadLetter: DeadLetter?
    let tally: RunTally
    let watermark: Watermark
    let failFast: Bool
    let maxAttempts: Int
    let maxConsecutiveFailedBatches = 3
    private let failedInARow = Mutex(0)

    init(
        ledger: any LedgerStore, deadLetter: DeadLetter?, tally: RunTally, watermark: Watermark, failFast: Bool,
        maxAttempts: Int
    ) {
        self.ledger = ledger
        self.deadLetter = deadLetter
        self.tally = tally
        self.watermark = watermark
        self.failFast = failFast
        self.maxAttempts = maxAttempts
    }

    /// The dead-letter file's one writer.
    func writeDeadLetter(_ id: String, _ code: String, _ message: String, _ provenance: Provenance, json: [UInt8]?) {
        deadLetter?.write(documentID: id, code: code, message: message, provenance: provenance, requestJSON: json)
    }

    /// The run stopped before this batch was sent: it goes back to pending.
    func notSent(_ batch: PreparedBatch) throws {
        try ledger.finishBatch(
            batch.ledgerID,
            outcomes: batch.items.map {
                LedgerOutcome(
                    documentID: $0.encoded.documentID, state: .pending, errorCode: OutcomeCode.notSent.rawValue,
                    error: "the run stopped before this batch was sent")
            }, error: "not sent: the run stopped")
    }

    /// A batch the target answered: each document's outcome.
    func record(_ batch: PreparedBatch, outcomes: [String: ItemOutcome]) throws {
        var ledgerOutcomes: [LedgerOutcome] = []
        var counts = (accepted: 0, duplicate: 0, rejected: 0, failed: 0)
        for item in batch.items {
            let id = item.encoded.documentID
            let location = item.provenance.location
            let unmatched = ItemOutcome.failed(
                code: TransportCode.unmatchedResponse.rawValue, message: "no outcome for this document")
            switch outcomes[id] ?? unmatched {
            case .accepted(let ingestionID):
                counts.accepted += 1
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .accepted, ingestionID: ingestionID))
            case .duplicate(let message):
                counts.duplicate += 1
                ledgerOutcomes.append(
                    LedgerOutcome(
                        documentID: id, state: .duplicate, errorCode: OutcomeCode.duplicate.rawValue, error: message))
            case .rejected(let code, let message):
                counts.rejected += 1
                tally.note(
                    \.rejections, code: code, example: .init(documentID: id, location: location, message: message))
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .rejected, errorCode: code, error: message))
                writeDeadLetter(id, code, message, item.provenance, json: item.encoded.json)
                if failFast {
                    tally.stopSending(
                        .init(
                            .failFast, message: "the target rejected a document (\(code)): \(message)",
                            documentID: id, location: location))
                }
            case .failed(let code, let message):
                counts.failed += 1
                tally.note(\.failures, code: code, example: .init(documentID: id, location: location, message: message))
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .failed, errorCode: code, error: message))
            }
        }
        try ledger.finishBatch(batch.ledgerID, outcomes: ledgerOutcomes)
        count(
            accepted: counts.accepted, duplicate: counts.duplicate, rejected: counts.rejected, failed: counts.failed,
            sent: batch.items.count)
        failedInARow.withLock { $0 = 0 }
        watermark.finished(seq: batch.seq, clean: counts.failed == 0)
    }

    /// The target could not say whether it holds these documents: they stay `sending` (the durable "unknown
    /// outcome"), are not sent again in this run, and the next run asks the target before anything else.
    func recordUnknown(_ batch: PreparedBatch, settled: [String: ItemOutcome], error: UploadError) throws {
        var outcomes: [LedgerOutcome] = []
        var accepted = 0
        for item in batch.items {
            let id = item.encoded.documentID
            if case .accepted(let ingestionID)? = settled[id] {
                accepted += 1
                outcomes.append(LedgerOutcome(documentID: id, state: .accepted, ingestionID: ingestionID))
                continue
            }
            let message =
                "sent, but the outcome is unknown (\(error.message)) and the target could not be asked; the next run asks it before sending again"
            let code = OutcomeCode.outcomeUnknown.rawValue
            outcomes.append(LedgerOutcome(documentID: id, state: .sending, errorCode: code, error: message))
            tally.note(
                \.failures, code: code,
                example: .init(documentID: id, location: item.provenance.location, message: message))
        }
        try ledger.finishBatch(batch.ledgerID, outcomes: outcomes, error: error.description)
        count(
            accepted: accepted, duplicate: 0, rejected: 0, failed: batch.items.count - accepted, sent: batch.items.count
        )
        let inARow = failedInARow.withLock {
            $0 += 1; return $0
        }
        if inARow >= maxConsecutiveFailedBatches {
            tally.stopSending(
                .init(
                    .targetUnavailable,
                    message:
                        "\(inARow) batches in a row could not be confirmed (last: \(error.message)); run the same command again when the target is back — it asks before sending anything again"
                ))
        }
    }

    /// The whole batch failed. Under fail-fast the target names the document that sank the batch: that one is
    /// rejected (and named in the report), the others were not stored and stay pending.
    func recordFailure(_ batch: PreparedBatch, error: UploadError) throws {
        let state: DocumentState
        switch error.kind {
        case .invalid where failFast, .stop: state = .pending
        case .invalid, .retryable, .permanent: state = .failed
        }
        var named: BatchItem?
        if error.kind == .invalid && failFast {
            named =
                batch.items.first { $0.encoded.documentID == error.itemDocumentID }
                ?? error.itemIndex.flatMap { batch.items.indices.contains($0) ? batch.items[$0] : nil }
        }
        var outcomes: [LedgerOutcome] = []
        for item in batch.items {
            let id = item.encoded.documentID
            let example = RunReport.Example(documentID: id, location: item.provenance.location, message: error.message)
            if let named, named.encoded.documentID == id {
                let code = RejectionCode.rejectedByTarget.rawValue
                outcomes.append(LedgerOutcome(documentID: id, state: .rejected, errorCode: code, error: error.message))
                tally.note(\.rejections, code: code, example: example)
                writeDeadLetter(id, code, error.message, item.provenance, json: item.encoded.json)
                continue
            }
            outcomes.append(LedgerOutcome(documentID: id, state: state, errorCode: error.code, error: error.message))
            if state == .failed { tally.note(\.failures, code: error.code, example: example) }
        }
        try ledger.finishBatch(batch.ledgerID, outcomes: outcomes, error: error.description)
        count(
            accepted: 0, duplicate: 0, rejected: named == nil ? 0 : 1,
            failed: state == .failed ? batch.items.count : 0, sent: batch.items.count)
        let inARow = failedInARow.withLock {
            $0 += 1; return $0
        }
        stopAfterFailure(error, named: named, inARow: inARow)
    }

    private func stopAfterFailure(_ error: UploadError, named: BatchItem?, inARow: Int) {
        switch error.kind {
        case .stop:
            tally.stopSending(.init(code: error.code, message: error.message))
        case .invalid where failFast:
            tally.stopSending(
                .init(
                    .failFast, message: "the target rejected the batch: \(error.message)",
                    documentID: named?.encoded.documentID, location: named?.provenance.location))
        case .retryable where inARow >= maxConsecutiveFailedBatches:
            tally.stopSending(
                .init(
                    .targetUnavailable,
                    message:
                        "\(inARow) batches in a row failed after \(maxAttempts) attempts (last: \(error.message)); run the same command again when the target is back — the ledger resumes where this stopped"
                ))
        default:
            break
        }
    }

    private func count(accepted: Int, duplicate: Int, rejected: Int, failed: Int, sent: Int) {
        tally.update { report in
            report.documents.accepted? += accepted
            report.documents.duplicate? += duplicate
            report.documents.rejected += rejected
            report.documents.failed += failed
            report.documents.sent += sent
            report.requests.batches += 1
        }
    }
}

/// The record stage's side on the reading task: documents rejected before sending go to the dead-letter file at
/// once and to the ledger in groups (one transaction per 500); their cursors join the checkpoints.
final class RejectedBeforeSending {
    private let recorder: OutcomeRecorder
    private let runID: Int64
    private let checkpoints: SourceCheckpoints
    private let encoder: JSONEncoder
    private var buffer: [(LedgerDocument, Rejection)] = []

    init(recorder: OutcomeRecorder, runID: Int64, checkpoints: SourceCheckpoints) {
        self.recorder = recorder
        self.runID = runID
        self.checkpoints = checkpoints
        encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    func record(_ document: MemoryDocument, _ rejection: Rejection) throws {
        let json = try? encoder.encode(document.request)
        recorder.writeDeadLetter(
            document.id, rejection.code, rejection.message, document.provenance, json: json.map(Array.init))
        if !document.id.isEmpty {
            let entry = LedgerDocument(
                documentID: document.id, provenance: document.provenance,
                documentType: document.request.documentType.rawValue)
            buffer.append((entry, rejection))
            if buffer.count >= 500 { try flush() }
        }
        if let cursor = document.cursorAfter { checkpoints.note(document.provenance.file, cursor) }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try recorder.ledger.recordRejected(buffer, runID: runID)
        buffer.removeAll(keepingCapacity: true)
    }
}
