import BackfillCore
import Foundation
import BackfillSandbox
import GRDB

// Mielto's table in the sandbox's database; `seq` orders listings.

/// A checked Mielto create request.
struct MieltoNewMemory: Sendable {
    var userID: String
    var workspaceID: String?
    var memory: String
    var memoryType: String
    var topics: [String]
    var metadata: JSONValue
    var metadataJSON: String
    var documentID: String?
}

/// A stored Mielto memory.
struct MieltoMemory: Sendable {
    var seq: Int64
    var memoryID: String
    var userID: String
    var workspaceID: String?
    var memory: String
    var memoryType: String
    var topics: [String]
    var metadata: JSONValue
    var createdAt: Date

    init(_ new: MieltoNewMemory, seq: Int64, memoryID: String, at time: Date) {
        self.seq = seq
        self.memoryID = memoryID
        userID = new.userID
        workspaceID = new.workspaceID
        memory = new.memory
        memoryType = new.memoryType
        topics = new.topics
        metadata = new.metadata
        createdAt = time
    }

    init(row: Row) {
        seq = row["seq"]
        memoryID = row["memory_id"]
        userID = row["user_id"]
        workspaceID = row["workspace_id"]
        memory = row["memory"]
        memoryType = row["memory_type"]
        let topicsJSON: String = row["topics"]
        topics = (try? JSONDecoder().decode([String].self, from: Data(topicsJSON.utf8))) ?? []
        let json: String = row["metadata"]
        metadata = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? [:]
        createdAt = Date(timeIntervalSince1970: row["created_at"])
    }
}

extension SandboxStore {
    /// Mielto's table (`IF NOT EXISTS`: a store file made before the split holds it already).
    static func registerMieltoMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("mielto-v2") { db in
            try db.execute(
                sql: """
                    CREATE TABLE IF NOT EXISTS mielto_memories (
                        seq INTEGER PRIMARY KEY AUTOINCREMENT,
                        memory_id TEXT NOT NULL UNIQUE,
                        user_id TEXT NOT NULL,
                        workspace_id TEXT,
                        memory TEXT NOT NULL,
                        memory_type TEXT NOT NULL,
                        topics TEXT NOT NULL,
                        metadata TEXT NOT NULL,
                        document_id TEXT,
                        created_at DOUBLE NOT NULL
                    );
                    CREATE INDEX IF NOT EXISTS mielto_memories_user ON mielto_memories(user_id, seq);
                    CREATE INDEX IF NOT EXISTS mielto_memories_document ON mielto_memories(document_id);
                    """)
        }
    }

    // MARK: Mielto

    /// Stores one memory under a new id (Mielto never deduplicates).
    func mieltoCreate(_ memory: MieltoNewMemory, at time: Date) async throws -> MieltoMemory {
        let memoryID = "mem_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let topicsJSON = String(decoding: try SandboxHTTP.encoder.encode(memory.topics), as: UTF8.self)
        return try await writer.write { db in
            try db.execute(
                sql: """
                    INSERT INTO mielto_memories
                        (memory_id, user_id, workspace_id, memory, memory_type, topics, metadata, document_id,
                         created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    memoryID, memory.userID, memory.workspaceID, memory.memory, memory.memoryType, topicsJSON,
                    memory.metadataJSON, memory.documentID, time.timeIntervalSince1970,
                ])
            return MieltoMemory(memory, seq: db.lastInsertedRowID, memoryID: memoryID, at: time)
        }
    }

    /// One page after `seq` in creation order, optionally for one user and one workspace; `limit + 1` rows tell
    /// whether more exist.
    func mieltoList(
        userID: String?, workspaceID: String?, after seq: Int64, limit: Int, descending: Bool = false
    ) async throws -> [MieltoMemory] {
        // A descending page continues below the cursor's seq (0: from the newest).
        var sql =
            descending
            ? "SELECT * FROM mielto_memories WHERE (? = 0 OR seq < ?)" : "SELECT * FROM mielto_memories WHERE seq > ?"
        var arguments: StatementArguments = descending ? [seq, seq] : [seq]
        if let userID {
            sql += " AND user_id = ?"
            arguments += [userID]
        }
        if let workspaceID {
            sql += " AND workspace_id = ?"
            arguments += [workspaceID]
        }
        sql += descending ? " ORDER BY seq DESC LIMIT ?" : " ORDER BY seq LIMIT ?"
        arguments += [limit]
        let query = sql
        let queryArguments = arguments
        return try await writer.read { db in
            try Row.fetchAll(db, sql: query, arguments: queryArguments).map(MieltoMemory.init(row:))
        }
    }

    func mieltoMemory(id: String) async throws -> MieltoMemory? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM mielto_memories WHERE memory_id = ?", arguments: [id])
                .map(MieltoMemory.init(row:))
        }
    }

    @discardableResult
    func mieltoDelete(id: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM mielto_memories WHERE memory_id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    func mieltoRecords() async throws -> [SandboxMemoryRecord] {
        try await records(table: "mielto_memories")
    }
}
