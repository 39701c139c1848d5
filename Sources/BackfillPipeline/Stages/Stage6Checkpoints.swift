import BackfillCore
import BackfillLedger
import Synchronization

/// How far the batches have finished cleanly, in production order: every batch up to ``value`` finished with
/// nothing left to send again. Moved by the workers, read by the reading side.
final class Watermark: Sendable {
    private let state = Mutex((value: 0, cleanAhead: Set<Int>()))

    var value: Int { state.withLock { $0.value } }

    func finished(seq: Int, clean: Bool) {
        guard clean else { return }
        state.withLock { state in
            state.cleanAhead.insert(seq)
            while state.cleanAhead.remove(state.value + 1) != nil { state.value += 1 }
        }
    }
}

/// Where the reading of a source starts.
enum ResumePoint {
    /// Finished in an earlier run and unchanged: not read again.
    case finishedEarlier
    /// From this cursor (nil: from the start).
    case from(SourceCursor?)
}

/// Stage 6, record — the checkpoints: a source's cursor is saved once every batch up to the one holding its last
/// processed record has finished cleanly (the ``Watermark``), and a source read to the end becomes `done` the same
/// way. A resumed run starts each source where its checkpoint says, counting what it does not read again.
final class SourceCheckpoints {
    private let ledger: any LedgerStore
    private let runID: Int64
    private let tally: RunTally
    private let watermark: Watermark
    private let resendRejected: Bool
    /// The batch a just-processed record depends on (the batch stage's numbering).
    var dependencySeq: () -> Int = { 0 }
    private var pending: [(seq: Int, path: String, cursor: SourceCursor)] = []
    private var finishedSources: [(seq: Int, record: SourceRecord)] = []
    private var savedCursor: [String: SourceCursor] = [:]

    init(ledger: any LedgerStore, runID: Int64, tally: RunTally, watermark: Watermark, resendRejected: Bool) {
        self.ledger = ledger
        self.runID = runID
        self.tally = tally
        self.watermark = watermark
        self.resendRejected = resendRejected
    }

    /// Resume: skip a source finished earlier, or seek to its cursor, when it has not changed. The source is
    /// recorded as `reading` from where it starts.
    func open(path: String, adapter: any SourceAdapter, fingerprint: SourceFingerprint) throws -> ResumePoint {
        var cursor: SourceCursor?
        if let known = try ledger.source(path) {
            if known.fingerprint != fingerprint {
                tally.update { report in
                    report.sources.changed += 1
                    report.note(
                        \.warnings, code: WarningCode.sourceChanged.rawValue,
                        example: .init(
                            documentID: nil, location: path,
                            message:
                                "changed since an earlier run (size, modification time or first bytes); read again from the start — documents already ingested keep their ids and are not sent twice"
                        ))
                }
            } else if !resendRejected {
                if known.state == .done {
                    tally.update { $0.sources.finishedEarlier += 1 }
                    try countSettled(path, throughRecordIndex: nil)
                    return .finishedEarlier
                }
                if let known = known.cursor, adapter.descriptor.supportsCursor {
                    cursor = known
                    tally.update { $0.sources.resumed += 1 }
                    try countSettled(path, throughRecordIndex: known.recordIndex ?? 0)
                }
            }
        }
        try ledger.saveSource(
            SourceRecord(path: path, adapter: adapter.name, fingerprint: fingerprint, cursor: cursor, state: .reading),
            runID: runID)
        savedCursor[path] = cursor
        return .from(cursor)
    }

    /// Counts the documents of a source that this run does not read again (settled before its checkpoint).
    private func countSettled(_ path: String, throughRecordIndex: Int?) throws {
        let counts = try ledger.sourceCounts(path, throughRecordIndex: throughRecordIndex)
        let accepted = counts[.accepted] ?? 0
        let duplicate = counts[.duplicate] ?? 0
        let rejected = counts[.rejected] ?? 0
        tally.update { report in
            report.documents.accepted? += accepted
            report.documents.duplicate? += duplicate
            report.documents.alreadyIngested += accepted + duplicate
            report.documents.resumedFromCheckpoint += accepted + duplicate + rejected
            if rejected > 0 {
                report.documents.rejected += rejected
                report.note(
                    \.rejections, code: RejectionCode.rejectedEarlier.rawValue,
                    example: .init(
                        documentID: nil, location: path,
                        message:
                            "\(rejected) documents of this source were rejected in an earlier run; `backfill retry --rejected` sends them again"
                    ))
            }
        }
    }

    /// A record was processed: its source may resume after it once the batch it depends on has finished.
    func note(_ path: String, _ cursor: SourceCursor) {
        let seq = dependencySeq()
        if let last = pending.last, last.seq == seq, last.path == path {
            pending[pending.count - 1].cursor = cursor
        } else {
            pending.append((seq, path, cursor))
        }
    }

    /// A source was read to the end: `done` once every batch holding its documents has finished cleanly.
    func sourceRead(_ record: SourceRecord) {
        finishedSources.append((dependencySeq(), record))
    }

    /// Writes the cursors (and `done` states) the watermark now covers.
    func save() throws {
        let watermark = watermark.value
        var latest: [String: SourceCursor] = [:]
        var keep: [(seq: Int, path: String, cursor: SourceCursor)] = []
        for checkpoint in pending {
            if checkpoint.seq <= watermark {
                latest[checkpoint.path] = checkpoint.cursor
            } else {
                keep.append(checkpoint)
            }
        }
        pending = keep
        var done: [(seq: Int, record: SourceRecord)] = []
        for finished in finishedSources {
            if finished.seq <= watermark {
                try ledger.saveSource(finished.record, runID: runID)
                latest.removeValue(forKey: finished.record.path)
            } else {
                done.append(finished)
            }
        }
        finishedSources = done
        for (path, cursor) in latest where savedCursor[path] != cursor {
            guard var record = try ledger.source(path) else { continue }
            record.cursor = cursor
            try ledger.saveSource(record, runID: runID)
            savedCursor[path] = cursor
        }
    }
}
