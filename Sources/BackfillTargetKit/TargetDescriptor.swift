import BackfillCore
import BackfillLedger
import BackfillPipeline
import BackfillTargets
import Foundation
import Logging

/// A destination's name, as `--target` takes it and a job's spec records it. Each target declares its own
/// (`extension TargetKind { public static let … }` in its folder under `targets/`).
public struct TargetKind: Hashable, Sendable, CustomStringConvertible {
    public let rawValue: String

    public init(_ name: String) { rawValue = name }

    public var description: String { rawValue }
}

/// Target-specific settings (a space, a workspace, a route set), keyed by the name a job's
/// spec records them under. Each target adds typed accessors in its own folder; the values travel untyped so the
/// pipeline, the job spec and the CLI need not know any target.
public struct TargetSettings: Sendable, Hashable {
    public var values: [String: JSONValue] = [:]

    public init(values: [String: JSONValue] = [:]) { self.values = values }

    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set { values[key] = newValue }
    }

    /// A string setting (nil when unset).
    public func string(_ key: String) -> String? { values[key]?.stringValue }

    public mutating func setString(_ key: String, _ value: String?) { values[key] = value.map(JSONValue.string) }

    /// A boolean setting (false when unset).
    public func flag(_ key: String) -> Bool {
        if case .bool(let value) = values[key] { return value }
        return false
    }

    public mutating func setFlag(_ key: String, _ value: Bool) { values[key] = .bool(value) }
}

/// What a target reads of one run's options: the general ones and its own ``TargetSettings``.
public struct TargetRunOptions: Sendable {
    public var baseURL: String?
    public var out: String?
    /// Documents per batch the user asked for (≤ 100).
    public var batchSize = 100
    public var typeMap: TypeMap = .standard
    public var maxDocumentBytes = ValidationProfile.defaultMaxDocumentBytes
    /// TLS for self-signed servers (`--ca-cert`, `--insecure-localhost`).
    public var tls = TLSOptions()
    /// The environment to read API keys from.
    public var environment: [String: String] = [:]
    public var settings = TargetSettings()
    /// The file `--out` names, opened by a target that writes one in ``TargetDescriptor/checkUsage(_:)`` (before
    /// any job is created, so a path that cannot be written is a usage error).
    public var output: OutputFile?

    public init() {}

    /// The API key in `name`, or a usage error naming it (`hint`: which key, for people).
    public func apiKey(_ name: String, hint: String) throws -> String {
        guard let key = environment[name], !key.isEmpty else {
            throw ValidationError(message: "\(name) is not set: export your \(hint) API key and run again")
        }
        return key
    }
}

/// One target-specific CLI option, as data the CLI reads (`--space-id ID`, `--create-space`).
public struct TargetOption: Sendable, Hashable {
    /// The flag without dashes (`space-id`).
    public var flag: String
    /// The ``TargetSettings`` key and the job spec's field (`space_id`).
    public var key: String
    public var help: String
    /// A flag takes no value (a boolean, false unless given).
    public var isFlag: Bool
    /// The value when not given, recorded in a job's spec (nil: not recorded).
    public var defaultValue: JSONValue?
    /// The values the option accepts (empty: any).
    public var choices: [String]

    public init(
        flag: String, key: String, help: String, isFlag: Bool = false, defaultValue: JSONValue? = nil,
        choices: [String] = []
    ) {
        self.flag = flag
        self.key = key
        self.help = help
        self.isFlag = isFlag
        self.defaultValue = defaultValue
        self.choices = choices
    }
}

/// A job's ledger, for targets that keep state beside it (the embedded sandbox's store, an output file's resume).
public struct TargetJob: Sendable {
    public var ledgerPath: String
    public var ledger: Ledger

    public init(ledgerPath: String, ledger: Ledger) {
        self.ledgerPath = ledgerPath
        self.ledger = ledger
    }
}

/// A connected target, ready for the pipeline.
public struct TargetSession: Sendable {
    public var client: any UploadTarget
    /// How the run's report names it.
    public var report: RunReport.TargetInfo
    /// Runs before the first input is read: may adjust the pipeline (the account's isolation; one
    /// batch at a time). An ``UploadError`` of kind `.stop` ends the run with exit 4 before anything is read.
    public var prepare: @Sendable (inout PipelineConfiguration) async throws -> Void

    public init(
        client: any UploadTarget, report: RunReport.TargetInfo,
        prepare: @escaping @Sendable (inout PipelineConfiguration) async throws -> Void = { _ in }
    ) {
        self.client = client
        self.report = report
        self.prepare = prepare
    }
}

/// One destination: everything the rest of Backfill knows of it. Adding a target is a folder under `targets/`
/// with a type conforming to this, and one line in the registry (`TargetRegistry.standard`).
public protocol TargetDescriptor: Sendable {
    var kind: TargetKind { get }
    /// One line for `--help` and `backfill targets`.
    var summary: String { get }
    /// Its CLI options, beyond the general ones (`--base-url`, `--out`, `--batch-size`, …).
    var options: [TargetOption] { get }
    /// Whether this is the default target (the embedded sandbox).
    var isDefault: Bool { get }

    /// The target's identity as a job remembers it: kind and where (never a key).
    func identity(_ options: TargetRunOptions) -> String
    /// What the target accepts, checked locally before anything is sent.
    func profile(_ options: TargetRunOptions) -> ValidationProfile
    /// Documents one request carries at most (a plan counts requests with it; default: `--batch-size`, ≤ 100).
    func documentsPerRequest(_ options: TargetRunOptions) -> Int
    /// Usage mistakes found before any job or ledger is created (default: none); may open what the target
    /// writes to (``TargetRunOptions/output``).
    func checkUsage(_ options: inout TargetRunOptions) throws
    /// Whether the run's requests go to standard output (the report then goes to standard error).
    func writesToStandardOutput(_ options: TargetRunOptions) -> Bool
    /// Builds the client (the key comes from the environment).
    func makeClient(_ options: TargetRunOptions, logger: Logger) throws -> any UploadTarget
    /// Connects, announces the target through `notice`, and runs `body` with the session; the default builds the
    /// client with ``makeClient(_:logger:)``.
    func connect<T: Sendable>(
        _ options: TargetRunOptions, job: TargetJob, logger: Logger, notice: @Sendable (String) -> Void,
        _ body: @Sendable (TargetSession) async throws -> T
    ) async throws -> T
    /// Reads back what the ledger says was accepted; the default asks ``UploadTarget/verify(_:)`` page by page.
    func verify(_ request: VerifyRequest, report: inout VerifyReport) async throws
}

extension TargetDescriptor {
    public var options: [TargetOption] { [] }
    public var isDefault: Bool { false }

    public func checkUsage(_ options: inout TargetRunOptions) throws {}

    public func documentsPerRequest(_ options: TargetRunOptions) -> Int { min(100, max(1, options.batchSize)) }

    public func writesToStandardOutput(_ options: TargetRunOptions) -> Bool { false }

    public func connect<T: Sendable>(
        _ options: TargetRunOptions, job: TargetJob, logger: Logger, notice: @Sendable (String) -> Void,
        _ body: @Sendable (TargetSession) async throws -> T
    ) async throws -> T {
        let client = try makeClient(options, logger: logger)
        notice("target: \(client.name) at \(client.endpointDescription)")
        return try await body(
            TargetSession(
                client: client, report: .init(name: client.name, endpoint: client.endpointDescription, isDefault: false)
            ))
    }

    public func verify(_ request: VerifyRequest, report: inout VerifyReport) async throws {
        let client = try makeClient(request.options, logger: request.logger)
        do {
            try await VerifyRequest.readBack(request, client: client, report: &report)
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
        report.polls = 1
    }
}
