import BackfillCore
import BackfillLedger
import BackfillTargetKit
import Foundation

/// What a job was started with, kept in its ledger so `resume` and `retry` can run it again. Never holds a key.
public struct JobSpec: Codable, Sendable, Hashable {
    public var inputs: [String]
    /// The folder the inputs are relative to.
    public var workingDirectory: String
    public var target: String
    public var baseURL: String?
    public var out: String?
    public var userID: String?
    public var customerID: String?
    public var mode: String?
    public var typeMap: [String: String]
    public var maxDocumentBytes: Int
    public var maxBatchBytes: Int
    public var batchSize: Int
    public var failFast: Bool
    public var maxAttempts: Int
    public var requestsPerSecond: Double?
    public var documentsPerSecond: Double?
    public var burstSeconds: Double
    public var adaptive: Bool
    public var concurrency: Int
    public var adapterOptions: [String: String]?
    public var identityMap: String?
    public var caCert: String?
    public var insecureLocalhost: Bool?
    /// Budget flag → value (`--max-depth` → `64`).
    public var budgets: [String: String]?
    /// The target's own settings (``TargetOption``s), recorded beside the other fields under their keys.
    public var targetSettings = TargetSettings()

    enum CodingKeys: String, CodingKey {
        case inputs, target, out, mode, adaptive, concurrency
        case workingDirectory = "working_directory"
        case baseURL = "base_url"
        case userID = "user_id"
        case customerID = "customer_id"
        case typeMap = "type_map"
        case maxDocumentBytes = "max_document_bytes"
        case maxBatchBytes = "max_batch_bytes"
        case batchSize = "batch_size"
        case failFast = "fail_fast"
        case maxAttempts = "max_attempts"
        case requestsPerSecond = "rate"
        case documentsPerSecond = "doc_rate"
        case burstSeconds = "burst"
        case adapterOptions = "adapter_options"
        case identityMap = "identity_map"
        case caCert = "ca_cert"
        case insecureLocalhost = "insecure_localhost"
        case budgets
    }

    /// A target setting's key in the spec.
    struct SettingKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    /// Every target option the standard registry declares.
    static var settingOptions: [TargetOption] { TargetRegistry.standard.options }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        inputs = try container.decode([String].self, forKey: .inputs)
        workingDirectory = try container.decode(String.self, forKey: .workingDirectory)
        target = try container.decode(String.self, forKey: .target)
        baseURL = try container.decodeIfPresent(String.self, forKey: .baseURL)
        out = try container.decodeIfPresent(String.self, forKey: .out)
        userID = try container.decodeIfPresent(String.self, forKey: .userID)
        customerID = try container.decodeIfPresent(String.self, forKey: .customerID)
        mode = try container.decodeIfPresent(String.self, forKey: .mode)
        typeMap = try container.decode([String: String].self, forKey: .typeMap)
        maxDocumentBytes = try container.decode(Int.self, forKey: .maxDocumentBytes)
        maxBatchBytes = try container.decode(Int.self, forKey: .maxBatchBytes)
        batchSize = try container.decode(Int.self, forKey: .batchSize)
        failFast = try container.decode(Bool.self, forKey: .failFast)
        maxAttempts = try container.decode(Int.self, forKey: .maxAttempts)
        requestsPerSecond = try container.decodeIfPresent(Double.self, forKey: .requestsPerSecond)
        documentsPerSecond = try container.decodeIfPresent(Double.self, forKey: .documentsPerSecond)
        burstSeconds = try container.decode(Double.self, forKey: .burstSeconds)
        adaptive = try container.decode(Bool.self, forKey: .adaptive)
        concurrency = try container.decode(Int.self, forKey: .concurrency)
        adapterOptions = try container.decodeIfPresent([String: String].self, forKey: .adapterOptions)
        identityMap = try container.decodeIfPresent(String.self, forKey: .identityMap)
        caCert = try container.decodeIfPresent(String.self, forKey: .caCert)
        insecureLocalhost = try container.decodeIfPresent(Bool.self, forKey: .insecureLocalhost)
        budgets = try container.decodeIfPresent([String: String].self, forKey: .budgets)
        let settings = try decoder.container(keyedBy: SettingKey.self)
        for option in Self.settingOptions {
            let key = SettingKey(stringValue: option.key)
            if let value = try settings.decodeIfPresent(JSONValue.self, forKey: key), value != .null {
                targetSettings[option.key] = value
            }
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(inputs, forKey: .inputs)
        try container.encode(workingDirectory, forKey: .workingDirectory)
        try container.encode(target, forKey: .target)
        try container.encodeIfPresent(baseURL, forKey: .baseURL)
        try container.encodeIfPresent(out, forKey: .out)
        try container.encodeIfPresent(userID, forKey: .userID)
        try container.encodeIfPresent(customerID, forKey: .customerID)
        try container.encodeIfPresent(mode, forKey: .mode)
        try container.encode(typeMap, forKey: .typeMap)
        try container.encode(maxDocumentBytes, forKey: .maxDocumentBytes)
        try container.encode(maxBatchBytes, forKey: .maxBatchBytes)
        try container.encode(batchSize, forKey: .batchSize)
        try container.encode(failFast, forKey: .failFast)
        try container.encode(maxAttempts, forKey: .maxAttempts)
        try container.encodeIfPresent(requestsPerSecond, forKey: .requestsPerSecond)
        try container.encodeIfPresent(documentsPerSecond, forKey: .documentsPerSecond)
        try container.encode(burstSeconds, forKey: .burstSeconds)
        try container.encode(adaptive, forKey: .adaptive)
        try container.encode(concurrency, forKey: .concurrency)
        try container.encodeIfPresent(adapterOptions, forKey: .adapterOptions)
        try container.encodeIfPresent(identityMap, forKey: .identityMap)
        try container.encodeIfPresent(caCert, forKey: .caCert)
        try container.encodeIfPresent(insecureLocalhost, forKey: .insecureLocalhost)
        try container.encodeIfPresent(budgets, forKey: .budgets)
        var settings = encoder.container(keyedBy: SettingKey.self)
        for option in Self.settingOptions {
            if let value = targetSettings[option.key] ?? option.defaultValue {
                try settings.encode(value, forKey: SettingKey(stringValue: option.key))
            }
        }
    }

    public init(_ options: ImportOptions) {
        inputs = options.inputs
        workingDirectory = FileManager.default.currentDirectoryPath
        target = options.target.rawValue
        baseURL = options.baseURL
        out = options.out
        userID = options.userID
        customerID = options.customerID
        mode = options.mode?.rawValue
        typeMap = Dictionary(uniqueKeysWithValues: options.typeMap.mapping.map { ($0.key.rawValue, $0.value.rawValue) })
        maxDocumentBytes = options.maxDocumentBytes
        maxBatchBytes = options.maxBatchBytes
        batchSize = options.batchSize
        failFast = options.failFast
        maxAttempts = options.maxAttempts
        requestsPerSecond = options.rate.requestsPerSecond
        documentsPerSecond = options.rate.documentsPerSecond
        burstSeconds = options.rate.burst
        adaptive = options.rate.adaptive
        concurrency = options.concurrency
        adapterOptions = options.adapterOptions
        identityMap = options.identityMapPath
        targetSettings = options.targetSettings
        caCert = options.tls.caCertificatePath
        insecureLocalhost = options.tls.insecureLocalhost
        budgets = options.budgets.flagValues
    }

    public func json() -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The options to run this job again (the environment supplies the key).
    public func options(job: String, ledger: String?) -> ImportOptions {
        var options = ImportOptions(inputs: inputs)
        options.job = job
        options.ledger = ledger
        options.target = TargetKind(rawValue: target) ?? TargetRegistry.standard.defaultKind
        options.baseURL = baseURL
        options.out = out
        options.userID = userID
        options.customerID = customerID
        options.mode = mode.map { Mode(rawValue: $0) }
        options.typeMap = TypeMap(Dictionary(uniqueKeysWithValues: typeMap.map { (DocumentType($0.key), DocumentType($0.value)) }))
        options.maxDocumentBytes = maxDocumentBytes
        options.maxBatchBytes = maxBatchBytes
        options.batchSize = batchSize
        options.failFast = failFast
        options.maxAttempts = maxAttempts
        options.rate = RateLimitConfiguration(
            requestsPerSecond: requestsPerSecond, documentsPerSecond: documentsPerSecond, burst: burstSeconds,
            adaptive: adaptive)
        options.concurrency = concurrency
        options.adapterOptions = adapterOptions ?? [:]
        options.identityMapPath = identityMap
        for (flag, value) in budgets ?? [:] {
            if let budget = InputBudgets.Budget(rawValue: flag) { options.budgets.set(budget, value) }
        }
        options.targetSettings = targetSettings
        options.tls = TLSOptions(caCertificatePath: caCert, insecureLocalhost: insecureLocalhost ?? false)
        return options
    }

    /// The spec of an existing job named by its name, its ledger or both: without `job`, the name the ledger
    /// records. A name that is not the ledger's is a usage error.
    public static func load(job: String?, ledgerPath: String) throws -> (job: String, spec: JobSpec) {
        guard let job else {
            guard FileManager.default.fileExists(atPath: ledgerPath) else {
                throw ValidationError(message: "no ledger at \(ledgerPath); check --ledger (`backfill status` lists the jobs)")
            }
            let name = try Ledger(path: ledgerPath).jobValue("name")
            guard let name else {
                throw ValidationError(
                    message: "\(ledgerPath) records no job; run `backfill import` with its inputs (and --ledger) first")
            }
            return (name, try load(job: name, ledgerPath: ledgerPath))
        }
        let spec = try load(job: job, ledgerPath: ledgerPath)
        if let recorded = try Ledger(path: ledgerPath).jobValue("name"), recorded != job {
            throw ValidationError(
                message: "\(ledgerPath) is the ledger of job '\(recorded)', not '\(job)'; drop --job or name the right one")
        }
        return (job, spec)
    }

    /// The spec of an existing job.
    public static func load(job: String, ledgerPath: String) throws -> JobSpec {
        guard FileManager.default.fileExists(atPath: ledgerPath) else {
            throw ValidationError(
                message: "no job '\(job)' (no ledger at \(ledgerPath)); `backfill status` lists the jobs")
        }
        let ledger = try Ledger(path: ledgerPath)
        guard let text = try ledger.jobValue("spec"),
            let spec = try? JSONDecoder().decode(JobSpec.self, from: Data(text.utf8))
        else {
            throw ValidationError(message: "job '\(job)' has no recorded inputs; run `backfill import` with its inputs")
        }
        return spec
    }
}
