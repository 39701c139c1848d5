import BackfillCore
import BackfillPipeline
import BackfillSandbox
import BackfillSynapTarget
import BackfillTargetKit
import BackfillTargets
import Foundation
import Logging

extension TargetKind {
    /// The embedded Synap-compatible sandbox on a loopback port (the default: nothing leaves the machine).
    public static let sandbox = TargetKind("sandbox")
}

/// The default target: Backfill's embedded Synap-compatible server on a loopback port, storing beside the job's
/// ledger, spoken to with the Synap client. Nothing leaves the machine.
public struct SandboxTargetDescriptor: TargetDescriptor {
    /// The contracts the embedded server serves (the client speaks to Synap's).
    public let sandbox: SandboxRegistry

    public init(sandbox: SandboxRegistry = SandboxRegistry([SynapSandbox()])) { self.sandbox = sandbox }

    public var kind: TargetKind { .sandbox }
    public var summary: String { "the embedded Synap-compatible sandbox (the default; nothing leaves this machine)" }
    public var options: [TargetOption] { [SynapOptions.routes] }
    public var isDefault: Bool { true }

    public func identity(_ options: TargetRunOptions) -> String { "sandbox" }

    public func profile(_ options: TargetRunOptions) -> ValidationProfile {
        .synap(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
    }

    public func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
        throw ValidationError(message: "sandbox is not a remote target")
    }

    /// The embedded sandbox's store, beside the job's ledger.
    public static func storePath(ledgerPath: String) -> String {
        let folder = PathText.folder(of: ledgerPath)
        return (folder.isEmpty ? "." : folder) + "/sandbox.sqlite"
    }

    static func freshKey() -> String {
        "synap_sandbox_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
    }

    static func client(port: Int, key: String, routes: SynapRoutes, logger: Logger) throws -> SynapClient {
        var configuration = SynapClient.Configuration(baseURL: "http://127.0.0.1:\(port)", routes: routes, apiKey: key)
        configuration.displayName = "sandbox"
        return try SynapClient(configuration: configuration, logger: logger)
    }

    public func connect<T: Sendable>(
        _ options: TargetRunOptions, job: TargetJob, logger: Logger, notice: @Sendable (String) -> Void,
        _ body: @Sendable (TargetSession) async throws -> T
    ) async throws -> T {
        let store = Self.storePath(ledgerPath: job.ledgerPath)
        var configuration = SandboxConfiguration()
        configuration.storePath = store
        let key = Self.freshKey()
        configuration.apiKey = key
        configuration.maxDocumentBytes = max(options.maxDocumentBytes, configuration.maxDocumentBytes)
        let server = try SandboxServer(configuration: configuration, providers: sandbox.providers, logger: logger)
        let routes = options.settings.routes
        return try await server.withRunning { port in
            let base = "http://127.0.0.1:\(port)"
            notice(
                "target: sandbox (the default) — Backfill's embedded Synap-compatible server at \(base), storing in \(store); nothing leaves this machine. Use --target synap to send to Synap."
            )
            let client = try Self.client(port: port, key: key, routes: routes, logger: logger)
            let report = RunReport.TargetInfo(
                name: "sandbox", endpoint: "\(base) (routes: \(routes.rawValue)), store \(store)", isDefault: true)
            return try await body(SynapOptions.session(client, report: report, logger: logger))
        }
    }

    /// The job's embedded sandbox runs again on its store and is asked over HTTP, like Synap; documents the ledger
    /// holds as duplicate (no ingestion id) are found by their document id in the store.
    public func verify(_ request: VerifyRequest, report: inout VerifyReport) async throws {
        var configuration = SandboxConfiguration()
        configuration.storePath = Self.storePath(ledgerPath: request.ledgerPath)
        let key = Self.freshKey()
        configuration.apiKey = key
        let server = try SandboxServer(
            configuration: configuration, providers: sandbox.providers, logger: request.logger)
        let stored = Dictionary(
            try await server.documents().map { ($0.documentID, $0.ingestionID) }, uniquingKeysWith: { a, _ in a })
        let routes = request.options.settings.routes
        report = try await server.withRunning { [report] port in
            let client = try Self.client(port: port, key: key, routes: routes, logger: request.logger)
            var report = report
            try await SynapVerification.run(request, client: client, report: &report, lookup: { stored[$0] })
            return report
        }
    }
}
