import BackfillCore

/// A document the ledger holds, with the target's id and user (reconciliation, verification).
public typealias KnownLedgerDocument = (documentID: String, targetID: String?, userID: String?, state: DocumentState)

/// What the import pipeline needs of a job's checkpoint store: documents' states, batches written before and after
/// their request, sources' resume cursors and the runs. ``Ledger`` keeps it in SQLite; ``InMemoryLedger`` in
/// memory (tests). A store shared by several workers (a later PostgreSQL ledger) plugs in here.
///
/// The guarantee every implementation keeps: ``beginBatch(_:bytes:runID:)`` records a batch as `sending` before its
/// request goes out and ``finishBatch(_:outcomes:error:)`` records all its outcomes after, each atomically — after a
/// crash at any instant, what was `sending` or never sent is sent again (or looked up first).
public protocol LedgerStore: Sendable {
    /// Where the store lives, for messages (a file path, or a name).
    var path: String { get }

    /// Starts a run; its id tags what this run touches (in-run duplicate detection).
    func beginRun(command: String, target: String) throws -> Int64
    func finishRun(_ runID: Int64, exitCode: Int32, reportJSON: String) throws

    /// The entries for these ids (absent ids are not in the store).
    func entries(for ids: [String]) throws -> [String: LedgerEntry]
    /// Records a batch as `sending`, atomically, before its request goes out. Returns the batch id.
    func beginBatch(_ documents: [LedgerDocument], bytes: Int, runID: Int64) throws -> Int64
    /// Writes every outcome of a batch, atomically, after its response.
    func finishBatch(_ batchID: Int64, outcomes: [LedgerOutcome], error: String?) throws
    /// Records documents rejected before sending (local validation); settled documents stay settled.
    func recordRejected(_ documents: [(LedgerDocument, Rejection)], runID: Int64) throws
    /// Documents in these states, in id order, `limit` at a time after `afterID`.
    func knownDocuments(in states: Set<DocumentState>, afterID: String, limit: Int) throws -> [KnownLedgerDocument]
    /// Settles documents found on the target after all (reconciliation).
    func settle(_ outcomes: [LedgerOutcome]) throws

    func source(_ path: String) throws -> SourceRecord?
    func saveSource(_ record: SourceRecord, runID: Int64) throws
    /// Document counts by state for one source (a bundle's or archive's members included); with
    /// `throughRecordIndex`, only records at or before it.
    func sourceCounts(_ path: String, throughRecordIndex: Int?) throws -> [DocumentState: Int]
}

extension LedgerStore {
    /// Outcomes of a batch that ended without a batch-level error.
    public func finishBatch(_ batchID: Int64, outcomes: [LedgerOutcome]) throws {
        try finishBatch(batchID, outcomes: outcomes, error: nil)
    }
}
