import BackfillCore
import Foundation
import GRDB

/// Documents in the SQLite ledger: their states, batches as one transaction each, reconciliation.
extension Ledger {
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
                sql:
                    "INSERT INTO batches(run_id, state, documents, bytes, attempts, created_at) VALUES (?, 'sending', ?, ?, 1, ?)",
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
    public func finishBatch(_ batchID: Int64, outcomes: [LedgerOutcome], error: String?) throws {
        try pool.write { db in
            let now = Date().timeIntervalSince1970
            let statement = try db.cachedStatement(
                sql: """
                    UPDATE documents SET state = ?, ingestion_id = COALESCE(?, ingestion_id), error_code = ?, error = ?,
                        updated_at = ? WHERE document_id = ?
                    """)
            for outcome in outcomes {
                try statement.execute(arguments: [
                    outcome.state.rawValue, outcome.ingestionID, outcome.errorCode, outcome.error, now,
                    outcome.documentID,
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
    public func documents(in state: DocumentState, limit: Int = 100) throws -> [(
        id: String, source: String, errorCode: String?, error: String?
    )] {
        try pool.read { db in
            try Row.fetchAll(
                db,
                sql:
                    "SELECT document_id, source, error_code, error FROM documents WHERE state = ? ORDER BY document_id LIMIT ?",
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
                sql:
                    "UPDATE documents SET state = ?, ingestion_id = COALESCE(?, ingestion_id), updated_at = ? WHERE document_id = ?"
            )
            let now = Date().timeIntervalSince1970
            for outcome in outcomes {
                try statement.execute(arguments: [outcome.state.rawValue, outcome.ingestionID, now, outcome.documentID])
            }
        }
    }

}
