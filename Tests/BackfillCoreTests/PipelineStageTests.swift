import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Logging
import Synchronization
import Testing

@testable import BackfillPipeline

/// The pipeline's stages, one at a time, against ``InMemoryLedger``: no SQLite, no network, no files but a
/// dead-letter file and one input. Each test says in a comment what was broken to see it fail.
@Suite("Pipeline stages against an in-memory ledger")
struct PipelineStageTests {
    static func document(_ id: String, text: String = "hello", file: String = "in.txt", index: Int = 0)
        -> MemoryDocument
    {
        MemoryDocument(
            request: CreateMemoryRequest(document: text, documentType: .document, documentID: id),
            provenance: Provenance(
                adapter: "test", file: file, position: RecordPosition(recordIndex: index), contentSHA256: "sha-\(text)"),
            createdAtOrigin: .source, cursorAfter: SourceCursor(recordIndex: index))
    }

    static func encoded(_ document: MemoryDocument) -> EncodedDocument {
        EncodedDocument(documentID: document.id, json: Array("{}".utf8), request: document.request)
    }

    static func batch(_ documents: [MemoryDocument], seq: Int, ledger: InMemoryLedger) throws -> PreparedBatch {
        let items = documents.map {
            BatchItem(encoded: encoded($0), provenance: $0.provenance, documentType: "document")
        }
        let id = try ledger.beginBatch(
            documents.map { LedgerDocument(documentID: $0.id, provenance: $0.provenance, documentType: "document") },
            bytes: 10, runID: 1)
        return PreparedBatch(seq: seq, ledgerID: id, items: items, bytes: 10)
    }

    /// Dedup: an id twice in the inputs goes on once; one settled by an earlier run is counted, not sent; one the
    /// target refused with this very content is not sent again.
    /// Broken to see it fail: `if next.holds(id) { return true }` disabled in `DedupStage.isRepeated` — `b` went on
    /// twice and `duplicateInInput` stayed 0.
    @Test func dedupSendsEachIDOnceAndNothingSettled() async throws {
        let ledger = InMemoryLedger()
        let earlier = Self.document("settled")
        let refused = Self.document("refused")
        let first = try ledger.beginBatch(
            [earlier, refused].map {
                LedgerDocument(documentID: $0.id, provenance: $0.provenance, documentType: "document")
            }, bytes: 1, runID: 1)
        try ledger.finishBatch(
            first,
            outcomes: [
                LedgerOutcome(documentID: "settled", state: .accepted, ingestionID: "t-1"),
                LedgerOutcome(documentID: "refused", state: .rejected, errorCode: "bad"),
            ])
        let tally = RunTally(report: RunReport(command: "import"), signal: StopSignal())
        let batcher = PlanBatcher(limit: 100, maxBytes: 1 << 20, tally: tally)
        let dedup = DedupStage(
            ledger: ledger, runID: 2, refusesRejectedEarlier: true, tally: tally, next: batcher, looked: nil)
        for id in ["a", "b", "settled", "b", "refused"] {
            let document = Self.document(id)
            try await dedup.add(document, Self.encoded(document))
        }
        try await dedup.endOfInput()
        let report = tally.finish(started: .now)
        #expect(report.documents.duplicateInInput == 1)
        #expect(report.documents.alreadyIngested == 1)
        #expect(report.documents.accepted == 1)
        #expect(report.documents.rejected == 1)
        #expect(report.rejections.map(\.code) == ["rejected_earlier"])
        #expect(batcher.holds("a") && batcher.holds("b"))
        #expect(!batcher.holds("settled") && !batcher.holds("refused"))
    }

    /// Checkpoints: a source finished earlier is not read again and its settled documents are counted; one with
    /// a cursor resumes there; a changed one starts over with a warning.
    /// Broken to see it fail: `cursor = known` removed from `SourceCheckpoints.open` — the half-read source started
    /// over (`.from(nil)`) while its settled documents were counted as resumed.
    @Test func checkpointsResumeWhereTheLedgerSays() throws {
        let ledger = InMemoryLedger()
        let fingerprint = SourceFingerprint(size: 10, modified: 1, headSHA256: "head")
        let adapter = StageTestAdapter()
        try ledger.saveSource(
            SourceRecord(path: "done.txt", adapter: "test", fingerprint: fingerprint, cursor: nil, state: .done),
            runID: 1)
        try ledger.saveSource(
            SourceRecord(
                path: "half.txt", adapter: "test", fingerprint: fingerprint, cursor: SourceCursor(recordIndex: 4),
                state: .reading), runID: 1)
        let doc = Self.document("d1", file: "done.txt")
        let batch = try ledger.beginBatch(
            [LedgerDocument(documentID: "d1", provenance: doc.provenance, documentType: "document")], bytes: 1,
            runID: 1)
        try ledger.finishBatch(batch, outcomes: [LedgerOutcome(documentID: "d1", state: .accepted)])
        let tally = RunTally(report: RunReport(command: "import"), signal: StopSignal())
        let checkpoints = SourceCheckpoints(
            ledger: ledger, runID: 2, tally: tally, watermark: Watermark(), resendRejected: false)

        guard case .finishedEarlier = try checkpoints.open(path: "done.txt", adapter: adapter, fingerprint: fingerprint)
        else { Issue.record("a finished source was read again"); return }
        guard
            case .from(let cursor) = try checkpoints.open(path: "half.txt", adapter: adapter, fingerprint: fingerprint)
        else { Issue.record("a half-read source was skipped"); return }
        #expect(cursor == SourceCursor(recordIndex: 4))
        let changed = SourceFingerprint(size: 11, modified: 2, headSHA256: "other")
        guard case .from(nil) = try checkpoints.open(path: "half.txt", adapter: adapter, fingerprint: changed)
        else { Issue.record("a changed source did not start over"); return }
        let report = tally.finish(started: .now)
        #expect(report.sources.finishedEarlier == 1)
        #expect(report.sources.resumed == 1)
        #expect(report.sources.changed == 1)
        #expect(report.documents.alreadyIngested == 1)
        #expect(report.warnings.map(\.code) == ["source_changed"])
    }

    /// A cursor is saved only once every batch it depends on has finished cleanly (the watermark).
    /// Broken to see it fail: `checkpoint.seq <= watermark` made `true || …` in `SourceCheckpoints.save` — the
    /// cursor was saved while batch 1 was still out: the first two expectations failed.
    @Test func cursorWaitsForTheWatermark() throws {
        let ledger = InMemoryLedger()
        let fingerprint = SourceFingerprint(size: 1, modified: 1, headSHA256: "h")
        let tally = RunTally(report: RunReport(command: "import"), signal: StopSignal())
        let watermark = Watermark()
        let checkpoints = SourceCheckpoints(
            ledger: ledger, runID: 1, tally: tally, watermark: watermark, resendRejected: false)
        checkpoints.dependencySeq = { 1 }
        _ = try checkpoints.open(path: "in.txt", adapter: StageTestAdapter(), fingerprint: fingerprint)
        checkpoints.note("in.txt", SourceCursor(recordIndex: 7))
        try checkpoints.save()
        #expect(ledger.sources["in.txt"]?.cursor == nil)
        watermark.finished(seq: 2, clean: true)
        try checkpoints.save()
        #expect(ledger.sources["in.txt"]?.cursor == nil)
        watermark.finished(seq: 1, clean: true)
        try checkpoints.save()
        #expect(ledger.sources["in.txt"]?.cursor == SourceCursor(recordIndex: 7))
        #expect(watermark.value == 2)
    }

    /// Record: a batch's outcomes land in the store, in the report's figures (once) and, for refused documents, in
    /// the dead-letter file; three batches in a row failing stop the run.
    /// Broken to see it fail: the `writeDeadLetter` call removed from `OutcomeRecorder.record` — no dead-letter
    /// file was written and reading it threw.
    @Test func outcomesAreRecordedOnceAndFailuresStop() throws {
        let ledger = InMemoryLedger()
        let deadLetterPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("stage-dead-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: deadLetterPath) }
        let tally = RunTally(report: RunReport(command: "import"), signal: StopSignal())
        let recorder = OutcomeRecorder(
            ledger: ledger, deadLetter: DeadLetter(path: deadLetterPath), tally: tally, watermark: Watermark(),
            failFast: false, maxAttempts: 3)
        let docs = ["ok", "dup", "bad"].map { Self.document($0) }
        let batch = try Self.batch(docs, seq: 1, ledger: ledger)
        try recorder.record(
            batch,
            outcomes: [
                "ok": .accepted(ingestionID: "t-ok"), "dup": .duplicate(message: "had it"),
                "bad": .rejected(code: "too_odd", message: "odd"),
            ])
        #expect(ledger.documents["ok"]?.state == .accepted)
        #expect(ledger.documents["ok"]?.ingestionID == "t-ok")
        #expect(ledger.documents["dup"]?.state == .duplicate)
        #expect(ledger.documents["bad"]?.state == .rejected)
        #expect(ledger.openBatches == 0)
        let lines = try String(contentsOfFile: deadLetterPath, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        #expect(lines.first?.contains("\"too_odd\"") == true)

        let failure = UploadError(kind: .retryable, code: "server_error", message: "503")
        for seq in 2...4 {
            #expect(!tally.sendingStopped)
            try recorder.recordFailure(
                try Self.batch([Self.document("f\(seq)")], seq: seq, ledger: ledger), error: failure)
        }
        #expect(tally.sendingStopped)
        let report = tally.finish(started: .now)
        #expect(report.documents.accepted == 1)
        #expect(report.documents.duplicate == 1)
        #expect(report.documents.rejected == 1)
        #expect(report.documents.failed == 3)
        #expect(report.documents.sent == 6)
        #expect(report.requests.batches == 4)
        #expect(report.stopped?.reason == .targetUnavailable)
        #expect(report.exitCode == ExitStatus.stoppedByTarget.rawValue)
        #expect(ledger.documents["f2"]?.state == .failed)
    }

    /// The whole wiring into the in-memory store: a second run of the same job sends nothing (exactly once), and
    /// the source is `done`.
    /// Broken to see it fail: `SourceCheckpoints.sourceRead` made a no-op — the source stayed `reading` and the
    /// second run did not count it as finished earlier (`finishedEarlier` 0).
    @Test func importTwiceSendsOnce() async throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("stage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let input = folder.appendingPathComponent("five.stage")
        try Data("five records\n".utf8).write(to: input)
        let ledger = InMemoryLedger()
        let target = StageTestTarget()
        func run() async throws -> RunReport {
            var configuration = PipelineConfiguration(inputs: [input.path], profile: .synap())
            configuration.maxBatchDocuments = 2
            configuration.progress = nil
            let pipeline = ImportPipeline(
                configuration: configuration, registry: AdapterRegistry([StageTestAdapter()]), ledger: ledger,
                target: target, report: RunReport(command: "import"), logger: Logger(label: "stage-test"))
            return try await pipeline.run()
        }
        let first = try await run()
        #expect(first.documents.accepted == 5)
        #expect(first.documents.sent == 5)
        #expect(first.requests.batches == 3)
        #expect(first.exitCode == 0)
        #expect(ledger.sources[input.path]?.state == .done)
        let second = try await run()
        #expect(second.documents.sent == 0)
        #expect(second.sources.finishedEarlier == 1)
        #expect(second.documents.accepted == 5)
        #expect(target.sent == 5)
    }
}

/// Five documents from any `.stage` file, with record indexes and cursors.
struct StageTestAdapter: SourceAdapter {
    var descriptor: AdapterDescriptor {
        AdapterDescriptor(
            name: "stage-test", family: "test", fileExtensions: ["stage"], summary: "test", supportsCursor: true)
    }

    func sniff(_ probe: SourceProbe) -> SniffConfidence {
        probe.fileName.hasSuffix(".stage") ? .certain : .no
    }

    func read(_ input: SourceInput, context: AdapterContext, resumeFrom cursor: SourceCursor?) -> AdapterOutputs {
        let start = (cursor?.recordIndex ?? -1) + 1
        return .just(
            (max(0, start)..<5).map { index in
                var document = PipelineStageTests.document("stage-\(index)", text: "record \(index)", index: index)
                document.provenance.file = input.displayPath
                document.request.mode = .fast
                document.request.userID = "u"
                return .document(document)
            })
    }
}

/// Accepts everything; counts what it was sent.
final class StageTestTarget: UploadTarget {
    private let count = Mutex(0)
    var sent: Int { count.withLock { $0 } }
    var name: String { "stage-test" }
    var endpointDescription: String { "memory" }
    var maxBatchDocuments: Int { 100 }

    func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        count.withLock { $0 += batch.count }
        return SendResult(
            outcomes: Dictionary(uniqueKeysWithValues: batch.map { ($0.documentID, .accepted(ingestionID: "t")) }))
    }

    func shutdown() async throws {}
}
