import BackfillCore
import BackfillLedger
import Foundation

/// Stage 1, read: discovery, then each input sniffed and handed to its adapter (archives walked, export layouts
/// read whole), every record pulled under its deadline and passed on to ``NormaliseStage``. Where a source starts
/// (its resume cursor) and when it is done come from the record stage's ``SourceCheckpoints`` when the run has
/// one (an import); a plan reads every source from its start.
final class ReadStage {
    private let configuration: PipelineConfiguration
    private let registry: AdapterRegistry
    private let tally: RunTally
    private let next: NormaliseStage
    private let checkpoints: SourceCheckpoints?
    /// `--redact` (and the `--strip` counts), applied by each source's reading task (``ReadAhead``) as records are
    /// parsed, off the task that runs the stages after reading.
    private let clean: CleanStep?
    private var documentsRead = 0

    init(
        configuration: PipelineConfiguration, registry: AdapterRegistry, tally: RunTally, next: NormaliseStage,
        checkpoints: SourceCheckpoints?
    ) {
        self.configuration = configuration
        self.registry = registry
        self.tally = tally
        self.next = next
        self.checkpoints = checkpoints
        let cleans = configuration.redactor != nil || !configuration.strip.isEmpty
        clean = cleans ? CleanStep(redactor: configuration.redactor, tally: tally) : nil
    }

    /// Reads with the stop signal bound for the byte readers: a signal ends even a busy adapter (a long
    /// decompression, a huge file's framing) at its next chunk; what was read is kept, in-flight batches finish.
    func run() async throws {
        let signal = tally.signal
        let requested = StopCheck.Request { signal.isTriggered }
        do {
            try await StopCheck.$requested.withValue(requested) { try await readAll() }
        } catch is CancellationError where signal.isTriggered {
            try next.flushRejected()
        }
    }

    private func readAll() async throws {
        let registry = self.registry
        let discovery = Discovery(bundleClaim: { children in registry.bundleAdapter(for: children)?.name })
        let discovered = discovery.discover(configuration.inputs)
        tally.update { $0.sources.ignored = discovered.ignored.count }
        for missing in discovered.missing {
            tally.update { report in
                report.sources.unreadable += 1
                report.documents.skipped += 1
                report.note(
                    \.skips, code: SkipCode.unreadableInput.rawValue,
                    example: .init(documentID: nil, location: missing.path, message: missing.reason))
            }
        }
        for item in discovered.items {
            if tally.readingStopped || tally.sendingStopped { break }
            switch item {
            case .file(let input):
                try await read(input, depth: 0)
            case .bundle(let bundle, let adapterName):
                if let adapter = registry.adapter(named: adapterName) {
                    try await read(bundle: bundle, adapter: adapter)
                }
            }
        }
        try await next.endOfInput()
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
        } catch let error as AdapterError where error.has(InputBudgets.Budget.readSeconds.code) {
            let record = SkippedRecord(adapter: "-", error: error, file: input.displayPath, position: .wholeFile)
            skip(record)
            return
        } catch {
            tally.update { $0.sources.unreadable += 1 }
            skip(
                SkippedRecord(
                    adapter: "-", file: input.displayPath, position: .wholeFile, code: .unreadableFile,
                    message: "\(error)"))
            return
        }
        let best = registry.bestAdapter(for: probe)
        if let container = registry.bestContainer(for: probe), container.confidence > (best?.confidence ?? .no) {
            try await read(container: container.container, input: input, depth: depth + 1)
            return
        }
        guard let adapter = best?.adapter else {
            tally.update { $0.sources.unrecognised += 1 }
            skip(
                SkippedRecord(
                    adapter: "-", file: input.displayPath, position: .wholeFile, code: .noAdapter,
                    message: "no adapter recognises this file; `backfill adapters` lists the formats read"))
            return
        }
        let fingerprint = SourceFingerprint(
            size: input.size, modified: input.modificationDate?.timeIntervalSince1970,
            headSHA256: ContentHash.sha256Hex(probe.head))
        let context = configuration.adapterContext
        try await consume(
            path: input.displayPath, adapter: adapter, fingerprint: fingerprint,
            outputs: { cursor in adapter.read(input, context: context, resumeFrom: cursor) })
    }

    /// Walks an archive's entries in order, each read like a file; a recognised export layout inside it is
    /// spilled to a temporary folder (within a size cap) and read whole.
    private func read(container: any ContainerAdapter, input: SourceInput, depth: Int) async throws {
        let limits = configuration.containerLimits
        tally.update { $0.byAdapter[container.name, default: .init()].files += 1 }
        guard depth <= limits.maxDepth else {
            let what = "an archive nested deeper than \(limits.maxDepth) levels (unpack it and import the inner files)"
            let error = configuration.budgets.exceeded(.archiveDepth, what, file: input.displayPath)
            let record = SkippedRecord(
                adapter: container.name, error: error, file: input.displayPath, position: .wholeFile)
            skip(record)
            return
        }
        do {
            if try await readSpilled(container: container, input: input) { return }
            let budgets = configuration.budgets
            var entries = container.entries(of: input, context: configuration.adapterContext, limits: limits)
                .makeAsyncIterator()
            while let entry = try await StopCheck.withDeadline(
                budgets, file: input.displayPath, { try await entries.next() })
            {
                switch entry {
                case .file(let member):
                    try await read(member, depth: depth)
                case .skipped(let record):
                    tally.update { $0.byAdapter[container.name, default: .init()].skipped += 1 }
                    skip(record)
                }
                if tally.readingStopped { return }
            }
        } catch {
            try skip(
                after: error, adapter: container.name, file: input.displayPath, code: .archiveError,
                rest: "entries after this point were not read")
        }
    }

    /// An archive holding an export layout a bundle adapter claims: spilled to a temporary folder and read whole.
    /// Each pull of the archive (a header walk, the spill) has its own deadline. False when it holds none.
    private func readSpilled(container: any ContainerAdapter, input: SourceInput) async throws -> Bool {
        guard registry.hasBundleAdapters else { return false }
        let limits = configuration.containerLimits
        let budgets = configuration.budgets
        let file = input.displayPath
        let paths = try await StopCheck.withDeadline(budgets, file: file) {
            try await container.memberPaths(of: input, limits: limits)
        }
        guard let paths, let adapter = registry.bundleAdapter(for: paths) else { return false }
        let folder = FileManager.default.temporaryDirectory
            .appendingPathComponent("backfill-spill-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let bundle = try await StopCheck.withDeadline(budgets, file: file) {
            try await container.spill(input, to: folder, limits: limits)
        }
        guard let bundle else { return false }
        try await read(bundle: bundle, adapter: adapter)
        return true
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

    /// Reads one source's outputs through the next stages, resuming from its checkpoint.
    private func consume(
        path: String, adapter: any SourceAdapter, fingerprint: SourceFingerprint,
        outputs: (SourceCursor?) -> AdapterOutputs
    ) async throws {
        tally.update { report in
            report.sources.files += 1
            report.byAdapter[adapter.name, default: .init()].files += 1
        }
        var cursor: SourceCursor?
        if let checkpoints {
            switch try checkpoints.open(path: path, adapter: adapter, fingerprint: fingerprint) {
            case .finishedEarlier: return
            case .from(let start): cursor = start
            }
        }
        guard
            let lastCursor = try await readRecords(path: path, adapter: adapter, outputs: outputs(cursor), from: cursor)
        else { return }
        if let checkpoints, !tally.readingStopped {
            // Done once every batch holding its documents has finished cleanly.
            try await next.flushCandidates()
            checkpoints.sourceRead(
                SourceRecord(
                    path: path, adapter: adapter.name, fingerprint: fingerprint, cursor: lastCursor, state: .done))
        }
    }

    /// Pulls every record of a source, each with its own deadline (`--max-read-seconds`; time spent sending is
    /// not counted). Returns the cursor after the last record, or nil when a stop ended the reading (`.some(nil)`
    /// when the source has no cursor).
    private func readRecords(
        path: String, adapter: any SourceAdapter, outputs: AdapterOutputs, from cursor: SourceCursor?
    ) async throws -> SourceCursor?? {
        var lastCursor = cursor
        var iterator = ReadAhead(outputs: outputs, budgets: configuration.budgets, path: path, clean: clean)
            .makeAsyncIterator()
        do {
            while let output = try await iterator.next() {
                switch output {
                case .skipped(let record):
                    tally.update { $0.byAdapter[adapter.name, default: .init()].skipped += 1 }
                    skip(record)
                case .document(let document):
                    countRead(document, adapter: adapter.name)
                    if let after = document.cursorAfter { lastCursor = after }
                    try await next.accept(document)
                }
                if tally.readingStopped {
                    await iterator.stop()
                    return nil
                }
            }
        } catch {
            await iterator.stop()
            try skip(
                after: error, adapter: adapter.name, file: path, code: .readError,
                rest: "the rest of this file was not read")
        }
        return .some(lastCursor)
    }

    private func countRead(_ document: MemoryDocument, adapter: String) {
        documentsRead += 1
        tally.noteRead(documentsRead)
        tally.update { report in
            report.byAdapter[adapter, default: .init()].documents += 1
            report.bySource[document.provenance.file, default: .init()].documents += 1
            if let charset = document.charset {
                report.noteCharset(charset, file: document.provenance.file, documentID: document.id)
            }
        }
    }

    /// What an error that ends the reading of a file or an archive becomes: a skip that names where reading stopped
    /// and what was not read. The ledger's errors and cancellation go up.
    private func skip(after error: any Error, adapter: String, file: String, code: SkipCode, rest: String) throws {
        switch error {
        case let error as AdapterError:
            skip(
                SkippedRecord(adapter: adapter, error: error, message: error.message + " (\(rest))"))
        case is LedgerError, is CancellationError:
            throw error
        default:
            skip(
                SkippedRecord(
                    adapter: adapter, file: file, position: .wholeFile, code: code, message: "\(error) (\(rest))"))
        }
    }

    private func skip(_ record: SkippedRecord) {
        tally.update { report in
            report.documents.skipped += 1
            report.bySource[record.file, default: .init()].skipped += 1
            report.note(
                \.skips, code: record.code,
                example: .init(documentID: nil, location: record.location, message: record.message))
        }
    }
}
