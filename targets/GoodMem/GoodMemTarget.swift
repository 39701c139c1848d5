import BackfillCore
import BackfillPipeline
import BackfillTargetKit
import BackfillTargets
import Foundation
import Logging

extension TargetKind {
    /// Self-hosted GoodMem (`POST /v1/memories:batchCreate`, UUIDv5 memory ids: exactly-once).
    public static let goodmem = TargetKind("goodmem")
}

extension TargetSettings {
    /// GoodMem: the space by id (`--space-id`).
    public var spaceID: String? {
        get { string("space_id") }
        set { setString("space_id", newValue) }
    }

    /// GoodMem: the space by name (`--space-name`).
    public var spaceName: String? {
        get { string("space_name") }
        set { setString("space_name", newValue) }
    }

    /// GoodMem: create the named space when it does not exist (`--create-space`).
    public var createSpace: Bool {
        get { flag("create_space") }
        set { setFlag("create_space", newValue) }
    }
}

extension ValidationProfile {
    /// GoodMem: stores any text; the document type only travels in metadata. Metadata over 50 properties is
    /// folded (not rejected).
    public static func goodmem(typeMap: TypeMap = .standard, maxDocumentBytes: Int = defaultMaxDocumentBytes)
        -> ValidationProfile
    {
        var profile = ValidationProfile(
            target: "goodmem", acceptedTypes: Set(DocumentType.accepted + DocumentType.comingSoon), comingSoonTypes: [],
            typeMap: typeMap, maxDocumentBytes: maxDocumentBytes)
        profile.maxMetadataProperties = 44  // 50 less the six Backfill always sends
        return profile
    }
}

/// GoodMem: batches of up to 100 with deterministic memory ids (a repeated id is refused: exactly-once); the space
/// is resolved (or created) before anything is read; `verify` reads back with `batchGet`.
public struct GoodMemTargetDescriptor: TargetDescriptor {
    public init() {}

    public var kind: TargetKind { .goodmem }
    public var summary: String { "self-hosted GoodMem (GOODMEM_API_KEY; --space-id or --space-name)" }
    public var options: [TargetOption] {
        [
            TargetOption(flag: "space-id", key: "space_id", help: "GoodMem space id."),
            TargetOption(
                flag: "space-name", key: "space_name",
                help: "GoodMem space name (resolved through GET /v1/spaces)."),
            TargetOption(
                flag: "create-space", key: "create_space",
                help: "GoodMem: create --space-name when it does not exist.",
                isFlag: true, defaultValue: .bool(false)),
        ]
    }

    public func identity(_ options: TargetRunOptions) -> String {
        let space = options.settings.spaceID ?? options.settings.spaceName ?? "-"
        return "goodmem \(options.baseURL ?? "http://localhost:8080") space \(space)"
    }

    public func profile(_ options: TargetRunOptions) -> ValidationProfile {
        .goodmem(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
    }

    public func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
        try makeGoodMemClient(options, logger: logger)
    }

    func makeGoodMemClient(_ options: TargetRunOptions, logger: Logger) throws -> GoodMemClient {
        var configuration = GoodMemClient.Configuration(
            apiKey: try options.apiKey("GOODMEM_API_KEY", hint: "GoodMem (gm_…)"))
        if let base = options.baseURL { configuration.baseURL = base }
        configuration.spaceID = options.settings.spaceID
        configuration.spaceName = options.settings.spaceName
        configuration.createSpace = options.settings.createSpace
        configuration.batchSize = min(100, max(1, options.batchSize))
        configuration.tls = options.tls
        guard configuration.spaceID != nil || configuration.spaceName != nil else {
            throw ValidationError(
                message: "--target goodmem needs --space-id ID or --space-name NAME (with --create-space to create it)")
        }
        return try GoodMemClient(configuration: configuration, logger: logger)
    }

    /// Resolves (or creates) the space before anything is read.
    public func connect<T: Sendable>(
        _ options: TargetRunOptions, job: TargetJob, logger: Logger, notice: @Sendable (String) -> Void,
        _ body: @Sendable (TargetSession) async throws -> T
    ) async throws -> T {
        let client = try makeGoodMemClient(options, logger: logger)
        notice("target: \(client.name) at \(client.endpointDescription)")
        let report = RunReport.TargetInfo(name: client.name, endpoint: client.endpointDescription, isDefault: false)
        return try await body(TargetSession(client: client, report: report) { _ in try await client.prepare() })
    }
}
