import BackfillCore
import Foundation
import GRDB

/// A document's state in the ledger.
public enum DocumentState: String, Sendable, Codable, CaseIterable {
    case pending, sending, accepted, duplicate, rejected, failed

    /// Done for good: the target has it.
    public var isSettled: Bool { self == .accepted || self == .duplicate }
}

/// What the ledger knows of one document.
public struct LedgerEntry: Sendable, Hashable {
    public var documentID: String
    public var state: DocumentState
    public var contentSHA256: String
    public var runID: Int64
}

/// What identifies a source file's content without reading all of it: size, modification time, and a hash of
/// its first 64 KiB.
public struct SourceFingerprint: Sendable, Hashable, Codable {
    public var size: Int64?
    public var modified: Double?
    public var headSHA256: String

    public init(size: Int64?, modified: Double?, headSHA256: String) {
        self.size = size
        self.modified = modified
        self.headSHA256 = headSHA256
    }
}

/// One document about to be sent, as the ledger records it.
public struct LedgerDocument: Sendable {
    public var documentID: String
    public var provenance: Provenance
    public var documentType: String
    /// The request's user_id (targets that list by user need it to reconcile and verify).
    public var userID: String?

    public init(documentID: String, provenance: Provenance, documentType: String, userID: String? = nil) {
        self.documentID = documentID
        self.provenance = provenance
        self.documentType = documentType
        self.userID = userID
    }
}

/// The final outcome of one document, written after its batch returns.
public struct LedgerOutcome: Sendable {
    public var documentID: String
    public var state: DocumentState
    public var ingestionID: String?
    public var errorCode: String?
    public var error: String?

    public init(documentID: String, state: DocumentState, ingestionID: String? = nil, errorCode: String? = nil, error: String? = nil) {
        self.documentID = documentID
        self.state = state
        self.ingestionID = ingestionID
        self.errorCode = errorCode
        self.error = error
    }
}

/// What the target said of one document's processing.
public struct IngestionRecord: Sendable, Hashable, Codable {
    public var documentID: String
    /// `queued`, `processing`, `completed`, `failed`, `partial_success` (as the target spelled it).
    public var status: String
    /// The target's `error_message`, when it gave one.
    public var error: String?

    public init(documentID: String, status: String, error: String?) {
        self.documentID = documentID
        self.status = status
        self.error = error
    }

    enum CodingKeys: String, CodingKey {
        case documentID = "document_id"
        case status
        case error
    }
}

/// One run of a job, as the ledger recorded it.
public struct LedgerRun: Sendable, Hashable {
    public var id: Int64
    public var command: String
    public var target: String
    public var startedAt: Date
    /// Nil while running, or when the run was killed.
    public var finishedAt: Date?
    public var exitCode: Int32?
}

/// A failure of the ledger itself (the disk, the file): the run must stop, its state stays consistent.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public var path: String
    public var message: String
    public var description: String { "ledger \(path): \(message)" }
}

/// The job's checkpoint: one SQLite file (WAL) holding every document's state, the job's sources and its runs.
///
/// A batch is written as `sending` in one transaction before its request, and all its outcomes in one
/// transaction after: after a crash at any instant, what was `sending` or never sent is sent again.
/// The API key is never written here.
public final class Ledger: Sendable {
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating if needed) the ledger at `path`.
    public init(path: String) throws {
        self.path = path
        let directory = PathText.folder(of: path)
        if !directory.isEmpty {
            try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        var configuration = Configuration()
        configuration.prepareDatabase { db in
            // WAL + NORMAL: a committed transaction survives a killed process; fsync only at checkpoints.
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        configuration.busyMode = .timeout(10)
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw LedgerError(path: path, message: "cannot open (\(error)); check the path or pass another --ledger")
        }
    }

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE job (key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
                    CREATE TABLE runs (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        command TEXT NOT NULL,
                        target TEXT NOT NULL,
                        started_at REAL NOT NULL,
                        finished_at REAL,
                        exit_code INTEGER,
                        report TEXT
                    );
                    CREATE TABLE sources (
                        path TEXT PRIMARY KEY NOT NULL,
                        adapter TEXT,
                        size INTEGER,
                        mtime REAL,
                        head_sha256 TEXT,
                        cursor TEXT,
                        state TEXT NOT NULL,
                        run_id INTEGER,
                        updated_at REAL NOT NULL
                    );
                    CREATE TABLE batches (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        run_id INTEGER NOT NULL,
                        state TEXT NOT NULL,
                        documents INTEGER NOT NULL,
                        bytes INTEGER NOT NULL,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        created_at REAL NOT NULL,
                        finished_at REAL,
                        error TEXT
                    );
                    CREATE TABLE documents (
                        document_id TEXT PRIMARY KEY NOT NULL,
                        state TEXT NOT NULL,
                        source TEXT NOT NULL,
                        archive_entry TEXT,
                        position TEXT NOT NULL,
                        record_index INTEGER,
                        adapter TEXT NOT NULL,
                        document_type TEXT NOT NULL,
                        user_id TEXT,
                        content_sha256 TEXT NOT NULL,
                        batch_id INTEGER,
                        ingestion_id TEXT,
                        error_code TEXT,
                        error TEXT,
                        attempts INTEGER NOT NULL DEFAULT 0,
                        run_id INTEGER NOT NULL,
                        updated_at REAL NOT NULL
                    );
                    CREATE INDEX documents_by_state ON documents(state);
                    CREATE INDEX documents_by_batch ON documents(batch_id);
                    CREATE INDEX documents_by_source ON documents(source, record_index);
                    """)
        }
        migrator.registerMigration("v2-ingestion-status") { db in
            // What the target said of each accepted document's processing (Synap's ingestion status: queued,
            // processing, completed, failed, partial_success), its error_message, and when it was asked.
            try db.execute(
                sql: """
                    ALTER TABLE documents ADD COLUMN ingestion_status TEXT;
                    ALTER TABLE documents ADD COLUMN ingestion_error TEXT;
                    ALTER TABLE documents ADD COLUMN ingestion_checked_at REAL;
                    CREATE INDEX documents_by_ingestion_status ON documents(ingestion_status);
                    """)
        }
        return migrator
    }

    // MARK: Job and runs

    /// A job-level setting (`name`, `target`, `inputs`).
    public func jobValue(_ key: String) throws -> String? {
        try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM job WHERE key = ?", arguments: [key]) }
    }

    public func setJobValue(_ key: String, _ value: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO job(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
                arguments: [key, value])
        }
    }

    /// Starts a run; its id tags what this run touches (in-run duplicate detection).
    public func beginRun(command: String, target: String) throws -> Int64 {
        try pool.write { db in
            try db.execute(
                sql: "INSERT INTO runs(command, target, started_at) VALUES (?, ?, ?)",
                arguments: [command, target, Date().timeIntervalSince1970])
            return db.lastInsertedRowID
        }
    }

    public func finishRun(_ runID: Int64, exitCode: Int32, reportJSON: String) throws {
        try pool.write { db in
            try db.execute(
                sql: "UPDATE runs SET finished_at = ?, exit_code = ?, report = ? WHERE id = ?",
                arguments: [Date().timeIntervalSince1970, exitCode, reportJSON, runID])
        }
    }

    /// The JSON report of the last finished run, if any.
    public func lastReport() throws -> String? {
        try pool.read { db in
            try String.fetchOne(
                db, sql: "SELECT report FROM runs WHERE report IS NOT NULL ORDER BY id DESC LIMIT 1")
        }
    }

    /// The last run of the job (finished or not), if any.
    public func lastRun() throws -> LedgerRun? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT id, command, target, started_at, finished_at, exit_code FROM runs ORDER BY id DESC LIMIT 1")
            else { return nil }
            let finished: Double? = row["finished_at"]
            let exitCode: Int64? = row["exit_code"]
            return LedgerRun(
                id: row["id"], command: row["command"], target: row["target"],
                startedAt: Date(timeIntervalSince1970: row["started_at"]),
                finishedAt: finished.map { Date(timeIntervalSince1970: $0) }, exitCode: exitCode.map { Int32($0) })
        }
    }

    /// The largest END among the ingestion ids `PREFIX<START>-<END>` of settled documents: how far an output
    /// file is vouched for by the ledger (the JSONL target's byte ranges). Nil when no settled document has one.
    public func maxIngestionRangeEnd(prefix: String) throws -> Int64? {
        try pool.read { db in
            try Int64.fetchOne(
                db,
                sql: """
                    SELECT MAX(CAST(substr(ingestion_id, instr(substr(ingestion_id, length(?1) + 1), '-') + length(?1) + 1)
                        AS INTEGER))
                    FROM documents
                    WHERE state IN ('accepted', 'duplicate') AND substr(ingestion_id, 1, length(?1)) = ?1
                    """,
                arguments: [prefix])
        }
    }

    // MARK: Documents

    /// The ledger entries for these ids (absent ids are not in the ledger).
    public func entries(for ids: [String]) throws -> [String: LedgerEntry] {
        guard !ids.isEmpty else { return [:] }
        return try pool.read { db in
            var result: [String: LedgerEntry] = [:]
            for chunk in ids.chunked(into: 500) {
                let marks = Array(repeating: "?", count: chunk.count).joined(separator: ",")
                let rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT document_id, state, content_sha256, run_id FROM documents WHERE document_id IN (\(marks))",
                    arguments: StatementArguments(chunk))
                for row in rows {
                    let id: String = row["document_id"]
                    let state = DocumentState(rawValue: row["state"]) ?? .pending
                    result[id] = LedgerEntry(
                        documentID: id, state: state, contentSHA256: row["content_sha256"], runID: row["run_id"])
                }
            }
            return result
        }
    }

    /// Records a batch as `sending` — one transaction, before its request goes out. Returns the batch id.
    public func beginBatch(_ documents: [LedgerDocument], bytes: Int, runID: Int64) throws -> Int64 {
        try pool.write { db in
            let now = Date().timeIntervalSince1970
            try db.execute(
                sql: "INSERT INTO batches(run_id, state, documents, bytes, attempts, created_at) VALUES (?, 'sending', ?, ?, 1, ?)",
                arguments: [runID, documents.count, bytes, now])
            let batchID = db.lastInsertedRowID
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO documents(document_id, state, source, archive_entry, position, record_index, adapter,
                        document_type, user_id, content_sha256, batch_id, attempts, run_id, updated_at)
                    VALUES (?, 'sending', ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?, ?)
                    ON CONFLICT(document_id) DO UPDATE SET state = 'sending', source = excluded.source,
                        archive_entry = excluded.archive_entry, position = excluded.position,
                        record_index = excluded.record_index, user_id = excluded.user_id,
                        adapter = excluded.adapter, document_type = excluded.document_type,
                        content_sha256 = excluded.content_sha256, batch_id = excluded.batch_id,
                        attempts = documents.attempts + 1, run_id = excluded.run_id,
                        error_code = NULL, error = NULL, ingestion_status = NULL, ingestion_error = NULL,
                        ingestion_checked_at = NULL, updated_at = excluded.updated_at
                    """)
            for document in documents {
                let p = document.provenance
                try statement.execute(arguments: [
                    document.documentID, p.file, p.archiveEntry, Self.encode(p.position), p.position.recordIndex,
                    p.adapter, document.documentType, document.userID, p.contentSHA256, batchID, runID, now,
                ])
            }
            return batchID
        }
    }

    /// Writes every outcome of a batch — one transaction, after its response.
    public func finishBatch(_ batchID: Int64, outcomes: [LedgerOutcome], error: String? = nil) throws {
        try pool.write { db in
            let now = Date().timeIntervalSince1970
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE documents SET state = ?, ingestion_id = COALESCE(?, ingestion_id), error_code = ?, error = ?,
                        updated_at = ? WHERE document_id = ?
                    """)
            for outcome in outcomes {
                try statement.execute(arguments: [
                    outcome.state.rawValue, outcome.ingestionID, outcome.errorCode, outcome.error, now, outcome.documentID,
                ])
            }
            try db.execute(
                sql: "UPDATE batches SET state = 'done', finished_at = ?, error = ? WHERE id = ?",
                arguments: [now, error, batchID])
        }
    }

    /// Records documents rejected before sending (local validation), in one transaction.
    public func recordRejected(_ documents: [(LedgerDocument, Rejection)], runID: Int64) throws {
        guard !documents.isEmpty else { return }
        try pool.write { db in
            let now = Date().timeIntervalSince1970
            let statement = try db.cachedStatement(
                sql: """
                    INSERT INTO documents(document_id, state, source, archive_entry, position, record_index, adapter,
                        document_type, content_sha256, error_code, error, run_id, updated_at)
                    VALUES (?, 'rejected', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(document_id) DO UPDATE SET state = 'rejected', source = excluded.source,
                        position = excluded.position, content_sha256 = excluded.content_sha256,
                        error_code = excluded.error_code, error = excluded.error, run_id = excluded.run_id,
                        updated_at = excluded.updated_at
                        WHERE documents.state NOT IN ('accepted', 'duplicate')
                    """)
            for (document, rejection) in documents {
                let p = document.provenance
                try statement.execute(arguments: [
                    document.documentID, p.file, p.archiveEntry, Self.encode(p.position), p.position.recordIndex,
                    p.adapter, document.documentType, p.contentSHA256, rejection.code, rejection.message, runID, now,
                ])
            }
        }
    }

    /// Document counts by state, for the whole job.
    public func stateCounts() throws -> [DocumentState: Int] {
        try pool.read { db in
            var counts: [DocumentState: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT state, COUNT(*) AS n FROM documents GROUP BY state") {
                if let state = DocumentState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    /// Documents in a state, in id order, `limit` at most.
    public func documents(in state: DocumentState, limit: Int = 100) throws -> [(id: String, source: String, errorCode: String?, error: String?)] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT document_id, source, error_code, error FROM documents WHERE state = ? ORDER BY document_id LIMIT ?",
                arguments: [state.rawValue, limit]
            ).map { ($0["document_id"], $0["source"], $0["error_code"], $0["error"]) }
        }
    }

    /// Every document id in a state (tests and verification).
    public func documentIDs(in states: Set<DocumentState>) throws -> [String] {
        try pool.read { db in
            let marks = Array(repeating: "?", count: states.count).joined(separator: ",")
            return try String.fetchAll(
                db, sql: "SELECT document_id FROM documents WHERE state IN (\(marks)) ORDER BY document_id",
                arguments: StatementArguments(states.map(\.rawValue)))
        }
    }

    /// Documents in these states, with the target's id and user, `limit` at a time after `afterID`.
    public func knownDocuments(in states: Set<DocumentState>, afterID: String = "", limit: Int = 1000) throws
        -> [(documentID: String, targetID: String?, userID: String?, state: DocumentState)]
    {
        try pool.read { db in
            let marks = Array(repeating: "?", count: states.count).joined(separator: ",")
            var arguments = StatementArguments(states.map(\.rawValue))
            arguments += [afterID, limit]
            let sql =
                "SELECT document_id, ingestion_id, user_id, state FROM documents WHERE state IN (\(marks)) AND document_id > ? ORDER BY document_id LIMIT ?"
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                ($0["document_id"], $0["ingestion_id"], $0["user_id"], DocumentState(rawValue: $0["state"]) ?? .pending)
            }
        }
    }

    /// Marks documents (e.g. missing on the target) with a state and reason, in one transaction; the sources
    /// holding them are no longer done, so the next run reads them again.
    public func mark(_ ids: [String], as state: DocumentState, code: String, message: String) throws {
        guard !ids.isEmpty else { return }
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE documents SET state = ?, error_code = ?, error = ?, updated_at = ? WHERE document_id = ?")
            let now = Date().timeIntervalSince1970
            for id in ids { try statement.execute(arguments: [state.rawValue, code, message, now, id]) }
            try db.execute(
                sql:
                    "UPDATE sources SET state = 'reading', cursor = NULL WHERE path IN (SELECT DISTINCT source FROM documents WHERE state = ?)",
                arguments: [state.rawValue])
        }
    }

    /// Settles documents found on the target after all (reconciliation), in one transaction.
    public func settle(_ outcomes: [LedgerOutcome]) throws {
        guard !outcomes.isEmpty else { return }
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: "UPDATE documents SET state = ?, ingestion_id = COALESCE(?, ingestion_id), updated_at = ? WHERE document_id = ?")
            let now = Date().timeIntervalSince1970
            for outcome in outcomes {
                try statement.execute(arguments: [outcome.state.rawValue, outcome.ingestionID, now, outcome.documentID])
            }
        }
    }

    // MARK: Ingestion status

    /// Records what the target said of documents' processing (`queued`, `processing`, `completed`, `failed`,
    /// `partial_success`) and its error message, in one transaction.
    public func recordIngestion(_ statuses: [IngestionRecord]) throws {
        guard !statuses.isEmpty else { return }
        try pool.write { db in
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE documents SET ingestion_status = ?, ingestion_error = ?, ingestion_checked_at = ?
                    WHERE document_id = ?
                    """)
            let now = Date().timeIntervalSince1970
            for record in statuses {
                try statement.execute(arguments: [record.status, record.error, now, record.documentID])
            }
        }
    }

    /// Accepted and duplicate documents by ingestion status; those never asked (or whose answer could not be
    /// read) count under `unchecked`.
    public func ingestionCounts() throws -> [String: Int] {
        try pool.read { db in
            var counts: [String: Int] = [:]
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT COALESCE(ingestion_status, 'unchecked') AS status, COUNT(*) AS n FROM documents
                    WHERE state IN ('accepted', 'duplicate') GROUP BY 1
                    """)
            for row in rows { counts[row["status"]] = row["n"] }
            return counts
        }
    }

    /// The ingestion statuses after which a document's processing is over; `missing` is Backfill's own mark for
    /// an ingestion id the target does not know (404).
    public static let finishedIngestion: Set<String> = ["completed", "failed", "partial_success", "missing"]

    /// Accepted and duplicate documents whose processing is not known to be over (never asked, unreadable,
    /// `queued`, `processing` or a status this version does not know), with the target's id, in id order,
    /// `limit` at a time after `afterID`.
    public func documentsAwaitingIngestion(afterID: String = "", limit: Int = 1000) throws
        -> [(documentID: String, targetID: String?, userID: String?, state: DocumentState)]
    {
        try pool.read { db in
            let finished = Self.finishedIngestion.sorted()
            var arguments = StatementArguments(finished)
            arguments += [afterID, limit]
            let sql = """
                SELECT document_id, ingestion_id, user_id, state FROM documents
                WHERE state IN ('accepted', 'duplicate')
                    AND (ingestion_status IS NULL OR ingestion_status NOT IN (\(finished.map { _ in "?" }.joined(separator: ","))))
                    AND document_id > ? ORDER BY document_id LIMIT ?
                """
            return try Row.fetchAll(db, sql: sql, arguments: arguments).map {
                ($0["document_id"], $0["ingestion_id"], $0["user_id"], DocumentState(rawValue: $0["state"]) ?? .pending)
            }
        }
    }

    /// Documents whose processing failed or only partly succeeded, with the target's error, in id order.
    public func ingestionFailures(limit: Int = 100) throws -> [IngestionRecord] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT document_id, ingestion_status, ingestion_error FROM documents
                    WHERE state IN ('accepted', 'duplicate') AND ingestion_status IN ('failed', 'partial_success')
                    ORDER BY (ingestion_status = 'partial_success'), document_id LIMIT ?
                    """, arguments: [limit]
            ).map { IngestionRecord(documentID: $0["document_id"], status: $0["ingestion_status"], error: $0["ingestion_error"]) }
        }
    }

    /// A document's recorded ingestion status and error (tests and reports).
    public func ingestion(of documentID: String) throws -> IngestionRecord? {
        try pool.read { db in
            try Row.fetchOne(
                db, sql: "SELECT ingestion_status, ingestion_error FROM documents WHERE document_id = ?",
                arguments: [documentID]
            ).flatMap { row in
                let status: String? = row["ingestion_status"]
                return status.map { IngestionRecord(documentID: documentID, status: $0, error: row["ingestion_error"]) }
            }
        }
    }

    /// Number of batches and of batches still `sending` (an interrupted run).
    public func batchCounts() throws -> (total: Int, sending: Int) {
        try pool.read { db in
            let total = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches") ?? 0
            let sending = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM batches WHERE state = 'sending'") ?? 0
            return (total, sending)
        }
    }

    // MARK: Sources

    /// A source as the ledger remembers it: its fingerprint, its resume cursor and whether it is done.
    public struct SourceRecord: Sendable, Hashable {
        public var path: String
        public var adapter: String
        public var fingerprint: SourceFingerprint
        /// Everything before this cursor is settled; a resumed run seeks here.
        public var cursor: SourceCursor?
        /// `reading`, or `done` (read to the end and every batch of it finished without failures).
        public var state: String

        public init(path: String, adapter: String, fingerprint: SourceFingerprint, cursor: SourceCursor?, state: String) {
            self.path = path
            self.adapter = adapter
            self.fingerprint = fingerprint
            self.cursor = cursor
            self.state = state
        }
    }

    public func source(_ path: String) throws -> SourceRecord? {
        try pool.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT adapter, size, mtime, head_sha256, cursor, state FROM sources WHERE path = ?",
                    arguments: [path])
            else { return nil }
            let cursorText: String? = row["cursor"]
            let cursor = cursorText.flatMap { try? JSONDecoder().decode(SourceCursor.self, from: Data($0.utf8)) }
            return SourceRecord(
                path: path, adapter: row["adapter"] ?? "",
                fingerprint: SourceFingerprint(
                    size: row["size"], modified: row["mtime"], headSHA256: row["head_sha256"] ?? ""),
                cursor: cursor, state: row["state"])
        }
    }

    public func saveSource(_ record: SourceRecord, runID: Int64) throws {
        let cursor = record.cursor.flatMap { try? JSONEncoder().encode($0) }.map { String(decoding: $0, as: UTF8.self) }
        try pool.write { db in
            try db.execute(
                sql: """
                    INSERT INTO sources(path, adapter, size, mtime, head_sha256, cursor, state, run_id, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT(path) DO UPDATE SET adapter = excluded.adapter, size = excluded.size,
                        mtime = excluded.mtime, head_sha256 = excluded.head_sha256, cursor = excluded.cursor,
                        state = excluded.state, run_id = excluded.run_id, updated_at = excluded.updated_at
                    """,
                arguments: [
                    record.path, record.adapter, record.fingerprint.size, record.fingerprint.modified,
                    record.fingerprint.headSHA256, cursor, record.state, runID, Date().timeIntervalSince1970,
                ])
        }
    }

    /// Document counts by state for one source; with `throughRecordIndex`, only records at or before it.
    public func sourceCounts(_ path: String, throughRecordIndex: Int? = nil) throws -> [DocumentState: Int] {
        try pool.read { db in
            var counts: [DocumentState: Int] = [:]
            let rows: [Row]
            if let throughRecordIndex {
                rows = try Row.fetchAll(
                    db,
                    sql:
                        "SELECT state, COUNT(*) AS n FROM documents WHERE source = ? AND record_index <= ? GROUP BY state",
                    arguments: [path, throughRecordIndex])
            } else {
                // A bundle's or an archive's documents name their member file: `dir/member`, `archive!/member`.
                let escaped = path.replacingOccurrences(of: "\\", with: "\\\\")
                    .replacingOccurrences(of: "%", with: "\\%").replacingOccurrences(of: "_", with: "\\_")
                rows = try Row.fetchAll(
                    db,
                    sql: """
                        SELECT state, COUNT(*) AS n FROM documents
                        WHERE source = ? OR source LIKE ? ESCAPE '\\' OR source LIKE ? ESCAPE '\\' GROUP BY state
                        """,
                    arguments: [path, escaped + "/%", escaped + "!/%"])
            }
            for row in rows {
                if let state = DocumentState(rawValue: row["state"]) { counts[state] = row["n"] }
            }
            return counts
        }
    }

    private static func encode(_ position: RecordPosition) -> String {
        var parts: [String] = []
        if let line = position.line { parts.append("\"line\":\(line)") }
        if let index = position.recordIndex { parts.append("\"record_index\":\(index)") }
        if let offset = position.byteOffset { parts.append("\"byte_offset\":\(offset)") }
        return "{" + parts.joined(separator: ",") + "}"
    }
}

extension Array {
    func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
