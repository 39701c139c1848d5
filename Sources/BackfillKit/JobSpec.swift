import Foundation

/// What a job was started with, kept in its ledger so `resume` and `retry` can run it again. Never holds a key.
public struct JobSpec: Codable, Sendable, Hashable {
    public var inputs: [String]
    /// The folder the inputs are relative to.
    public var workingDirectory: String
    public var target: String
    public var baseURL: String?
    public var routes: String
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
    public var spaceID: String?
    public var spaceName: String?
    public var createSpace: Bool?
    public var caCert: String?
    public var insecureLocalhost: Bool?
    public var workspaceID: String?
    /// Budget flag → value (`--max-depth` → `64`).
    public var budgets: [String: String]?

    enum CodingKeys: String, CodingKey {
        case inputs, target, routes, out, mode, adaptive, concurrency
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
        case spaceID = "space_id"
        case spaceName = "space_name"
        case createSpace = "create_space"
        case caCert = "ca_cert"
        case insecureLocalhost = "insecure_localhost"
        case workspaceID = "workspace_id"
        case budgets
    }

    public init(_ options: ImportOptions) {
        inputs = options.inputs
        workingDirectory = FileManager.default.currentDirectoryPath
        target = options.target.rawValue
        baseURL = options.baseURL
        routes = options.routes.rawValue
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
        spaceID = options.spaceID
        spaceName = options.spaceName
        createSpace = options.createSpace
        caCert = options.tls.caCertificatePath
        insecureLocalhost = options.tls.insecureLocalhost
        workspaceID = options.workspaceID
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
        options.target = TargetKind(rawValue: target) ?? .sandbox
        options.baseURL = baseURL
        options.routes = SynapRoutes(rawValue: routes) ?? .sdk
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
        options.spaceID = spaceID
        options.spaceName = spaceName
        options.createSpace = createSpace ?? false
        options.tls = TLSOptions(caCertificatePath: caCert, insecureLocalhost: insecureLocalhost ?? false)
        options.workspaceID = workspaceID
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
