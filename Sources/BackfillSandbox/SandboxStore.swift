import Foundation
import GRDB

/// The sandbox's SQLite database, shared by every target's routes: each provider registers the migrations of
/// its own tables (``SandboxRoutesProvider/registerMigrations(_:)``) and reads and writes them through `writer`;
/// every request's writes go in one transaction.
package final class SandboxStore: Sendable {
    package let writer: any DatabaseWriter
    /// The write bodies as received, for `GET /_sandbox/requests` (kept in memory, never in the database).
    package let received: SandboxRequestLog

    init(
        path: String?, received: SandboxRequestLog = SandboxRequestLog(),
        migrations: (inout DatabaseMigrator) -> Void
    ) throws {
        var configuration = Configuration()
        configuration.label = "BackfillSandbox"
        configuration.prepareDatabase { db in
            // WAL with synchronous=NORMAL: durable across a process crash, no fsync per commit.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
            }
        }
        if let path {
            writer = try DatabasePool(path: path, configuration: configuration)
        } else {
            writer = try DatabaseQueue(configuration: configuration)
        }
        self.received = received
        var migrator = DatabaseMigrator()
        migrations(&migrator)
        try migrator.migrate(writer)
    }

    /// One record per memory in creation order, with how many memories share its document id.
    package func records(table: String) async throws -> [SandboxMemoryRecord] {
        try await writer.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT m.memory_id, m.document_id,
                        CASE WHEN m.document_id IS NULL THEN 1
                        ELSE (SELECT COUNT(*) FROM \(table) d WHERE d.document_id = m.document_id) END AS stored
                    FROM \(table) m ORDER BY m.seq
                    """
            ).map { row in
                SandboxMemoryRecord(id: row["memory_id"], documentID: row["document_id"], stored: row["stored"])
            }
        }
    }
}
