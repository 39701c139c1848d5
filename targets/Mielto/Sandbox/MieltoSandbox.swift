import BackfillSandbox
import Foundation
import GRDB
import Hummingbird

/// Mielto's contract in the sandbox, under `/mielto/api/v1/…` (client base URL `http://HOST:PORT/mielto/api/v1`):
/// memories, their table, the credit limit, and the admin listing `/_sandbox/mielto/memories`.
public struct MieltoSandbox: SandboxRoutesProvider {
    public init() {}

    public var name: String { "mielto" }

    public func validate(_ configuration: SandboxConfiguration) throws {
        if let limit = configuration.mielto.creditLimitAfter, limit < 0 {
            throw SandboxError(
                code: "invalid_configuration", message: "mielto.creditLimitAfter must not be negative")
        }
    }

    public func registerMigrations(_ migrator: inout DatabaseMigrator) {
        SandboxStore.registerMieltoMigrations(&migrator)
    }

    public func makePart(_ services: SandboxServices) -> Part {
        Part(
            routes: SandboxMieltoRoutes(
                configuration: services.configuration, store: services.store, injector: services.makeInjector(),
                credits: SandboxCreditMeter(limit: services.configuration.mielto.creditLimitAfter),
                logger: services.logger))
    }

    /// Mielto's routes and state on one server.
    public struct Part: SandboxPart {
        let routes: SandboxMieltoRoutes

        public func add(to router: Router<SandboxRequestContext>) { routes.add(to: router) }

        /// Its fault injector's counters; `documents` counts its memories.
        public func stats() async throws -> SandboxStats {
            SandboxServer.stats(routes.injector, documents: try await routes.store.mieltoRecords().count)
        }
    }
}

extension SandboxServer {
    /// Mielto's counters (its routes have their own fault injector); `documents` counts its memories.
    public func mieltoStats() async throws -> SandboxStats {
        try await part(MieltoSandbox.Part.self).stats()
    }

    /// Stored Mielto memories (what `GET /_sandbox/mielto/memories` lists), in creation order.
    public func mieltoMemories() async throws -> [SandboxMemoryRecord] {
        try await part(MieltoSandbox.Part.self).routes.store.mieltoRecords()
    }

    /// Deletes a Mielto memory behind the client's back; false when it was not there.
    @discardableResult
    public func deleteMieltoMemory(id: String) async throws -> Bool {
        try await part(MieltoSandbox.Part.self).routes.store.mieltoDelete(id: id)
    }
}
