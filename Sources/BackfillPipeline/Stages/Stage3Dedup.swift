import BackfillCore
import BackfillLedger
import BackfillTargets

/// Stage 3, deduplicate: valid documents wait in small groups so the ledger is asked about many ids at once.
/// An id met twice in the inputs goes on once; one the job settled in an earlier run is counted, not sent again;
/// one the target refused earlier with this very content is not sent again unless `--rejected` asks for it
/// (``refusesRejectedEarlier``). The rest goes on to the batch stage.
///
/// Memory stays flat however large the input: the ids still to be sent are those the batch stage holds; ids handed
/// on are in the ledger under this run's id.
final class DedupStage {
    private let ledger: (any LedgerStore)?
    private let runID: Int64?
    private let refusesRejectedEarlier: Bool
    private let tally: RunTally
    private let next: any BatchStage
    /// Called for each document looked at (its cursor joins the checkpoints), when the run records them.
    private let looked: ((MemoryDocument) -> Void)?
    private var candidates: [(MemoryDocument, EncodedDocument)] = []

    init(
        ledger: (any LedgerStore)?, runID: Int64?, refusesRejectedEarlier: Bool, tally: RunTally,
        next: any BatchStage, looked: ((MemoryDocument) -> Void)?
    ) {
        self.ledger = ledger
        self.runID = runID
        self.refusesRejectedEarlier = refusesRejectedEarlier
        self.tally = tally
        self.next = next
        self.looked = looked
    }

    func add(_ document: MemoryDocument, _ encoded: EncodedDocument) async throws {
        candidates.append((document, encoded))
        if candidates.count >= 256 { try await flush() }
    }

    /// The end of the inputs: what waits goes on, then the last batch.
    func endOfInput() async throws {
        try await flush()
        if !tally.readingStopped { try await next.flush() }
    }

    /// Decides every waiting document.
    func flush() async throws {
        guard !candidates.isEmpty else { return }
        let current = candidates
        candidates.removeAll(keepingCapacity: true)
        let known = try ledger?.entries(for: current.map(\.1.documentID)) ?? [:]
        for (document, encoded) in current {
            if tally.readingStopped { return }
            defer { looked?(document) }
            if isRepeated(encoded.documentID, entry: known[encoded.documentID]) {
                tally.update { $0.documents.duplicateInInput += 1 }
                continue
            }
            tally.update { report in
                switch document.createdAtOrigin {
                case .source: report.timestamps.fromSource += 1
                case .fallback: report.timestamps.fallback += 1
                case .missing: report.timestamps.missing += 1
                }
                report.byType[document.request.documentType.rawValue, default: 0] += 1
                report.shape?.note(document)
            }
            if let entry = known[encoded.documentID], settledEarlier(document, entry) { continue }
            try await next.add(document, encoded)
        }
    }

    /// The same id twice in this run's inputs: held by the batch stage, or handed on by this run already.
    private func isRepeated(_ id: String, entry: LedgerEntry?) -> Bool {
        if next.holds(id) { return true }
        if let entry, let runID, entry.runID == runID { return true }
        return false
    }

    /// Counts a document an earlier run settled (or the target refused with this content); true when it is not
    /// to be sent.
    private func settledEarlier(_ document: MemoryDocument, _ entry: LedgerEntry) -> Bool {
        let sameContent = entry.contentSHA256 == document.provenance.contentSHA256
        if entry.state == .rejected && refusesRejectedEarlier && sameContent {
            // The target refused this very content in an earlier run: sending it again will not help.
            tally.update { report in
                report.documents.rejected += 1
                report.note(
                    \.rejections, code: RejectionCode.rejectedEarlier.rawValue,
                    example: .init(
                        documentID: entry.documentID, location: document.provenance.location,
                        message:
                            "the target rejected this document in an earlier run; fix it, or send it again with `backfill retry --rejected`"
                    ))
            }
            return true
        }
        guard entry.state.isSettled else { return false }
        tally.update { report in
            report.documents.alreadyIngested += 1
            if !sameContent { report.documents.changedSinceIngest += 1 }
            switch entry.state {
            case .accepted: report.documents.accepted? += 1
            case .duplicate: report.documents.duplicate? += 1
            default: break
            }
        }
        return true
    }
}
