import AsyncAlgorithms
import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Logging

/// Settings of one run of the flow (docs/DESIGN.md §1).
public struct PipelineConfiguration: Sendable {
    public var inputs: [String]
    public var profile: ValidationProfile
    public var adapterContext: AdapterContext
    /// Filled into requests that lack them.
    public var userID: String?
    public var customerID: String?
    public var mode: Mode?
    /// Documents per batch (the target's own limit still applies).
    public var maxBatchDocuments = 100
    /// Largest request body, in bytes.
    public var maxBatchBytes = 8 * 1024 * 1024
    public var failFast = false
    public var retry = RetryPolicy()
    public var rate = RateLimitConfiguration()
    /// Batches in flight at once (1 with fail-fast, so nothing after the failing batch is sent).
    public var concurrency = 4
    /// Send again documents the target rejected in an earlier run (`backfill retry --rejected`).
    public var resendRejected = false
    /// Where rejected documents are written, with their request and reason.
    public var deadLetterPath: String?
    /// Progress lines on stderr: nil = none.
    public var progress: ProgressStyle?
    /// What archives may unpack (part of the adapters' ``InputBudgets``).
    public var containerLimits: ContainerLimits {
        get { adapterContext.budgets.containers }
        set { adapterContext.budgets.containers = newValue }
    }
    /// What one input may cost; see ``InputBudgets``.
    public var budgets: InputBudgets {
        get { adapterContext.budgets }
        set { adapterContext.budgets = newValue }
    }

    public init(inputs: [String], profile: ValidationProfile, adapterContext: AdapterContext = AdapterContext()) {
        self.inputs = inputs
        self.profile = profile
        self.adapterContext = adapterContext
    }
}

/// Discovery → adapter → normalise → validate → dedup → batch → send → ledger → report.
///
/// The reading side (this class, one task) validates, deduplicates and fills batches; each full batch is written
/// to the ledger as `sending` and handed over a back-pressured channel to `concurrency` workers, which pace,
/// send, retry and write the outcomes. A slow target therefore slows the reading; memory stays at a few batches.
/// Without a target (plan), everything but sending runs, and the ledger — when one exists — is only read.
public final class ImportPipeline {
    private let configuration: PipelineConfiguration
    private let registry: AdapterRegistry
    private let ledger: Ledger?
    private let target: (any UploadTarget)?
    private let logger: Logger
    private let stopSignal: StopSignal
    private var report: RunReport
    private var runID: Int64 = 0
    private let encoder: JSONEncoder
    private let deadLetter: DeadLetter?

    // Dedup: ids waiting in `candidates` or in the open batch. Ids handed to workers are in the ledger with this
    // run's id, so memory stays flat however large the input.
    private var candidates: [(MemoryDocument, EncodedDocument)] = []
    private var pendingIDs: Set<String> = []
    private var batch: [BatchItem] = []
    private var batchBytes = 0
    private var rejectedBuffer: [(LedgerDocument, Rejection)] = []
    /// Plan without a ledger: ids seen so far.
    private var planSeen: Set<String> = []
    private var localStop: RunReport.Stop?
    private var documentsRead = 0

    // Resume checkpoints: batches are numbered; a source's cursor is saved once every batch up to the one holding
    // its last processed record has finished cleanly (the collector's watermark).
    private var nextSeq = 1
    private var channel: AsyncChannel<PreparedBatch>?
    private var collector = SendCollector()
    private var checkpoints: [(seq: Int, path: String, cursor: SourceCursor)] = []
    private var finishedSources: [(seq: Int, record: Ledger.SourceRecord)] = []
    private var savedCursor: [String: SourceCursor] = [:]

    public init(
        configuration: PipelineConfiguration, registry: AdapterRegistry, ledger: Ledger?, target: (any UploadTarget)?,
        report: RunReport, stopSignal: StopSignal = StopSignal(), logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.ledger = ledger
        self.target = target
        self.report = report
        self.logger = logger
        self.stopSignal = stopSignal
        self.encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        self.deadLetter = target == nil ? nil : configuration.deadLetterPath.map(DeadLetter.init(path:))
    }

    private var isPlan: Bool { target == nil }

    /// Runs the flow to the end (or to a stop) and returns the report.
    public func run() async throws -> RunReport {
        let started = ContinuousClock.now
        if let ledger, let target {
            runID = try ledger.beginRun(command: report.command, target: target.name)
            do {
                try await reconcile(target: target, ledger: ledger)
            } catch let error as UploadError where error.kind == .stop {
                report.stopped = .init(code: error.code, message: error.message)
                report.wallSeconds = (ContinuousClock.now - started).seconds
                report.exitCode = exitCode()
                try ledger.finishRun(runID, exitCode: report.exitCode, reportJSON: report.json())
                return report
            }
            let workers = configuration.failFast ? 1 : max(1, configuration.concurrency)
            let sender = BatchSender(
                target: target, ledger: ledger, limiter: RateLimiter(configuration.rate), retry: configuration.retry,
                failFast: configuration.failFast, deadLetter: deadLetter, logger: logger)
            let channel = AsyncChannel<PreparedBatch>()
            self.channel = channel
            let collector = self.collector
            let progress = configuration.progress
            try await withThrowingTaskGroup(of: Void.self) { outer in
                if let progress {
                    outer.addTask {
                        try await ProgressPrinter(style: progress, collector: collector, started: started).run()
                    }
                }
                try await withThrowingTaskGroup(of: Void.self) { workersGroup in
                    for _ in 0..<workers {
                        workersGroup.addTask {
                            // A worker never dies while the reader may still hand it batches: an error stops the
                            // run, and the remaining batches are drained (left `pending` in the ledger).
                            for await batch in channel {
                                do {
                                    try await sender.process(batch, collector: collector)
                                } catch {
                                    await collector.requestStop(
                                        .init(code: "internal_error", message: "sending a batch failed: \(error)"))
                                }
                            }
                        }
                    }
                    do {
                        try await produceUntilStopped()
                    } catch {
                        channel.finish()
                        throw error
                    }
                    channel.finish()
                    try await workersGroup.waitForAll()
                }
                outer.cancelAll()
            }
            try await saveCheckpoints(final: true)
            await collector.merge(into: &report)
            if report.stopped == nil { report.stopped = localStop }
        } else {
            try await produceUntilStopped()
            report.stopped = localStop
        }
        if report.stopped == nil && stopSignal.isTriggered {
            report.stopped = .init(
                code: "interrupted",
                message:
                    "stopped by a signal after the in-flight batches finished; run the same command again to resume")
        }
        report.wallSeconds = (ContinuousClock.now - started).seconds
        report.exitCode = exitCode()
        if let ledger, !isPlan {
            try ledger.finishRun(runID, exitCode: report.exitCode, reportJSON: report.json())
        }
        return report
    }

    /// Documents a crashed run left `sending`: targets that cannot dedup (Mielto) look them up before anything
    /// is sent again, and what they already hold is settled.
    private func reconcile(target: any UploadTarget, ledger: Ledger) async throws {
        var after = ""
        while true {
            let page = try ledger.knownDocuments(in: [.sending], afterID: after, limit: 500)
            guard let last = page.last else { return }
            after = last.documentID
            let known = page.map { KnownDocument(documentID: $0.documentID, targetID: $0.targetID, userID: $0.userID) }
            let found = try await askTarget(target, known)
            let settled = found.compactMap { id, outcome -> LedgerOutcome? in
                if case .accepted(let targetID) = outcome {
                    return LedgerOutcome(documentID: id, state: .accepted, ingestionID: targetID)
                }
                return nil
            }
            try ledger.settle(settled)
            if !settled.isEmpty {
                report.note(
                    \.warnings, code: "reconciled_after_crash",
                    example: .init(
                        documentID: settled.first?.documentID, location: ledger.path,
                        message:
                            "\(settled.count) documents left `sending` by an interrupted run were found on the target and not sent again"
                    ))
            }
        }
    }

    /// `target.reconcile`, asked again with backoff while the target cannot answer; after the last attempt the
    /// run stops before sending anything (documents with an unknown outcome are never sent blind).
    private func askTarget(_ target: any UploadTarget, _ known: [KnownDocument]) async throws -> [String: ItemOutcome] {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await target.reconcile(known)
            } catch let error as UploadError where error.isRetryable {
                guard attempt < configuration.retry.maxAttempts, !stopSignal.isTriggered else {
                    throw UploadError(
                        kind: .stop, code: "target_unavailable",
                        message:
                            "documents an earlier run left with an unknown outcome cannot be looked up (\(error.message)); nothing was sent — run the same command again when the target answers"
                    )
                }
                try await Task.sleep(
                    for: configuration.retry.delay(
                        afterAttempt: attempt, retryAfter: error.retryAfter, random: Double.random(in: 0..<1)))
            }
        }
    }

    private func exitCode() -> Int32 {
        if let stop = report.stopped {
            switch stop.code {
            case "fail_fast": return 3
            case "interrupted": return 130
            case "internal_error": return 70
            default: return 4
            }
        }
        return report.documents.rejected + report.documents.failed > 0 ? 1 : 0
    }

    private var shouldStop: Bool {
        localStop != nil || stopSignal.isTriggered
    }

    // MARK: Reading

    /// Reads with the stop signal bound for the byte readers: a signal ends even a busy adapter (a long
    /// decompression, a huge file's framing) at its next chunk; what was read is kept, in-flight batches finish.
    private func produceUntilStopped() async throws {
        let stopSignal = self.stopSignal
        do {
            try await StopCheck.$requested.withValue({ stopSignal.isTriggered }) { try await produce() }
        } catch is CancellationError where stopSignal.isTriggered {
            try flushRejected()
        }
    }

    private func produce() async throws {
        let registry = self.registry
        let discovery = Discovery(bundleClaim: { children in registry.bundleAdapter(for: children)?.name })
        let discovered = discovery.discover(configuration.inputs)
        report.sources.ignored = discovered.ignored.count
        for missing in discovered.missing {
            report.sources.unreadable += 1
            report.documents.skipped += 1
            report.note(
                \.skips, code: "unreadable_input",
                example: .init(documentID: nil, location: missing.path, message: missing.reason))
        }
        for item in discovered.items {
            if shouldStop { break }
            if await collector.isStopped { break }
            switch item {
            case .file(let input):
                try await read(input, depth: 0)
            case .bundle(let bundle, let adapterName):
                if let adapter = registry.adapter(named: adapterName) {
                    try await read(bundle: bundle, adapter: adapter)
                }
            }
        }
        if !shouldStop {
            try await processCandidates()
            if !shouldStop { try await flushBatch() }
        }
        try flushRejected()
    }

    /// Sniffs one file (or archive member) and hands it to its adapter, or walks it when it is a container.
    private func read(_ input: SourceInput, depth: Int) async throws {
        let probe: SourceProbe
        do {
            probe = try await StopCheck.withDeadline(configuration.budgets, file: input.displayPath) {
                try AdapterRegistry.probe(input)
            }
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as AdapterError where error.code == InputBudgets.Budget.readSeconds.code {
            let record = SkippedRecord(
                adapter: "-", file: input.displayPath, position: .wholeFile, code: error.code, message: error.message)
            skip(record)
            return
        } catch {
            report.sources.unreadable += 1
            skip(
                SkippedRecord(
                    adapter: "-", file: input.displayPath, position: .wholeFile, code: "unreadable_file",
                    message: "\(error)"))
            return
        }
        let best = registry.bestAdapter(for: probe)
        if let container = registry.bestContainer(for: probe), container.confidence > (best?.confidence ?? .no) {
            try await read(container: container.container, input: input, depth: depth + 1)
            return
        }
        guard let adapter = best?.adapter else {
            report.sources.unrecognised += 1
            skip(
                SkippedRecord(
                    adapter: "-", file: input.displayPath, position: .wholeFile, code: "no_adapter",
                    message: "no adapter recognises this file; `backfill adapters` lists the formats read"))
            return
        }
        let fingerprint = SourceFingerprint(
            size: input.size, modified: input.modificationDate?.timeIntervalSince1970,
            headSHA256: ContentHash.sha256Hex(probe.head))
        try await consume(
            path: input.displayPath, adapter: adapter, fingerprint: fingerprint,
            outputs: { cursor in adapter.read(input, context: self.configuration.adapterContext, resumeFrom: cursor) })
    }

    /// Walks an archive's entries in order, each read like a file; a recognised export layout inside it is
    /// spilled to a temporary folder (within a size cap) and read whole.
    private func read(container: any ContainerAdapter, input: SourceInput, depth: Int) async throws {
        let limits = configuration.containerLimits
        report.byAdapter[container.name, default: .init()].files += 1
        let budgets = configuration.budgets
        guard depth <= limits.maxDepth else {
            let what = "an archive nested deeper than \(limits.maxDepth) levels (unpack it and import the inner files)"
            let error = budgets.exceeded(.archiveDepth, what, file: input.displayPath)
            let record = SkippedRecord(
                adapter: container.name, file: input.displayPath, position: .wholeFile, code: error.code,
                message: error.message)
            skip(record)
            return
        }
        do {
            // Each pull of the archive (a header walk, the next entry) has its own deadline; the entries' reading has
            // theirs.
            let file = input.displayPath
            let paths =
                registry.hasBundleAdapters
                ? try await StopCheck.withDeadline(budgets, file: file) {
                    try await container.memberPaths(of: input, limits: limits)
                } : nil
            if let paths, let adapter = registry.bundleAdapter(for: paths) {
                let folder = FileManager.default.temporaryDirectory
                    .appendingPathComponent("backfill-spill-\(UUID().uuidString)")
                defer { try? FileManager.default.removeItem(at: folder) }
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
                let bundle = try await StopCheck.withDeadline(budgets, file: file) {
                    try await container.spill(input, to: folder, limits: limits)
                }
                if let bundle {
                    try await read(bundle: bundle, adapter: adapter)
                    return
                }
            }
            var entries = container.entries(of: input, context: configuration.adapterContext, limits: limits)
                .makeAsyncIterator()
            while let entry = try await StopCheck.withDeadline(budgets, file: file, { try await entries.next() }) {
                switch entry {
                case .file(let member):
                    try await read(member, depth: depth)
                case .skipped(let record):
                    report.byAdapter[container.name, default: .init()].skipped += 1
                    skip(record)
                }
                if shouldStop { return }
            }
        } catch let error as AdapterError {
            skip(
                SkippedRecord(
                    adapter: container.name, file: error.file, position: error.position, code: error.code,
                    message: error.message + " (entries after this point were not read)"))
        } catch let error as LedgerError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            skip(
                SkippedRecord(
                    adapter: container.name, file: input.displayPath, position: .wholeFile, code: "archive_error",
                    message: "\(error) (entries after this point were not read)"))
        }
    }

    /// A folder or spilled archive read whole by one adapter (an export layout).
    private func read(bundle: SourceBundle, adapter: any SourceAdapter) async throws {
        let names = bundle.members.keys.sorted()
        let size = bundle.members.values.reduce(Int64(0)) { $0 + ($1.size ?? 0) }
        let modified = bundle.members.values.compactMap { $0.modificationDate?.timeIntervalSince1970 }.max()
        let sizes = names.map { "\($0) \(bundle.members[$0]?.size ?? 0)" }.joined(separator: "\n")
        let fingerprint = SourceFingerprint(size: size, modified: modified, headSHA256: ContentHash.sha256Hex(sizes))
        let context = configuration.adapterContext
        try await consume(
            path: bundle.displayPath, adapter: adapter, fingerprint: fingerprint,
            outputs: { _ in adapter.read(bundle: bundle, context: context) })
    }

    /// Reads one source's outputs through validation, dedup and batching, resuming from its checkpoint.
    private func consume(
        path: String, adapter: any SourceAdapter, fingerprint: SourceFingerprint,
        outputs: (SourceCursor?) -> AdapterOutputs
    ) async throws {
        report.sources.files += 1
        report.byAdapter[adapter.name, default: .init()].files += 1

        // Resume: skip a source finished earlier, or seek to its cursor, when it has not changed.
        var cursor: SourceCursor?
        if let ledger, !isPlan, let known = try ledger.source(path) {
            if known.fingerprint != fingerprint {
                report.sources.changed += 1
                report.note(
                    \.warnings, code: "source_changed",
                    example: .init(
                        documentID: nil, location: path,
                        message:
                            "changed since an earlier run (size, modification time or first bytes); read again from the start — documents already ingested keep their ids and are not sent twice"
                    ))
            } else if !configuration.resendRejected {
                if known.state == "done" {
                    report.sources.finishedEarlier += 1
                    try countSettled(path, throughRecordIndex: nil)
                    return
                }
                if let known = known.cursor, adapter.descriptor.supportsCursor {
                    cursor = known
                    report.sources.resumed += 1
                    try countSettled(path, throughRecordIndex: known.recordIndex ?? 0)
                }
            }
        }
        if let ledger, !isPlan {
            try ledger.saveSource(
                .init(path: path, adapter: adapter.name, fingerprint: fingerprint, cursor: cursor, state: "reading"),
                runID: runID)
            savedCursor[path] = cursor
        }

        var lastCursor = cursor
        let budgets = configuration.budgets
        do {
            // Each record pulled has its own deadline (`--max-read-seconds`); time spent sending is not counted.
            var iterator = outputs(cursor).makeAsyncIterator()
            while let output = try await StopCheck.withDeadline(budgets, file: path, { try await iterator.next() }) {
                switch output {
                case .skipped(let record):
                    report.byAdapter[adapter.name, default: .init()].skipped += 1
                    skip(record)
                case .document(let document):
                    report.byAdapter[adapter.name, default: .init()].documents += 1
                    report.bySource[document.provenance.file, default: .init()].documents += 1
                    if let charset = document.charset {
                        report.noteCharset(charset, file: document.provenance.file, documentID: document.id)
                    }
                    documentsRead += 1
                    if let after = document.cursorAfter { lastCursor = after }
                    try await accept(document)
                }
                if shouldStop { return }
            }
        } catch let error as AdapterError {
            skip(
                SkippedRecord(
                    adapter: adapter.name, file: error.file, position: error.position, code: error.code,
                    message: error.message + " (the rest of this file was not read)"))
        } catch let error as LedgerError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            skip(
                SkippedRecord(
                    adapter: adapter.name, file: path, position: .wholeFile, code: "read_error",
                    message: "\(error) (the rest of this file was not read)"))
        }
        if !isPlan && !shouldStop {
            // Done once every batch holding its documents has finished cleanly.
            try await processCandidates()
            finishedSources.append(
                (
                    currentDependencySeq,
                    .init(
                        path: path, adapter: adapter.name, fingerprint: fingerprint, cursor: lastCursor, state: "done")
                ))
        }
    }

    /// Counts the documents of a source that this run does not read again (settled before its checkpoint).
    private func countSettled(_ path: String, throughRecordIndex: Int?) throws {
        guard let ledger else { return }
        let counts = try ledger.sourceCounts(path, throughRecordIndex: throughRecordIndex)
        let accepted = counts[.accepted] ?? 0
        let duplicate = counts[.duplicate] ?? 0
        let rejected = counts[.rejected] ?? 0
        report.documents.accepted? += accepted
        report.documents.duplicate? += duplicate
        report.documents.alreadyIngested += accepted + duplicate
        report.documents.resumedFromCheckpoint += accepted + duplicate + rejected
        if rejected > 0 {
            report.documents.rejected += rejected
            report.note(
                \.rejections, code: "rejected_earlier",
                example: .init(
                    documentID: nil, location: path,
                    message:
                        "\(rejected) documents of this source were rejected in an earlier run; `backfill retry --rejected` sends them again"
                ))
        }
    }

    private func skip(_ record: SkippedRecord) {
        report.documents.skipped += 1
        report.bySource[record.file, default: .init()].skipped += 1
        report.note(
            \.skips, code: record.code,
            example: .init(documentID: nil, location: record.location, message: record.message))
    }

    // MARK: Normalise, validate

    private func accept(_ original: MemoryDocument) async throws {
        var document = original
        if document.request.userID == nil { document.request.userID = configuration.userID }
        if document.request.customerID == nil { document.request.customerID = configuration.customerID }
        fillMode(&document.request)

        switch configuration.profile.validate(&document) {
        case .rejected(let rejection):
            try reject(document, rejection)
            return
        case .valid(let mappedFrom):
            if let mappedFrom {
                report.typeMappings["\(mappedFrom)→\(document.request.documentType)", default: 0] += 1
            }
        }
        if let created = document.request.documentCreatedAt, !Timestamp.hasZone(created) {
            report.note(
                \.warnings, code: "created_at_without_zone",
                example: .init(
                    documentID: document.id, location: document.provenance.location,
                    message:
                        "document_created_at '\(created)' has no zone offset; sent as written, the target reads it in its own zone"
                ))
        }
        if let limit = configuration.profile.maxMetadataProperties,
            (document.request.metadata?.objectValue?.count ?? 0) > limit
        {
            report.adjustments[
                "metadata over \(limit) properties folded into one metadata_json property", default: 0] += 1
        }
        let json: [UInt8]
        do {
            json = Array(try encoder.encode(document.request))
        } catch {
            try reject(
                document, Rejection(code: "unencodable", message: "the request cannot be encoded as JSON: \(error)"))
            return
        }
        if json.count + 64 > configuration.maxBatchBytes {
            try reject(
                document,
                Rejection(
                    code: "document_too_large",
                    message:
                        "the encoded request is \(json.count) bytes, over --max-batch-bytes \(configuration.maxBatchBytes)"
                ))
            return
        }
        document.provenance.contentSHA256 = ContentHash.sha256Hex(json)
        candidates.append((document, EncodedDocument(documentID: document.id, json: json, request: document.request)))
        if candidates.count >= 256 { try await processCandidates() }
    }

    /// `mode`: `--mode`, else the source's own, else the target's default (Synap requires one; its SDK sends
    /// `long-range`). Every value Backfill chose rather than the source is counted in the report.
    private func fillMode(_ request: inout CreateMemoryRequest) {
        if let mode = configuration.mode {
            if request.mode != mode {
                report.noteDefault(field: "mode", value: mode.rawValue, origin: .flag)
                request.mode = mode
            }
        } else if request.mode == nil, let mode = configuration.profile.defaultMode {
            report.noteDefault(field: "mode", value: mode.rawValue, origin: .targetDefault)
            request.mode = mode
        }
    }

    private func reject(_ document: MemoryDocument, _ rejection: Rejection) throws {
        report.documents.rejected += 1
        report.bySource[document.provenance.file, default: .init()].rejected += 1
        report.note(
            \.rejections, code: rejection.code,
            example: .init(
                documentID: document.id.isEmpty ? nil : document.id, location: document.provenance.location,
                message: rejection.message))
        if !isPlan {
            let json = try? encoder.encode(document.request)
            deadLetter?.write(
                documentID: document.id, code: rejection.code, message: rejection.message,
                provenance: document.provenance,
                requestJSON: json.map(Array.init))
            if !document.id.isEmpty {
                rejectedBuffer.append(
                    (
                        LedgerDocument(
                            documentID: document.id, provenance: document.provenance,
                            documentType: document.request.documentType.rawValue), rejection
                    ))
                if rejectedBuffer.count >= 500 { try flushRejected() }
            }
        }
        if let cursor = document.cursorAfter { noteCheckpoint(document.provenance.file, cursor) }
        if configuration.failFast && localStop == nil {
            localStop = .init(
                code: "fail_fast", message: "invalid document (\(rejection.code)): \(rejection.message)",
                documentID: document.id.isEmpty ? nil : document.id, location: document.provenance.location)
        }
    }

    private func flushRejected() throws {
        guard let ledger, !isPlan, !rejectedBuffer.isEmpty else { return }
        try ledger.recordRejected(rejectedBuffer, runID: runID)
        rejectedBuffer.removeAll(keepingCapacity: true)
    }

    // MARK: Dedup

    private func processCandidates() async throws {
        guard !candidates.isEmpty else { return }
        let current = candidates
        candidates.removeAll(keepingCapacity: true)
        let known = try ledger?.entries(for: current.map(\.1.documentID)) ?? [:]
        for (document, encoded) in current {
            if shouldStop { return }
            defer { if let cursor = document.cursorAfter { noteCheckpoint(document.provenance.file, cursor) } }
            let id = encoded.documentID
            if pendingIDs.contains(id) || planSeen.contains(id) {
                report.documents.duplicateInInput += 1
                continue
            }
            if let entry = known[id], entry.runID == runID, !isPlan {
                // Handed to a worker by this run already: the same id twice in the inputs.
                report.documents.duplicateInInput += 1
                continue
            }
            countTimestamp(document)
            report.byType[document.request.documentType.rawValue, default: 0] += 1
            if let entry = known[id] {
                if entry.state == .rejected && !configuration.resendRejected
                    && entry.contentSHA256 == document.provenance.contentSHA256 && !isPlan
                {
                    // The target refused this very content in an earlier run: sending it again will not help.
                    report.documents.rejected += 1
                    report.note(
                        \.rejections, code: "rejected_earlier",
                        example: .init(
                            documentID: id, location: document.provenance.location,
                            message:
                                "the target rejected this document in an earlier run; fix it, or send it again with `backfill retry --rejected`"
                        ))
                    continue
                }
                if entry.state.isSettled {
                    report.documents.alreadyIngested += 1
                    if entry.contentSHA256 != document.provenance.contentSHA256 {
                        report.documents.changedSinceIngest += 1
                    }
                    switch entry.state {
                    case .accepted: report.documents.accepted? += 1
                    case .duplicate: report.documents.duplicate? += 1
                    default: break
                    }
                    continue
                }
            }
            if isPlan {
                planSeen.insert(id)
                report.documents.valid? += 1
                addToPlannedBatch(encoded)
            } else {
                pendingIDs.insert(id)
                try await addToBatch(
                    BatchItem(
                        encoded: encoded, provenance: document.provenance,
                        documentType: document.request.documentType.rawValue))
            }
        }
    }

    private func countTimestamp(_ document: MemoryDocument) {
        switch document.createdAtOrigin {
        case .source: report.timestamps.fromSource += 1
        case .fallback: report.timestamps.fallback += 1
        case .missing: report.timestamps.missing += 1
        }
    }

    // MARK: Batching

    private var plannedBatchCount = 0
    private var plannedBatchBytes = 0

    private var batchLimit: Int {
        max(1, min(configuration.maxBatchDocuments, target?.maxBatchDocuments ?? 100))
    }

    private func addToPlannedBatch(_ encoded: EncodedDocument) {
        if plannedBatchCount == 0 || plannedBatchCount >= batchLimit
            || plannedBatchBytes + encoded.json.count + 1 > configuration.maxBatchBytes
        {
            report.requests.batches += 1
            report.requests.requests += 1
            plannedBatchCount = 0
            plannedBatchBytes = 64
        }
        plannedBatchCount += 1
        plannedBatchBytes += encoded.json.count + 1
        report.requests.bytesSent += encoded.json.count + 1
    }

    private func addToBatch(_ item: BatchItem) async throws {
        if !batch.isEmpty
            && (batch.count >= batchLimit
                || batchBytes + item.encoded.json.count + 1 > configuration.maxBatchBytes - 64)
        {
            try await flushBatch()
        }
        // Even when stopping, the item joins the open batch: that batch is never sent, so the resume checkpoint
        // can never pass this record (returning here instead would lose it from the cursor's view).
        batch.append(item)
        batchBytes += item.encoded.json.count + 1
    }

    /// The batch a just-processed record depends on: the open batch if it holds anything, else the last one sent.
    private var currentDependencySeq: Int { batch.isEmpty ? nextSeq - 1 : nextSeq }

    private func noteCheckpoint(_ path: String, _ cursor: SourceCursor) {
        guard !isPlan else { return }
        let seq = currentDependencySeq
        if let last = checkpoints.last, last.seq == seq, last.path == path {
            checkpoints[checkpoints.count - 1].cursor = cursor
        } else {
            checkpoints.append((seq, path, cursor))
        }
    }

    private func flushBatch() async throws {
        guard let ledger, let channel, !batch.isEmpty else { return }
        if await collector.isStopped { return }
        let items = batch
        batch.removeAll(keepingCapacity: true)
        let bytes = batchBytes
        batchBytes = 0
        for item in items { pendingIDs.remove(item.encoded.documentID) }
        let ledgerID = try ledger.beginBatch(
            items.map {
                LedgerDocument(
                    documentID: $0.encoded.documentID, provenance: $0.provenance, documentType: $0.documentType,
                    userID: $0.encoded.request.userID)
            },
            bytes: bytes, runID: runID)
        let seq = nextSeq
        nextSeq += 1
        await collector.noteRead(documentsRead)
        await channel.send(PreparedBatch(seq: seq, ledgerID: ledgerID, items: items, bytes: bytes))
        try await saveCheckpoints(final: false)
    }

    /// Writes the cursors (and `done` states) the watermark now covers.
    private func saveCheckpoints(final: Bool) async throws {
        guard let ledger, !isPlan else { return }
        let watermark = await collector.watermark
        var latest: [String: SourceCursor] = [:]
        var keep: [(seq: Int, path: String, cursor: SourceCursor)] = []
        for checkpoint in checkpoints {
            if checkpoint.seq <= watermark {
                latest[checkpoint.path] = checkpoint.cursor
            } else {
                keep.append(checkpoint)
            }
        }
        checkpoints = keep
        var done: [(seq: Int, record: Ledger.SourceRecord)] = []
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

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
