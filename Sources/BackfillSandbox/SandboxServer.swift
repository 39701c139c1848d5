import BackfillCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local stand-in for Synap: both route profiles, SQLite storage, status progression and fault injection.
/// The rehearsal target of `backfill sandbox` and the HTTP peer of end-to-end tests.
///
/// It also speaks GoodMem's contract under `/goodmem/v1/…` (client base URL `http://HOST:PORT/goodmem`) and
/// Mielto's under `/mielto/api/v1/…` (client base URL `http://HOST:PORT/mielto/api/v1`), each with its own
/// fault injector built from the same `faults` and its own tables in the same store.
public final class SandboxServer: Sendable {
    public let configuration: SandboxConfiguration
    private let logger: Logger
    private let store: SandboxStore
    private let injector: SandboxFaultInjector
    private let goodmemInjector: SandboxFaultInjector
    private let mieltoInjector: SandboxFaultInjector
    private let mieltoCredits: SandboxCreditMeter

    /// Opens (or creates) the store; nothing listens until `withRunning` or `run`.
    public init(configuration: SandboxConfiguration, logger: Logger) throws {
        guard configuration.maxBatchDocuments > 0, configuration.maxDocumentBytes > 0 else {
            throw SandboxError(
                code: "invalid_configuration", message: "maxBatchDocuments and maxDocumentBytes must be positive")
        }
        if let limit = configuration.mielto.creditLimitAfter, limit < 0 {
            throw SandboxError(
                code: "invalid_configuration", message: "mielto.creditLimitAfter must not be negative")
        }
        guard (0...65535).contains(configuration.port) else {
            throw SandboxError(code: "invalid_configuration", message: "port \(configuration.port) is not 0–65535")
        }
        self.configuration = configuration
        self.logger = logger
        store = try SandboxStore(
            path: configuration.storePath, duplicates: configuration.duplicates,
            received: SandboxRequestLog(maxBodies: configuration.recordedRequests))
        injector = SandboxFaultInjector(faults: configuration.faults)
        goodmemInjector = SandboxFaultInjector(faults: configuration.faults)
        mieltoInjector = SandboxFaultInjector(faults: configuration.faults)
        mieltoCredits = SandboxCreditMeter(limit: configuration.mielto.creditLimitAfter)
    }

    /// Starts the server, waits until it listens, runs `body` with the bound port, then shuts down gracefully.
    public func withRunning<T: Sendable>(_ body: @Sendable (Int) async throws -> T) async throws -> T {
        let (ports, portContinuation) = AsyncStream.makeStream(of: Int.self, bufferingPolicy: .bufferingNewest(1))
        let application = makeApplication { port in portContinuation.yield(port) }
        let group = ServiceGroup(
            configuration: .init(services: [application], gracefulShutdownSignals: [], logger: logger))
        return try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask {
                defer { portContinuation.finish() }
                try await group.run()
            }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else {
                // The server stopped before listening: surface its error.
                try await tasks.waitForAll()
                throw SandboxError(code: "not_listening", message: "the sandbox stopped before it was listening")
            }
            let result: Result<T, any Error>
            do {
                result = .success(try await body(port))
            } catch {
                result = .failure(error)
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return try result.get()
        }
    }

    /// Runs until SIGINT or SIGTERM; calls `onListening` with the bound port once.
    public func run(onListening: @escaping @Sendable (Int) async -> Void) async throws {
        let application = makeApplication(onListening: onListening)
        let group = ServiceGroup(
            configuration: .init(
                services: [application], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Stored documents (what `GET /_sandbox/documents` lists), sorted by document id.
    public func documents() async throws -> [SandboxDocumentRecord] {
        try await store.documents()
    }

    /// The request JSON stored for a document id (canonical `CreateMemoryRequest` encoding), nil when absent.
    public func storedRequest(documentID: String) async throws -> CreateMemoryRequest? {
        guard let json = try await store.request(documentID: documentID) else { return nil }
        return try JSONDecoder().decode(CreateMemoryRequest.self, from: Data(json.utf8))
    }

    /// The counters of `GET /_sandbox/stats` (Synap's routes).
    public func stats() async throws -> SandboxStats {
        Self.stats(injector, documents: try await store.count())
    }

    /// GoodMem's counters (its routes have their own fault injector); `documents` counts its memories.
    public func goodmemStats() async throws -> SandboxStats {
        Self.stats(goodmemInjector, documents: try await goodmemMemories().count)
    }

    /// Mielto's counters (its routes have their own fault injector); `documents` counts its memories.
    public func mieltoStats() async throws -> SandboxStats {
        Self.stats(mieltoInjector, documents: try await mieltoMemories().count)
    }

    static func stats(_ injector: SandboxFaultInjector, documents: Int) -> SandboxStats {
        let counters = injector.counters()
        return SandboxStats(
            requests: counters.requests, rateLimited: counters.rateLimited, faults: counters.faults,
            documents: documents, acceptedThenFailed: counters.acceptedThenFailed)
    }

    /// Deletes every stored document (counters are kept).
    public func clearDocuments() async throws {
        try await store.clear()
    }

    /// Stored GoodMem memories (what `GET /_sandbox/goodmem/memories` lists), in creation order.
    public func goodmemMemories() async throws -> [SandboxMemoryRecord] {
        try await store.goodmemRecords()
    }

    /// Stored Mielto memories (what `GET /_sandbox/mielto/memories` lists), in creation order.
    public func mieltoMemories() async throws -> [SandboxMemoryRecord] {
        try await store.mieltoRecords()
    }

    /// Creates a GoodMem space straight in the store (no auth, no faults), for rehearsals and tests that need one
    /// to exist before the client runs; false when the id or the name is taken.
    @discardableResult
    public func createGoodMemSpace(id: String, name: String) async throws -> Bool {
        let millis = Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
        let space = GoodMemSpace(
            spaceID: id.lowercased(), name: name, createdAt: millis,
            embedders: [["embedderId": .string(SandboxGoodMemRoutes.embedderID), "defaultRetrievalWeight": 1]])
        if case .created = try await store.goodmemCreateSpace(space) { return true }
        return false
    }

    /// Deletes a GoodMem memory behind the client's back; false when it was not there.
    @discardableResult
    public func deleteGoodMemMemory(id: String) async throws -> Bool {
        try await store.goodmemDelete(id: id.lowercased())
    }

    /// Deletes a Mielto memory behind the client's back; false when it was not there.
    @discardableResult
    public func deleteMieltoMemory(id: String) async throws -> Bool {
        try await store.mieltoDelete(id: id)
    }

    private func makeApplication(
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let routes = SandboxRoutes(configuration: configuration, store: store, injector: injector, logger: logger)
        let router = routes.build()
        SandboxGoodMemRoutes(configuration: configuration, store: store, injector: goodmemInjector, logger: logger)
            .add(to: router)
        SandboxMieltoRoutes(
            configuration: configuration, store: store, injector: mieltoInjector, credits: mieltoCredits,
            logger: logger
        ).add(to: router)
        store.received.add(to: router)
        let fallbackPort = configuration.port
        return Application(
            router: router,
            configuration: .init(
                address: .hostname(configuration.host, port: configuration.port), serverName: "backfill-sandbox"),
            onServerRunning: { channel in
                await onListening(channel.localAddress?.port ?? fallbackPort)
            },
            logger: logger)
    }
}
