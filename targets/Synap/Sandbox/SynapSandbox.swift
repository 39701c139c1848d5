import BackfillCore
import BackfillSandbox
import Foundation
import GRDB
import Hummingbird

/// Synap's contract in the sandbox: both route profiles (`/api/v1/…` the SDK's, `/v1/…` the documented ones),
/// the `documents` table, and the admin routes `/_sandbox/documents` and `/_sandbox/stats`.
public struct SynapSandbox: SandboxRoutesProvider {
    public init() {}

    public var name: String { "synap" }

    public var banner: SandboxBanner? {
        SandboxBanner(
            routes: "routes /api/v1/memories/… (sdk) and /v1/memories/… (documented); admin GET /_sandbox/documents",
            keys: "any bearer key starting with synap_ is accepted")
    }

    public func registerMigrations(_ migrator: inout DatabaseMigrator) {
        SandboxStore.registerSynapMigrations(&migrator)
    }

    public func makePart(_ services: SandboxServices) -> Part {
        Part(
            routes: SandboxRoutes(
                configuration: services.configuration, store: services.store, injector: services.makeInjector(),
                logger: services.logger))
    }

    /// Synap's routes and state on one server.
    public struct Part: SandboxPart {
        let routes: SandboxRoutes

        public func add(to router: Router<SandboxRequestContext>) { routes.add(to: router) }

        /// The counters of `GET /_sandbox/stats`.
        public func stats() async throws -> SandboxStats {
            SandboxServer.stats(routes.injector, documents: try await routes.store.count())
        }

        public func batchItemsKey(route: String) -> String? {
            route.hasSuffix("/memories/batch") ? "documents" : nil
        }
    }
}

extension SandboxServer {
    /// Stored documents (what `GET /_sandbox/documents` lists), sorted by document id.
    public func documents() async throws -> [SandboxDocumentRecord] {
        try await part(SynapSandbox.Part.self).routes.store.documents()
    }

    /// The request JSON stored for a document id (canonical `CreateMemoryRequest` encoding), nil when absent.
    public func storedRequest(documentID: String) async throws -> CreateMemoryRequest? {
        guard let json = try await part(SynapSandbox.Part.self).routes.store.request(documentID: documentID) else {
            return nil
        }
        return try JSONDecoder().decode(CreateMemoryRequest.self, from: Data(json.utf8))
    }

    /// The counters of `GET /_sandbox/stats` (Synap's routes).
    public func stats() async throws -> SandboxStats {
        try await part(SynapSandbox.Part.self).stats()
    }

    /// Deletes every stored Synap document (counters are kept).
    public func clearDocuments() async throws {
        try await part(SynapSandbox.Part.self).routes.store.clear()
    }
}
