import BackfillCore
import BackfillSandbox
import Foundation
import GRDB
import Hummingbird

/// GoodMem's contract in the sandbox, under `/goodmem/v1/…` (client base URL `http://HOST:PORT/goodmem`): spaces,
/// memories, their tables, and the admin listing `/_sandbox/goodmem/memories`.
public struct GoodMemSandbox: SandboxRoutesProvider {
    public init() {}

    public var name: String { "goodmem" }

    public func registerMigrations(_ migrator: inout DatabaseMigrator) {
        SandboxStore.registerGoodMemMigrations(&migrator)
    }

    public func makePart(_ services: SandboxServices) -> Part {
        Part(
            routes: SandboxGoodMemRoutes(
                configuration: services.configuration, store: services.store, injector: services.makeInjector(),
                logger: services.logger))
    }

    /// GoodMem's routes and state on one server.
    public struct Part: SandboxPart {
        let routes: SandboxGoodMemRoutes

        public func add(to router: Router<SandboxRequestContext>) { routes.add(to: router) }

        /// Its fault injector's counters; `documents` counts its memories.
        public func stats() async throws -> SandboxStats {
            SandboxServer.stats(routes.injector, documents: try await routes.store.goodmemRecords().count)
        }

        public func batchItemsKey(route: String) -> String? {
            route.hasSuffix(":batchCreate") ? "requests" : nil
        }
    }
}

extension SandboxServer {
    private var goodmem: SandboxStore {
        get throws { try part(GoodMemSandbox.Part.self).routes.store }
    }

    /// GoodMem's counters (its routes have their own fault injector); `documents` counts its memories.
    public func goodmemStats() async throws -> SandboxStats {
        try await part(GoodMemSandbox.Part.self).stats()
    }

    /// Stored GoodMem memories (what `GET /_sandbox/goodmem/memories` lists), in creation order.
    public func goodmemMemories() async throws -> [SandboxMemoryRecord] {
        try await goodmem.goodmemRecords()
    }

    /// Creates a GoodMem space straight in the store (no auth, no faults), for rehearsals and tests that need one
    /// to exist before the client runs; false when the id or the name is taken.
    @discardableResult
    public func createGoodMemSpace(id: String, name: String) async throws -> Bool {
        let millis = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let space = GoodMemSpace(
            spaceID: id.lowercased(), name: name, createdAt: millis,
            embedders: [["embedderId": .string(SandboxGoodMemRoutes.embedderID), "defaultRetrievalWeight": 1]])
        if case .created = try await goodmem.goodmemCreateSpace(space) { return true }
        return false
    }

    /// Deletes a GoodMem memory behind the client's back; false when it was not there.
    @discardableResult
    public func deleteGoodMemMemory(id: String) async throws -> Bool {
        try await goodmem.goodmemDelete(id: id.lowercased())
    }
}
