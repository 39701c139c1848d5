import BackfillCore
import BackfillPipeline
import BackfillTargetKit
import BackfillTargets
import Foundation
import Logging

extension TargetKind {
    /// Synap (`--target synap`).
    public static let synap = TargetKind("synap")
}

extension TargetSettings {
    /// Synap's route set (`--routes sdk|documented`).
    public var routes: SynapRoutes {
        get { string("routes").flatMap(SynapRoutes.init(rawValue:)) ?? .sdk }
        set { setString("routes", newValue.rawValue) }
    }
}

extension TypeMap {
    /// Synap's default type map (the standard one): its coming-soon types mapped to accepted ones.
    public static var synapDefault: TypeMap { .standard }
}

extension ValidationProfile {
    /// Synap's contract (docs/API-CONTRACTS.md): `document_type` and `mode` are required on the wire, so requests
    /// without a mode get the official SDK's default, `long-range`, before validation (and the report counts them).
    public static func synap(typeMap: TypeMap = .standard, maxDocumentBytes: Int = defaultMaxDocumentBytes)
        -> ValidationProfile
    {
        var profile = ValidationProfile(
            target: "synap", acceptedTypes: Set(DocumentType.accepted), comingSoonTypes: Set(DocumentType.comingSoon),
            typeMap: typeMap, maxDocumentBytes: maxDocumentBytes)
        profile.defaultMode = .longRange
        return profile
    }
}

/// The options Synap and the embedded sandbox share.
package enum SynapOptions {
    package static let routes = TargetOption(
        flag: "routes", key: "routes",
        help: "Synap route profile: sdk (/api/v1/memories/…, default) or documented (/v1/memories/…).",
        defaultValue: .string(SynapRoutes.sdk.rawValue), choices: SynapRoutes.allCases.map(\.rawValue))

    /// Asks whoami first (SDK routes): a refused key stops the run before anything is read, and the account's
    /// isolation mode lets validation catch B2C/B2B scope mistakes locally.
    package static func session(_ client: SynapClient, report: RunReport.TargetInfo, logger: Logger) -> TargetSession {
        TargetSession(client: client, report: report) { configuration in
            guard client.configuration.routes == .sdk else { return }
            do {
                configuration.profile.isolation = try await client.whoami().userContextIsolation
            } catch let error as UploadError where error.kind == .stop {
                throw error
            } catch {
                logger.warning("whoami failed; B2C/B2B scope is not checked locally", metadata: ["error": "\(error)"])
            }
        }
    }
}

/// Synap: `POST …/memories/batch` with client document ids (a repeated id is refused: exactly-once), the
/// ingestion status read back by `verify`.
public struct SynapTargetDescriptor: TargetDescriptor {
    public init() {}

    public var kind: TargetKind { .synap }
    public var summary: String { "Synap (SYNAP_API_KEY; --base-url or SYNAP_BASE_URL, --routes)" }
    public var options: [TargetOption] { [SynapOptions.routes] }

    func baseURL(_ options: TargetRunOptions) -> String {
        options.baseURL ?? options.environment["SYNAP_BASE_URL"] ?? options.settings.routes.defaultBaseURL
    }

    public func identity(_ options: TargetRunOptions) -> String { "synap \(baseURL(options))" }

    public func profile(_ options: TargetRunOptions) -> ValidationProfile {
        .synap(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
    }

    public func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
        try makeSynapClient(options, logger: logger)
    }

    func makeSynapClient(_ options: TargetRunOptions, logger: Logger) throws -> SynapClient {
        let base = baseURL(options)
        guard URL(string: base)?.scheme != nil else {
            throw ValidationError(message: "--base-url '\(base)' is not a URL (e.g. https://api.synap.maximem.ai)")
        }
        return try SynapClient(
            configuration: .init(
                baseURL: base, routes: options.settings.routes,
                apiKey: try options.apiKey("SYNAP_API_KEY", hint: "Synap (synap_…)")),
            logger: logger)
    }

    public func connect<T: Sendable>(
        _ options: TargetRunOptions, job: TargetJob, logger: Logger, notice: @Sendable (String) -> Void,
        _ body: @Sendable (TargetSession) async throws -> T
    ) async throws -> T {
        let client = try makeSynapClient(options, logger: logger)
        notice("target: \(client.name) at \(client.endpointDescription)")
        let report = RunReport.TargetInfo(name: client.name, endpoint: client.endpointDescription, isDefault: false)
        return try await body(SynapOptions.session(client, report: report, logger: logger))
    }

    public func verify(_ request: VerifyRequest, report: inout VerifyReport) async throws {
        let client = try makeSynapClient(request.options, logger: request.logger)
        try await SynapVerification.run(request, client: client, report: &report, lookup: { _ in nil })
    }
}
