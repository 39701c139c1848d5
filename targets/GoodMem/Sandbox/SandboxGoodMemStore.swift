import BackfillCore
import Foundation
import BackfillSandbox
import GRDB

// GoodMem's tables in the sandbox's database. Every request's writes go in one transaction; `seq` orders
// listings and backs their paging tokens.

/// A GoodMem memory's content: text (`originalContent`) or bytes (`originalContentB64`).
enum GoodMemContent: Sendable, Equatable {
    case text(String)
    case bytes(Data)

    var databaseValue: DatabaseValue {
        switch self {
        case .text(let text): return text.databaseValue
        case .bytes(let data): return data.databaseValue
        }
    }

    init(_ value: DatabaseValue) {
        switch value.storage {
        case .blob(let data): self = .bytes(data)
        case .string(let text): self = .text(text)
        default: self = .text("")
        }
    }
}

/// A checked GoodMem create request.
struct GoodMemNewMemory: Sendable {
    var memoryID: String
    var spaceID: String
    var content: GoodMemContent
    var contentType: String
    var metadata: JSONValue
    var metadataJSON: String
    var documentID: String?
}

/// A stored GoodMem memory.
struct GoodMemMemory: Sendable {
    var seq: Int64
    var memoryID: String
    var spaceID: String
    var content: GoodMemContent
    var contentType: String
    var metadata: JSONValue
    /// Milliseconds since the epoch.
    var createdAt: Int64
    var updatedAt: Int64

    init(_ new: GoodMemNewMemory, seq: Int64, at time: Int64) {
        self.seq = seq
        memoryID = new.memoryID
        spaceID = new.spaceID
        content = new.content
        contentType = new.contentType
        metadata = new.metadata
        createdAt = time
        updatedAt = time
    }

    init(row: Row) {
        seq = row["seq"]
        memoryID = row["memory_id"]
        spaceID = row["space_id"]
        content = GoodMemContent(row["content"] as DatabaseValue)
        contentType = row["content_type"]
        let json: String = row["metadata"]
        metadata = (try? JSONDecoder().decode(JSONValue.self, from: Data(json.utf8))) ?? [:]
        createdAt = row["created_at"]
        updatedAt = row["updated_at"]
    }
}

/// What became of one GoodMem create.
enum GoodMemCreateOutcome: Sendable {
    case created(GoodMemMemory)
    case duplicate
    case unknownSpace
}

/// A GoodMem space. `labels` is a JSON object, `embedders` a JSON array of `{embedderId, defaultRetrievalWeight}`,
/// `chunking` the `defaultChunkingConfig` as sent (nil when none was).
struct GoodMemSpace: Sendable {
    var spaceID: String
    var name: String
    var createdAt: Int64
    var labels: JSONValue
    var embedders: JSONValue
    var chunking: JSONValue?

    init(
        spaceID: String, name: String, createdAt: Int64, labels: JSONValue = [:], embedders: JSONValue = [],
        chunking: JSONValue? = nil
    ) {
        self.spaceID = spaceID
        self.name = name
        self.createdAt = createdAt
        self.labels = labels
        self.embedders = embedders
        self.chunking = chunking
    }

    init(row: Row) {
        spaceID = row["space_id"]
        name = row["name"]
        createdAt = row["created_at"]
        labels = Self.decode(row["labels"]) ?? [:]
        embedders = Self.decode(row["embedders"]) ?? []
        chunking = Self.decode(row["chunking"])
    }

    private static func decode(_ text: String?) -> JSONValue? {
        guard let text else { return nil }
        return try? JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
    }
}

enum GoodMemSpaceOutcome: Sendable {
    case created(GoodMemSpace)
    case idExists
    case nameExists
}

/// A GoodMem `processingStatus` filter as thresholds on `created_at` (ms): status is derived from age.
struct GoodMemStatusWindow: Sendable {
    /// Created at or before this: at least PROCESSING.
    var processingBefore: Int64
    /// Created at or before this: COMPLETED.
    var completedBefore: Int64
}

extension SandboxStore {
    /// GoodMem's tables. The identifiers are those of earlier store files (a file made before the split holds
    /// these tables already, hence `IF NOT EXISTS`).
    static func registerGoodMemMigrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("goodmem-v2", migrate: createGoodMemTables)
        migrator.registerMigration("v3-goodmem-space-fields", migrate: addGoodMemSpaceFields)
    }

    static func createGoodMemTables(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE IF NOT EXISTS goodmem_spaces (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    space_id TEXT NOT NULL UNIQUE,
                    name TEXT NOT NULL UNIQUE,
                    created_at INTEGER NOT NULL
                );
                CREATE TABLE IF NOT EXISTS goodmem_memories (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    memory_id TEXT NOT NULL UNIQUE,
                    space_id TEXT NOT NULL,
                    content NOT NULL,
                    content_type TEXT NOT NULL,
                    metadata TEXT NOT NULL,
                    document_id TEXT,
                    created_at INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL
                );
                CREATE INDEX IF NOT EXISTS goodmem_memories_space ON goodmem_memories(space_id, seq);
                CREATE INDEX IF NOT EXISTS goodmem_memories_document ON goodmem_memories(document_id);
                """)
    }

    // MARK: GoodMem spaces

    static func addGoodMemSpaceFields(_ db: Database) throws {
        try db.execute(
            sql: """
                ALTER TABLE goodmem_spaces ADD COLUMN labels TEXT;
                ALTER TABLE goodmem_spaces ADD COLUMN embedders TEXT;
                ALTER TABLE goodmem_spaces ADD COLUMN chunking TEXT;
                """)
    }

    /// Every space in creation order.
    func goodmemSpaces() async throws -> [GoodMemSpace] {
        try await writer.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM goodmem_spaces ORDER BY seq").map(GoodMemSpace.init(row:))
        }
    }

    func goodmemSpace(id: String) async throws -> GoodMemSpace? {
        try await writer.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM goodmem_spaces WHERE space_id = ?", arguments: [id])
                .map(GoodMemSpace.init(row:))
        }
    }

    func goodmemCreateSpace(_ space: GoodMemSpace) async throws -> GoodMemSpaceOutcome {
        func encode(_ value: JSONValue?) throws -> String? {
            try value.map { String(decoding: try SandboxHTTP.encoder.encode($0), as: UTF8.self) }
        }
        let labels = try encode(space.labels)
        let embedders = try encode(space.embedders)
        let chunking = try encode(space.chunking)
        let id = space.spaceID
        let name = space.name
        let time = space.createdAt
        return try await writer.write { db -> GoodMemSpaceOutcome in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM goodmem_spaces WHERE space_id = ?", arguments: [id]) != nil {
                return .idExists
            }
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM goodmem_spaces WHERE name = ?", arguments: [name]) != nil {
                return .nameExists
            }
            try db.execute(
                sql: """
                    INSERT INTO goodmem_spaces (space_id, name, created_at, labels, embedders, chunking)
                    VALUES (?, ?, ?, ?, ?, ?)
                    """,
                arguments: [id, name, time, labels, embedders, chunking])
            return .created(space)
        }
    }

    func goodmemSpaceExists(_ id: String) async throws -> Bool {
        try await writer.read { db in
            try Bool.fetchOne(db, sql: "SELECT 1 FROM goodmem_spaces WHERE space_id = ?", arguments: [id]) != nil
        }
    }

    // MARK: GoodMem memories

    /// Stores `memories` in one transaction, in order: a memory id already held (or earlier in the same call) is
    /// a duplicate; a space that does not exist stores nothing for that item.
    func goodmemCreate(_ memories: [GoodMemNewMemory], at time: Int64) async throws -> [GoodMemCreateOutcome] {
        try await writer.write { db in
            let insert = try db.cachedStatement(
                sql: """
                    INSERT INTO goodmem_memories
                        (memory_id, space_id, content, content_type, metadata, document_id, created_at, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(memory_id) DO NOTHING
                    """)
            let spaceQuery = try db.cachedStatement(sql: "SELECT 1 FROM goodmem_spaces WHERE space_id = ?")
            var spaces: [String: Bool] = [:]
            var outcomes: [GoodMemCreateOutcome] = []
            outcomes.reserveCapacity(memories.count)
            for memory in memories {
                let known: Bool
                if let cached = spaces[memory.spaceID] {
                    known = cached
                } else {
                    known = try Bool.fetchOne(spaceQuery, arguments: [memory.spaceID]) != nil
                    spaces[memory.spaceID] = known
                }
                guard known else {
                    outcomes.append(.unknownSpace)
                    continue
                }
                try insert.execute(arguments: [
                    memory.memoryID, memory.spaceID, memory.content.databaseValue, memory.contentType,
                    memory.metadataJSON, memory.documentID, time, time,
                ])
                if db.changesCount > 0 {
                    outcomes.append(.created(GoodMemMemory(memory, seq: db.lastInsertedRowID, at: time)))
                } else {
                    outcomes.append(.duplicate)
                }
            }
            return outcomes
        }
    }

    /// The memories among `ids`, by id.
    func goodmemMemories(ids: [String]) async throws -> [String: GoodMemMemory] {
        try await writer.read { db in
            let query = try db.cachedStatement(sql: "SELECT * FROM goodmem_memories WHERE memory_id = ?")
            var found: [String: GoodMemMemory] = [:]
            for id in Set(ids) {
                if let row = try Row.fetchOne(query, arguments: [id]) {
                    found[id] = GoodMemMemory(row: row)
                }
            }
            return found
        }
    }

    /// One page of a space's memories after `seq`, in creation order; `limit + 1` rows tell whether more exist.
    func goodmemList(
        space: String, after seq: Int64, limit: Int, status: String?, window: GoodMemStatusWindow
    ) async throws -> [GoodMemMemory] {
        var sql = "SELECT * FROM goodmem_memories WHERE space_id = ? AND seq > ?"
        var arguments: StatementArguments = [space, seq]
        switch status {
        case "PENDING":
            sql += " AND created_at > ? AND created_at > ?"
            arguments += [window.processingBefore, window.completedBefore]
        case "PROCESSING":
            sql += " AND created_at <= ? AND created_at > ?"
            arguments += [window.processingBefore, window.completedBefore]
        case "COMPLETED":
            sql += " AND created_at <= ?"
            arguments += [window.completedBefore]
        case nil:
            break
        default:
            // FAILED, or anything else: the sandbox never fails processing.
            return []
        }
        sql += " ORDER BY seq LIMIT ?"
        arguments += [limit]
        let query = sql
        let queryArguments = arguments
        return try await writer.read { db in
            try Row.fetchAll(db, sql: query, arguments: queryArguments).map(GoodMemMemory.init(row:))
        }
    }

    @discardableResult
    func goodmemDelete(id: String) async throws -> Bool {
        try await writer.write { db in
            try db.execute(sql: "DELETE FROM goodmem_memories WHERE memory_id = ?", arguments: [id])
            return db.changesCount > 0
        }
    }

    func goodmemRecords() async throws -> [SandboxMemoryRecord] {
        try await records(table: "goodmem_memories")
    }
}
