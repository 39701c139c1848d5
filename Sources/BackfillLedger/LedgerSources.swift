import BackfillCore
import Foundation
import GRDB

/// Ingestion statuses, batches and sources (resume cursors) in the SQLite ledger.
extension Ledger {
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
            ).map {
                IngestionRecord(
                    documentID: $0["document_id"], status: $0["ingestion_status"], error: $0["ingestion_error"])
            }
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
                cursor: cursor, state: SourceState(rawValue: row["state"] ?? "") ?? .reading)
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
                    record.fingerprint.headSHA256, cursor, record.state.rawValue, runID, Date().timeIntervalSince1970,
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
}
