import BackfillCore
import BackfillLedger
import BackfillTargets
import Foundation
import Logging

/// Settings of one run of the flow (DESIGN.md §1).
public struct PipelineConfiguration: Sendable {
    public var inputs: [String]
    public var profile: ValidationProfile
    public var adapterContext: AdapterContext
    /// Filled into requests that lack them.
    public var userID: String?
    public var customerID: String?
    public var mode: Mode?
    public var maxBatchDocuments = 100
    /// Largest request body, in bytes.
    public var maxBatchBytes = 8 * 1024 * 1024
    public var failFast = false
    public var retry = RetryPolicy()

    public init(inputs: [String], profile: ValidationProfile, adapterContext: AdapterContext = AdapterContext()) {
        self.inputs = inputs
        self.profile = profile
        self.adapterContext = adapterContext
    }
}

/// Discovery → adapter → normalise → validate → dedup → batch → send → ledger → report.
///
/// Without a target (plan), everything but sending runs, and the ledger — when one exists — is only read.
public final class ImportPipeline {
    private let configuration: PipelineConfiguration
    private let registry: AdapterRegistry
    private let ledger: Ledger?
    private let target: (any UploadTarget)?
    private let logger: Logger
    private var report: RunReport
    private var runID: Int64 = 0
    private let encoder: JSONEncoder

    // Dedup state: ids waiting in `candidates` or in the batch being filled. Ids already sent this run are
    // found in the ledger (their run_id), so memory stays flat however large the input.
    private var candidates: [(MemoryDocument, EncodedDocument)] = []
    private var pendingIDs: Set<String> = []
    private var batch: [(MemoryDocument, EncodedDocument)] = []
    private var batchBytes = 0
    private var rejectedBuffer: [(LedgerDocument, Rejection)] = []
    /// Plan without a ledger: ids seen so far.
    private var planSeen: Set<String> = []
    private var stop: RunReport.Stop?
    /// Batches in a row that failed after every attempt: past a few, the target is down and the run stops
    /// (resuming later sends what is left) instead of failing every remaining document.
    private var consecutiveFailedBatches = 0
    private let maxConsecutiveFailedBatches = 3

    public init(
        configuration: PipelineConfiguration, registry: AdapterRegistry, ledger: Ledger?, target: (any UploadTarget)?,
        report: RunReport, logger: Logger
    ) {
        self.configuration = configuration
        self.registry = registry
        self.ledger = ledger
        self.target = target
        self.report = report
        self.logger = logger
        self.encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
    }

    private var isPlan: Bool { target == nil }

    /// Runs the flow to the end (or to a stop) and returns the report.
    public func run() async throws -> RunReport {
        let started = ContinuousClock.now
        if let ledger, !isPlan {
            runID = try ledger.beginRun(command: report.command, target: target?.name ?? "none")
        }
        let discovered = Discovery().discover(configuration.inputs)
        report.sources.ignored = discovered.ignored.count
        for missing in discovered.missing {
            report.sources.unreadable += 1
            report.documents.skipped += 1
            report.note(
                \.skips, code: "unreadable_input",
                example: .init(documentID: nil, location: missing.path, message: missing.reason))
        }
        sourceLoop: for input in discovered.files {
            if stop != nil { break }
            try await read(input)
            if stop != nil { break sourceLoop }
        }
        if stop == nil {
            try await processCandidates()
            try await flushBatch()
        }
        try flushRejected()
        report.stopped = stop
        report.wallSeconds = (ContinuousClock.now - started).seconds
        report.exitCode = exitCode()
        if let ledger, !isPlan {
            try ledger.finishRun(runID, exitCode: report.exitCode, reportJSON: report.json())
        }
        return report
    }

    private func exitCode() -> Int32 {
        if let stop {
            return stop.code == "fail_fast" ? 3 : 4
        }
        return report.documents.rejected + report.documents.failed > 0 ? 1 : 0
    }

    // MARK: Reading

    private func read(_ input: SourceInput) async throws {
        let probe: SourceProbe
        do {
            probe = try AdapterRegistry.probe(input)
        } catch {
            report.sources.unreadable += 1
            skip(SkippedRecord(
                adapter: "-", file: input.displayPath, position: .wholeFile, code: "unreadable_file",
                message: "\(error)"))
            return
        }
        guard let adapter = registry.adapter(for: probe) else {
            report.sources.unrecognised += 1
            skip(SkippedRecord(
                adapter: "-", file: input.displayPath, position: .wholeFile, code: "no_adapter",
                message: "no adapter recognises this file; `backfill adapters` lists the formats read"))
            return
        }
        report.sources.files += 1
        report.byAdapter[adapter.name, default: .init()].files += 1
        do {
            for try await output in adapter.read(input, context: configuration.adapterContext, resumeFrom: nil) {
                switch output {
                case .skipped(let record):
                    report.byAdapter[adapter.name, default: .init()].skipped += 1
                    skip(record)
                case .document(let document):
                    report.byAdapter[adapter.name, default: .init()].documents += 1
                    try await accept(document)
                }
                if stop != nil { return }
            }
        } catch let error as AdapterError {
            skip(SkippedRecord(
                adapter: adapter.name, file: error.file, position: error.position, code: error.code,
                message: error.message + " (the rest of this file was not read)"))
        } catch let error as LedgerError {
            throw error
        } catch let error as UploadError {
            throw error
        } catch {
            skip(SkippedRecord(
                adapter: adapter.name, file: input.displayPath, position: .wholeFile, code: "read_error",
                message: "\(error) (the rest of this file was not read)"))
        }
    }

    private func skip(_ record: SkippedRecord) {
        report.documents.skipped += 1
        report.note(\.skips, code: record.code, example: .init(documentID: nil, location: record.location, message: record.message))
    }

    // MARK: Normalise, validate

    private func accept(_ original: MemoryDocument) async throws {
        var document = original
        if document.request.userID == nil { document.request.userID = configuration.userID }
        if document.request.customerID == nil { document.request.customerID = configuration.customerID }
        if document.request.mode == nil { document.request.mode = configuration.mode }

        switch configuration.profile.validate(&document) {
        case .rejected(let rejection):
            try reject(document, rejection)
            return
        case .valid(let mappedFrom):
            if let mappedFrom {
                report.typeMappings["\(mappedFrom)→\(document.request.documentType)", default: 0] += 1
            }
        }
        let json: [UInt8]
        do {
            json = Array(try encoder.encode(document.request))
        } catch {
            try reject(document, Rejection(code: "unencodable", message: "the request cannot be encoded as JSON: \(error)"))
            return
        }
        if json.count + 64 > configuration.maxBatchBytes {
            try reject(
                document,
                Rejection(
                    code: "document_too_large",
                    message: "the encoded request is \(json.count) bytes, over --max-batch-bytes \(configuration.maxBatchBytes)"))
            return
        }
        document.provenance.contentSHA256 = ContentHash.sha256Hex(json)
        candidates.append((document, EncodedDocument(documentID: document.id, json: json)))
        if candidates.count >= 256 { try await processCandidates() }
    }

    private func reject(_ document: MemoryDocument, _ rejection: Rejection) throws {
        report.documents.rejected += 1
        report.note(
            \.rejections, code: rejection.code,
            example: .init(documentID: document.id.isEmpty ? nil : document.id, location: document.provenance.location, message: rejection.message))
        if !isPlan, !document.id.isEmpty {
            rejectedBuffer.append(
                (LedgerDocument(documentID: document.id, provenance: document.provenance, documentType: document.request.documentType.rawValue), rejection))
            if rejectedBuffer.count >= 500 { try flushRejected() }
        }
        if configuration.failFast {
            stop = .init(
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
            if stop != nil { return }
            let id = encoded.documentID
            if pendingIDs.contains(id) || planSeen.contains(id) {
                duplicateInInput(document)
                continue
            }
            if let entry = known[id], entry.runID == runID, !isPlan {
                // Written by this run already: the same id twice in the inputs.
                duplicateInInput(document)
                continue
            }
            countTimestamp(document)
            report.byType[document.request.documentType.rawValue, default: 0] += 1
            if let entry = known[id] {
                if entry.state == .rejected && entry.contentSHA256 == document.provenance.contentSHA256 && !isPlan {
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
                    count(document, as: entry.state)
                    continue
                }
            }
            if isPlan {
                planSeen.insert(id)
                report.documents.valid? += 1
                addToPlannedBatch(encoded)
            } else {
                pendingIDs.insert(id)
                try await addToBatch(document, encoded)
            }
        }
    }

    private func duplicateInInput(_ document: MemoryDocument) {
        report.documents.duplicateInInput += 1
    }

    private func count(_ document: MemoryDocument, as state: DocumentState) {
        switch state {
        case .accepted: report.documents.accepted? += 1
        case .duplicate: report.documents.duplicate? += 1
        default: break
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

    private func addToPlannedBatch(_ encoded: EncodedDocument) {
        if plannedBatchCount == 0 || plannedBatchCount >= configuration.maxBatchDocuments
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

    private func addToBatch(_ document: MemoryDocument, _ encoded: EncodedDocument) async throws {
        let limit = min(configuration.maxBatchDocuments, target?.maxBatchDocuments ?? 100)
        if !batch.isEmpty && (batch.count >= limit || batchBytes + encoded.json.count + 1 > configuration.maxBatchBytes - 64) {
            try await flushBatch()
            if stop != nil { return }
        }
        batch.append((document, encoded))
        batchBytes += encoded.json.count + 1
    }

    private func flushBatch() async throws {
        guard let target, let ledger, !batch.isEmpty else { return }
        let current = batch
        batch.removeAll(keepingCapacity: true)
        batchBytes = 0
        defer { for (_, encoded) in current { pendingIDs.remove(encoded.documentID) } }

        let batchID = try ledger.beginBatch(
            current.map {
                LedgerDocument(documentID: $0.1.documentID, provenance: $0.0.provenance, documentType: $0.0.request.documentType.rawValue)
            }, bytes: current.reduce(0) { $0 + $1.1.json.count }, runID: runID)
        report.requests.batches += 1
        let documents = current.map(\.1)

        var attempt = 0
        var outcomes: [String: ItemOutcome] = [:]
        var batchError: UploadError?
        while true {
            attempt += 1
            report.requests.requests += 1
            report.requests.bytesSent += documents.reduce(0) { $0 + $1.json.count }
            do {
                outcomes = try await target.send(documents, failFast: configuration.failFast)
                batchError = nil
                break
            } catch let error as UploadError {
                batchError = error
                guard error.isRetryable, attempt < configuration.retry.maxAttempts else { break }
                report.requests.retries += 1
                let wait = configuration.retry.delay(afterAttempt: attempt, retryAfter: error.retryAfter, random: Double.random(in: 0..<1))
                logger.info("batch will be sent again", metadata: ["batch.id": "\(batchID)", "error": "\(error.code)", "wait": "\(wait)"])
                try await Task.sleep(for: wait)
            }
        }
        report.documents.sent += documents.count

        var ledgerOutcomes: [LedgerOutcome] = []
        if let batchError {
            let state: DocumentState
            switch batchError.kind {
            case .invalid where !configuration.failFast: state = .failed
            case .invalid: state = .pending
            case .retryable, .permanent: state = .failed
            case .stop: state = .pending
            }
            for (document, encoded) in current {
                ledgerOutcomes.append(
                    LedgerOutcome(documentID: encoded.documentID, state: state, errorCode: batchError.code, error: batchError.message))
                if state == .failed {
                    report.documents.failed += 1
                    report.note(\.failures, code: batchError.code, example: .init(documentID: encoded.documentID, location: document.provenance.location, message: batchError.message))
                }
            }
            try ledger.finishBatch(batchID, outcomes: ledgerOutcomes, error: batchError.description)
            consecutiveFailedBatches += 1
            switch batchError.kind {
            case .stop:
                stop = .init(code: batchError.code, message: batchError.message)
            case .retryable where consecutiveFailedBatches >= maxConsecutiveFailedBatches:
                stop = .init(
                    code: "target_unavailable",
                    message:
                        "\(consecutiveFailedBatches) batches in a row failed after \(configuration.retry.maxAttempts) attempts (last: \(batchError.message)); run the same command again when the target is back — the ledger resumes where this stopped"
                )
            case .invalid where configuration.failFast:
                stop = .init(code: "fail_fast", message: "the target rejected the batch: \(batchError.message)")
            default:
                break
            }
            return
        }

        consecutiveFailedBatches = 0
        for (document, encoded) in current {
            let id = encoded.documentID
            let outcome = outcomes[id] ?? .failed(code: "unmatched_response", message: "no outcome for this document")
            let location = document.provenance.location
            switch outcome {
            case .accepted(let ingestionID):
                report.documents.accepted? += 1
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .accepted, ingestionID: ingestionID))
            case .duplicate(let message):
                report.documents.duplicate? += 1
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .duplicate, errorCode: "duplicate", error: message))
            case .rejected(let code, let message):
                report.documents.rejected += 1
                report.note(\.rejections, code: code, example: .init(documentID: id, location: location, message: message))
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .rejected, errorCode: code, error: message))
                if configuration.failFast && stop == nil {
                    stop = .init(code: "fail_fast", message: "the target rejected a document (\(code)): \(message)", documentID: id, location: location)
                }
            case .failed(let code, let message):
                report.documents.failed += 1
                report.note(\.failures, code: code, example: .init(documentID: id, location: location, message: message))
                ledgerOutcomes.append(LedgerOutcome(documentID: id, state: .failed, errorCode: code, error: message))
            }
        }
        try ledger.finishBatch(batchID, outcomes: ledgerOutcomes)
    }
}

extension Duration {
    var seconds: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) / 1e18
    }
}
