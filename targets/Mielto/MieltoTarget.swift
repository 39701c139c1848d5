import BackfillCore
import BackfillTargetKit
import BackfillTargets
import Foundation
import Logging

extension TargetKind {
    /// Hosted Mielto (`POST /memories`, one per document, no client ids: guarded by the ledger and listing).
    public static let mielto = TargetKind("mielto")
}

extension TargetSettings {
    /// Mielto: the `X-Workspace-Id` header (`--workspace-id`).
    public var workspaceID: String? {
        get { string("workspace_id") }
        set { setString("workspace_id", newValue) }
    }
}

extension ValidationProfile {
    /// Mielto: `user_id` is required; no created-at field (it travels in metadata).
    public static func mielto(typeMap: TypeMap = .standard, maxDocumentBytes: Int = defaultMaxDocumentBytes)
        -> ValidationProfile
    {
        ValidationProfile(
            target: "mielto", acceptedTypes: Set(DocumentType.accepted + DocumentType.comingSoon), comingSoonTypes: [],
            typeMap: typeMap, maxDocumentBytes: maxDocumentBytes, requiresUserID: true)
    }
}

/// Mielto: one `POST /memories` per document; the target cannot refuse a repeated document, so a send with an
/// unknown outcome is reconciled against the listing before it is sent again; `verify` reads the listing.
public struct MieltoTargetDescriptor: TargetDescriptor {
    public init() {}

    public var kind: TargetKind { .mielto }
    public var summary: String { "hosted Mielto (MIELTO_API_KEY; --workspace-id)" }
    public var options: [TargetOption] {
        [TargetOption(flag: "workspace-id", key: "workspace_id", help: "Mielto workspace (X-Workspace-Id).")]
    }

    public func identity(_ options: TargetRunOptions) -> String {
        "mielto \(options.baseURL ?? "https://api.mielto.com/api/v1") workspace \(options.settings.workspaceID ?? "-")"
    }

    public func profile(_ options: TargetRunOptions) -> ValidationProfile {
        .mielto(typeMap: options.typeMap, maxDocumentBytes: options.maxDocumentBytes)
    }

    /// One `POST /memories` per document.
    public func documentsPerRequest(_ options: TargetRunOptions) -> Int { 1 }

    public func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget {
        var configuration = MieltoClient.Configuration(apiKey: try options.apiKey("MIELTO_API_KEY", hint: "Mielto"))
        if let base = options.baseURL { configuration.baseURL = base }
        configuration.workspaceID = options.settings.workspaceID
        return try MieltoClient(configuration: configuration, logger: logger)
    }
}
