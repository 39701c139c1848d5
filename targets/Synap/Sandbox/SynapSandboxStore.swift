import BackfillSandbox
import Foundation
import GRDB

/// A document ready to store: the checked request, its id and its JSON.
struct SandboxSubmission: Sendable {
    var documentID: String
    var requestJSON: String
}

/// What became of one submitted document.
enum SandboxStoreOutcome: Sendable, Equatable {
    case stored(ingestionID: String)
    case duplicate
}

/// A stored document's status inputs.
struct SandboxIngestion: Sendable {
    var ingestionID: String
    var documentID: String
    var queuedAt: Date
}

/// Synap's `documents` table in the sandbox's database.
extension SandboxStore {
    static func registerSynapMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE documents (
                        document_id TEXT PRIMARY KEY NOT NULL,
                        ingestion_id TEXT NOT NULL UNIQUE,
                        request TEXT NOT NULL,
                        submissions INTEGER NOT NULL DEFAULT 1,
                        stored INTEGER NOT NULL DEFAULT 1,
                        queued_at DOUBLE NOT NULL
                    )
                    """)
        }
    }

    /// Stores `submissions` in one transaction, in order. A `document_id` already held (or repeated earlier in
    /// the same call) is a duplicate and only counts as a submission, unless the policy is `update`.
    func store(
        _ submissions: [SandboxSubmission], queuedAt: Date, duplicates policy: SandboxDuplicatePolicy
    ) async throws -> [SandboxStoreOutcome] {
        return try await writer.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO documents (document_id, ingestion_id, request, submissions, stored, queued_at)
                    VALUES (?, ?, ?, 1, 1, ?) ON CONFLICT(document_id) DO NOTHING
                    """)
            let count = try db.cachedStatement(
                sql: "UPDATE documents SET submissions = submissions + 1 WHERE document_id = ?")
            let replace = try db.cachedStatement(
                sql: """
                    UPDATE documents SET ingestion_id = ?, request = ?, queued_at = ?,
                        submissions = submissions + 1, stored = stored + 1
                    WHERE document_id = ?
                    """)
            let time = queuedAt.timeIntervalSince1970
            var seen = Set<String>()
            var outcomes: [SandboxStoreOutcome] = []
            outcomes.reserveCapacity(submissions.count)
            for submission in submissions {
                if !seen.insert(submission.documentID).inserted {
                    try count.execute(arguments: [submission.documentID])
                    outcomes.append(.duplicate)
                    continue
                }
                let ingestionID = UUID().uuidString.lowercased()
                try insert.execute(arguments: [submission.documentID, ingestionID, submission.requestJSON, time])
                if db.changesCount > 0 {
                    outcomes.append(.stored(ingestionID: ingestionID))
                } else if policy == .update {
                    try replace.execute(arguments: [ingestionID, submission.requestJSON, time, submission.documentID])
                    outcomes.append(.stored(ingestionID: ingestionID))
                } else {
                    try count.execute(arguments: [submission.documentID])
                    outcomes.append(.duplicate)
                }
            }
            return outcomes
        }
    }

    func ingestion(_ ingestionID: String) async throws -> SandboxIngestion? {
        try await writer.read { db in
            guard
                let row = try Row.fetchOne(
                    db, sql: "SELECT document_id, queued_at FROM documents WHERE ingestion_id = ?",
                    arguments: [ingestionID])
            else { return nil }
            return SandboxIngestion(
                ingestionID: ingestionID, documentID: row["document_id"],
                queuedAt: Date(timeIntervalSince1970: row["queued_at"]))
        }
    }

    func documents() async throws -> [SandboxDocumentRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db, sql: "SELECT document_id, submissions, stored, ingestion_id FROM documents ORDER BY document_id"
            ).map { row in
                SandboxDocumentRecord(
                    documentID: row["document_id"], submissions: row["submissions"], stored: row["stored"],
                    ingestionID: row["ingestion_id"])
            }
        }
    }

    /// The stored request JSON of a document, for tests and rehearsals.
    func request(documentID: String) async throws -> String? {
        try await writer.read { db in
            try String.fetchOne(db, sql: "SELECT request FROM documents WHERE document_id = ?", arguments: [documentID])
        }
    }

    func count() async throws -> Int {
        try await writer.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM documents") ?? 0 }
    }

    @discardableResult
    func clear() async throws -> Int {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM documents")
            return db.changesCount
        }
    }
}
