import AsyncAlgorithms
import BackfillCore
import BackfillLedger
import BackfillTargets

/// One document of a batch, as a worker needs it.
struct BatchItem: Sendable {
    var encoded: EncodedDocument
    var provenance: Provenance
    var documentType: String
}

/// A batch already recorded as `sending` in the ledger, on its way to a worker.
struct PreparedBatch: Sendable {
    /// Production order, from 1; the resume watermark moves over these.
    var seq: Int
    var ledgerID: Int64
    var items: [BatchItem]
    var bytes: Int
}

/// Stage 4, batch: documents gathered into requests within the documents-per-batch and bytes limits. An import
/// hands each full batch on to be sent (``SendBatcher``); a plan counts the requests it would need
/// (``PlanBatcher``).
protocol BatchStage: AnyObject {
    /// Whether this id is already on its way in this run (a repeated id in the inputs is not sent twice).
    func holds(_ id: String) -> Bool
    func add(_ document: MemoryDocument, _ encoded: EncodedDocument) async throws
    /// Hands on the open batch.
    func flush() async throws
}

/// The batch stage of an import: each full batch is recorded as `sending` in the ledger, numbered, and handed over
/// a back-pressured channel to the workers — a slow target slows the reading, memory stays at a few batches.
final class SendBatcher: BatchStage {
    private let limit: Int
    private let maxBytes: Int
    private let ledger: any LedgerStore
    private let runID: Int64
    private let tally: RunTally
    private let channel: AsyncChannel<PreparedBatch>
    /// After each batch is handed over (the record stage saves the checkpoints it now covers).
    var handedOver: (() async throws -> Void)?
    private var items: [BatchItem] = []
    private var ids: Set<String> = []
    private var bytes = 0
    private var nextSeq = 1

    init(
        limit: Int, maxBytes: Int, ledger: any LedgerStore, runID: Int64, tally: RunTally,
        channel: AsyncChannel<PreparedBatch>
    ) {
        self.limit = limit
        self.maxBytes = maxBytes
        self.ledger = ledger
        self.runID = runID
        self.tally = tally
        self.channel = channel
    }

    /// The batch a just-processed record depends on: the open batch if it holds anything, else the last one sent.
    var dependencySeq: Int { items.isEmpty ? nextSeq - 1 : nextSeq }

    func holds(_ id: String) -> Bool { ids.contains(id) }

    func add(_ document: MemoryDocument, _ encoded: EncodedDocument) async throws {
        if !items.isEmpty && (items.count >= limit || bytes + encoded.json.count + 1 > maxBytes - 64) {
            try await flush()
        }
        // Even when stopping, the item joins the open batch: that batch is never sent, so the resume checkpoint
        // can never pass this record (returning here instead would lose it from the cursor's view).
        ids.insert(encoded.documentID)
        items.append(
            BatchItem(
                encoded: encoded, provenance: document.provenance,
                documentType: document.request.documentType.rawValue))
        bytes += encoded.json.count + 1
    }

    func flush() async throws {
        guard !items.isEmpty, !tally.sendingStopped else { return }
        let batch = items
        let batchBytes = bytes
        items.removeAll(keepingCapacity: true)
        ids.removeAll(keepingCapacity: true)
        bytes = 0
        let ledgerID = try ledger.beginBatch(
            batch.map {
                LedgerDocument(
                    documentID: $0.encoded.documentID, provenance: $0.provenance, documentType: $0.documentType,
                    userID: $0.encoded.request.userID)
            },
            bytes: batchBytes, runID: runID)
        let seq = nextSeq
        nextSeq += 1
        await channel.send(PreparedBatch(seq: seq, ledgerID: ledgerID, items: batch, bytes: batchBytes))
        try await handedOver?()
    }
}

/// The batch stage of a plan: counts the batches, requests and bytes an import would need.
final class PlanBatcher: BatchStage {
    private let limit: Int
    private let maxBytes: Int
    private let tally: RunTally
    private var seen: Set<String> = []
    private var count = 0
    private var bytes = 0

    init(limit: Int, maxBytes: Int, tally: RunTally) {
        self.limit = limit
        self.maxBytes = maxBytes
        self.tally = tally
    }

    func holds(_ id: String) -> Bool { seen.contains(id) }

    func add(_ document: MemoryDocument, _ encoded: EncodedDocument) async throws {
        seen.insert(encoded.documentID)
        let size = encoded.json.count
        let opensBatch = count == 0 || count >= limit || bytes + size + 1 > maxBytes
        if opensBatch {
            count = 0
            bytes = 64
        }
        count += 1
        bytes += size + 1
        tally.update { report in
            report.documents.valid? += 1
            if opensBatch {
                report.requests.batches += 1
                report.requests.requests += 1
            }
            report.requests.bytesSent += size + 1
        }
    }

    func flush() async throws {}
}
