import GRDB
import Hummingbird
import Logging

/// One destination's contract in the sandbox: its routes, its tables and its settings, provided by the target's
/// own sandbox module (`targets/<Name>/Sandbox`) and composed by ``SandboxServer`` (as Hummingbird's route
/// collections are mounted by the application). The server gives each provider the shared machinery
/// (``SandboxServices``: the configuration, the store, the request log, a fault injector per target, the
/// logger); the provider makes a ``SandboxPart``, which holds its state and adds its routes.
public protocol SandboxRoutesProvider: Sendable {
    /// What the provider makes once per server.
    associatedtype Part: SandboxPart

    /// The contract's name, lower case: `GET /_sandbox/requests?target=<name>`.
    var name: String { get }

    /// What `backfill sandbox` says of this contract when it starts listening (nil: nothing).
    var banner: SandboxBanner? { get }

    /// Refuses a configuration this contract cannot serve (a ``SandboxError`` `invalid_configuration`).
    func validate(_ configuration: SandboxConfiguration) throws

    /// Registers the migrations of this contract's tables in the shared store (identifiers unique over all
    /// providers).
    func registerMigrations(_ migrator: inout DatabaseMigrator)

    /// The part serving this contract on one server.
    func makePart(_ services: SandboxServices) -> Part
}

extension SandboxRoutesProvider {
    public var banner: SandboxBanner? { nil }
    public func validate(_ configuration: SandboxConfiguration) throws {}
    public func registerMigrations(_ migrator: inout DatabaseMigrator) {}
}

/// A contract's routes and state on one server; reached with ``SandboxServer/part(_:)`` by its type.
public protocol SandboxPart: Sendable {
    /// Adds the contract's routes (its API and its `/_sandbox/…` admin routes).
    func add(to router: Router<SandboxRequestContext>)

    /// The contract's counters (its fault injector's, and what it stores).
    func stats() async throws -> SandboxStats

    /// The array a recorded batch body carries its items in (`GET /_sandbox/requests`); nil for single creates.
    func batchItemsKey(route: String) -> String?
}

extension SandboxPart {
    public func batchItemsKey(route: String) -> String? { nil }
}

/// What `backfill sandbox` prints for one contract when it listens.
public struct SandboxBanner: Sendable {
    /// Its routes (`routes /api/v1/memories/… (sdk)`).
    public var routes: String
    /// Which keys it accepts (`any bearer key starting with … is accepted`).
    public var keys: String

    public init(routes: String, keys: String) {
        self.routes = routes
        self.keys = keys
    }
}

/// The shared machinery a provider's part is built from.
public struct SandboxServices: Sendable {
    public let configuration: SandboxConfiguration
    /// The shared SQLite store (each provider's tables) and the request log.
    package let store: SandboxStore
    public let logger: Logger

    /// The write bodies as received (`GET /_sandbox/requests`).
    package var received: SandboxRequestLog { store.received }

    /// A fault injector of the configuration's faults, for one contract's routes (each has its own).
    package func makeInjector() -> SandboxFaultInjector {
        SandboxFaultInjector(faults: configuration.faults)
    }
}

/// The contracts a server serves, in order (the first is the default one).
public struct SandboxRegistry: Sendable {
    public private(set) var providers: [any SandboxRoutesProvider]

    public init(_ providers: [any SandboxRoutesProvider]) { self.providers = providers }

    /// This registry with `provider` added (replacing one of the same name).
    public func adding(_ provider: any SandboxRoutesProvider) -> SandboxRegistry {
        SandboxRegistry(providers.filter { $0.name != provider.name } + [provider])
    }

    /// Every provider's name, in order.
    public var names: [String] { providers.map(\.name) }
}
