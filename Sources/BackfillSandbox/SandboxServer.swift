import BackfillCore
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// A local stand-in for the targets' services: the routes each ``SandboxRoutesProvider`` contributes, over one
/// SQLite store, each contract with its own fault injector built from the same `faults`. The rehearsal target
/// of `backfill sandbox` and the HTTP peer of end-to-end tests.
///
/// A target's conveniences (its stored records, its counters) are extensions in its own sandbox module,
/// reached through ``part(_:)`` by the part's type.
public final class SandboxServer: Sendable {
    public let configuration: SandboxConfiguration
    private let logger: Logger
    private let store: SandboxStore
    /// Each provider's name and part, in the registry's order.
    private let parts: [(name: String, part: any SandboxPart)]

    /// Opens (or creates) the store and makes each provider's part; nothing listens until `withRunning` or `run`.
    public init(
        configuration: SandboxConfiguration, providers: [any SandboxRoutesProvider], logger: Logger
    ) throws {
        guard configuration.maxBatchDocuments > 0, configuration.maxDocumentBytes > 0 else {
            throw SandboxError(
                code: "invalid_configuration", message: "maxBatchDocuments and maxDocumentBytes must be positive")
        }
        for provider in providers { try provider.validate(configuration) }
        guard (0...65535).contains(configuration.port) else {
            throw SandboxError(code: "invalid_configuration", message: "port \(configuration.port) is not 0–65535")
        }
        self.configuration = configuration
        self.logger = logger
        store = try SandboxStore(
            path: configuration.storePath, received: SandboxRequestLog(maxBodies: configuration.recordedRequests)
        ) { migrator in
            for provider in providers { provider.registerMigrations(&migrator) }
        }
        let services = SandboxServices(configuration: configuration, store: store, logger: logger)
        parts = providers.map { (name: $0.name, part: $0.makePart(services) as any SandboxPart) }
    }

    /// The part of type `Part` (a target's sandbox module reaches its own this way); an error when no provider
    /// of this server made one.
    public func part<Part: SandboxPart>(_ type: Part.Type) throws -> Part {
        for entry in parts {
            if let part = entry.part as? Part { return part }
        }
        throw SandboxError(code: "not_served", message: "this sandbox serves no \(Part.self)")
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

    /// The counters of `injector`, with `documents` stored.
    package static func stats(_ injector: SandboxFaultInjector, documents: Int) -> SandboxStats {
        let counters = injector.counters()
        return SandboxStats(
            requests: counters.requests, rateLimited: counters.rateLimited, faults: counters.faults,
            documents: documents, acceptedThenFailed: counters.acceptedThenFailed)
    }

    private func makeApplication(
        onListening: @escaping @Sendable (Int) async -> Void
    ) -> some ApplicationProtocol {
        let router = Router(context: SandboxRequestContext.self)
        for entry in parts { entry.part.add(to: router) }
        store.received.add(to: router, targets: parts)
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
