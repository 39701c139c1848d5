import BackfillCore
import Foundation
import GRDB

/// The job's checkpoint: one SQLite file (WAL) holding every document's state, the job's sources and its runs.
///
/// A batch is written as `sending` in one transaction before its request, and all its outcomes in one
/// transaction after: after a crash at any instant, what was `sending` or never sent is sent again.
/// The API key is never written here.
public final class Ledger: LedgerStore {
    /// The type this ledger's sources were once nested as.
    public typealias SourceRecord = BackfillLedger.SourceRecord

    public let path: String
    let pool: DatabasePool

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

    /// The first schema: the job, its runs, sources, batches and documents.
    private static let schemaV1 = """
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
        """

    private static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in try db.execute(sql: schemaV1) }
        migrator.registerMigration("v2-ingestion-status") { db in
            // What the target said of each accepted document's processing (an ingestion status such as queued,
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
                    sql:
                        "SELECT id, command, target, started_at, finished_at, exit_code FROM runs ORDER BY id DESC LIMIT 1"
                )
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
    /// file is vouched for by the ledger (a file target's byte ranges). Nil when no settled document has one.
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

    /// `{"line":…,"record_index":…,"byte_offset":…}`: a record's position as the ledger stores it.
    static func encode(_ position: RecordPosition) -> String {
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
