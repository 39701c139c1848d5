import BackfillCore
import Synchronization

/// A ``LedgerStore`` in memory: the pipeline's stages are tested against it, and it shows what a store must keep.
/// Nothing survives the process.
public final class InMemoryLedger: LedgerStore {
    /// One document as the store holds it.
    public struct Document: Sendable, Hashable {
        public var state: DocumentState
        public var source: String
        public var recordIndex: Int?
        public var contentSHA256: String
        public var userID: String?
        public var ingestionID: String?
        public var errorCode: String?
        public var runID: Int64
        public var batchID: Int64?
    }

    private struct State {
        var documents: [String: Document] = [:]
        var sources: [String: SourceRecord] = [:]
        var runs: [Int64: (exitCode: Int32?, report: String?)] = [:]
        var batches: [Int64: Bool] = [:]
        var lastRun: Int64 = 0
        var lastBatch: Int64 = 0
    }

    public let path: String
    private let state = Mutex(State())

    public init(path: String = "memory") {
        self.path = path
    }

    // MARK: Inspection (tests)

    /// Every document, by id.
    public var documents: [String: Document] { state.withLock { $0.documents } }
    /// Every source, by path.
    public var sources: [String: SourceRecord] { state.withLock { $0.sources } }
    /// Batches begun and not finished.
    public var openBatches: Int { state.withLock { $0.batches.values.filter { !$0 }.count } }
    /// The exit code and report a run finished with (nil while running).
    public func finishedRun(_ runID: Int64) -> (exitCode: Int32?, report: String?)? {
        state.withLock { $0.runs[runID] }
    }

    // MARK: LedgerStore

    public func beginRun(command: String, target: String) throws -> Int64 {
        state.withLock { state in
            state.lastRun += 1
            state.runs[state.lastRun] = (nil, nil)
            return state.lastRun
        }
    }

    public func finishRun(_ runID: Int64, exitCode: Int32, reportJSON: String) throws {
        state.withLock { $0.runs[runID] = (exitCode, reportJSON) }
    }

    public func entries(for ids: [String]) throws -> [String: LedgerEntry] {
        state.withLock { state in
            var result: [String: LedgerEntry] = [:]
            for id in ids {
                guard let document = state.documents[id] else { continue }
                result[id] = LedgerEntry(
                    documentID: id, state: document.state, contentSHA256: document.contentSHA256,
                    runID: document.runID)
            }
            return result
        }
    }

    public func beginBatch(_ documents: [LedgerDocument], bytes: Int, runID: Int64) throws -> Int64 {
        state.withLock { state in
            state.lastBatch += 1
            state.batches[state.lastBatch] = false
            for document in documents {
                let previous = state.documents[document.documentID]
                state.documents[document.documentID] = Document(
                    state: .sending, source: document.provenance.file,
                    recordIndex: document.provenance.position.recordIndex,
                    contentSHA256: document.provenance.contentSHA256, userID: document.userID,
                    ingestionID: previous?.ingestionID, errorCode: nil, runID: runID, batchID: state.lastBatch)
            }
            return state.lastBatch
        }
    }

    public func finishBatch(_ batchID: Int64, outcomes: [LedgerOutcome], error: String?) throws {
        state.withLock { state in
            for outcome in outcomes {
                guard var document = state.documents[outcome.documentID] else { continue }
                document.state = outcome.state
                document.ingestionID = outcome.ingestionID ?? document.ingestionID
                document.errorCode = outcome.errorCode
                state.documents[outcome.documentID] = document
            }
            state.batches[batchID] = true
        }
    }

    public func recordRejected(_ documents: [(LedgerDocument, Rejection)], runID: Int64) throws {
        state.withLock { state in
            for (document, rejection) in documents {
                let previous = state.documents[document.documentID]
                if let previous, previous.state.isSettled { continue }
                state.documents[document.documentID] = Document(
                    state: .rejected, source: document.provenance.file,
                    recordIndex: document.provenance.position.recordIndex,
                    contentSHA256: document.provenance.contentSHA256, userID: previous?.userID,
                    ingestionID: previous?.ingestionID, errorCode: rejection.code, runID: runID,
                    batchID: previous?.batchID)
            }
        }
    }

    public func knownDocuments(in states: Set<DocumentState>, afterID: String, limit: Int) throws
        -> [KnownLedgerDocument]
    {
        state.withLock { state in
            state.documents.filter { states.contains($0.value.state) && $0.key > afterID }
                .sorted { $0.key < $1.key }.prefix(limit)
                .map { ($0.key, $0.value.ingestionID, $0.value.userID, $0.value.state) }
        }
    }

    public func settle(_ outcomes: [LedgerOutcome]) throws {
        state.withLock { state in
            for outcome in outcomes {
                state.documents[outcome.documentID]?.state = outcome.state
                if let ingestionID = outcome.ingestionID {
                    state.documents[outcome.documentID]?.ingestionID = ingestionID
                }
            }
        }
    }

    public func source(_ path: String) throws -> SourceRecord? {
        state.withLock { $0.sources[path] }
    }

    public func saveSource(_ record: SourceRecord, runID: Int64) throws {
        state.withLock { $0.sources[record.path] = record }
    }

    public func sourceCounts(_ path: String, throughRecordIndex: Int?) throws -> [DocumentState: Int] {
        state.withLock { state in
            var counts: [DocumentState: Int] = [:]
            for document in state.documents.values {
                let matches: Bool
                if let throughRecordIndex {
                    matches =
                        document.source == path && (document.recordIndex.map { $0 <= throughRecordIndex } ?? false)
                } else {
                    matches =
                        document.source == path || document.source.hasPrefix(path + "/")
                        || document.source.hasPrefix(path + "!/")
                }
                if matches { counts[document.state, default: 0] += 1 }
            }
            return counts
        }
    }
}
