import AsyncHTTPClient
import BackfillCore
import BackfillTargets
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Synap's two route profiles (docs/API-CONTRACTS.md): the SDK's production wire contract and the documented REST.
public enum SynapRoutes: String, Sendable, CaseIterable {
    /// `/api/v1/memories/batch`, `/api/v1/memories/create`, `/api/v1/memories/status/{id}`, `/api/v1/auth/whoami`.
    case sdk
    /// `/v1/memories/batch`, `/v1/memories`, `/v1/memories/{id}/status`.
    case documented

    public var batchPath: String { self == .sdk ? "/api/v1/memories/batch" : "/v1/memories/batch" }
    public var createPath: String { self == .sdk ? "/api/v1/memories/create" : "/v1/memories" }
    public func statusPath(_ ingestionID: String) -> String {
        let id = ingestionID.addingPercentEncoding(withAllowedCharacters: .urlPathAllowed) ?? ingestionID
        return self == .sdk ? "/api/v1/memories/status/\(id)" : "/v1/memories/\(id)/status"
    }
    /// Only the SDK contract has whoami.
    public var whoamiPath: String { "/api/v1/auth/whoami" }

    /// The default base URL of each profile: the SDK's and the docs' hosts differ.
    public var defaultBaseURL: String {
        self == .sdk ? "https://synap-cloud-prod.maximem.ai" : "https://api.synap.maximem.ai"
    }
}

/// The ingestion status of one document.
public struct SynapStatus: Sendable, Codable, Hashable {
    public var ingestionID: String?
    public var documentID: String?
    public var status: String
    public var errorMessage: String?

    enum CodingKeys: String, CodingKey {
        case ingestionID = "ingestion_id"
        case documentID = "document_id"
        case status
        case errorMessage = "error_message"
    }
}

/// Who the key belongs to; `userContextIsolation` decides B2C vs B2B scoping.
public struct SynapWhoami: Sendable, Codable, Hashable {
    public var userContextIsolation: String?
    enum CodingKeys: String, CodingKey { case userContextIsolation = "user_context_isolation" }
}

/// Synap over HTTP (AsyncHTTPClient). The API key is held here and only ever put in the Authorization header.
public final class SynapClient: UploadTarget {
    public struct Configuration: Sendable {
        public var baseURL: String
        public var routes: SynapRoutes
        public var apiKey: String
        public var connectTimeout: TimeAmount = .seconds(5)
        public var readTimeout: TimeAmount = .seconds(30)
        public var maxConnections: Int = 8
        /// Name shown in reports (`synap`, or `sandbox` for the embedded one).
        public var displayName: String = "synap"

        public init(baseURL: String, routes: SynapRoutes, apiKey: String) {
            self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
            self.routes = routes
            self.apiKey = apiKey
        }
    }

    public let configuration: Configuration
    private let http: HTTPTransport

    public init(configuration: Configuration, logger: Logger) throws {
        self.configuration = configuration
        http = try HTTPTransport(
            baseURL: configuration.baseURL, headers: [("Authorization", "Bearer \(configuration.apiKey)")],
            keyName: "SYNAP_API_KEY", rules: Self.errorRules, connectTimeout: configuration.connectTimeout,
            readTimeout: configuration.readTimeout, maxConnections: configuration.maxConnections, logger: logger)
    }

    /// Synap's own answers (docs/API-CONTRACTS.md, "Errors: special cases"): a 409 while the instance builds
    /// (waited out) or after its build failed (a stop); a 404 may be the wrong route profile.
    static let errorRules = HTTPErrorRules(notFoundHint: "check --base-url (and --routes for Synap)") {
        status, raw, retryAfter in
        guard status == 409 else { return nil }
        if raw.contains("instance_not_ready") {
            return UploadError(
                kind: .retryable, code: .instanceNotReady, message: "the Synap instance is still being built; waiting",
                httpStatus: status, retryAfter: retryAfter ?? .seconds(30))
        }
        if raw.contains("instance_build_failed") {
            return UploadError(
                kind: .stop, code: "instance_build_failed",
                message: "the Synap instance failed to build; contact Synap support", httpStatus: status)
        }
        return nil
    }

    public var name: String { configuration.displayName }
    public var endpointDescription: String { "\(configuration.baseURL) (routes: \(configuration.routes.rawValue))" }
    public var maxBatchDocuments: Int { 100 }

    public func shutdown() async throws { try await http.shutdown() }

    // MARK: Batch

    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        var body: [UInt8] = Array(#"{"documents":["#.utf8)
        body.reserveCapacity(batch.reduce(64) { $0 + $1.json.count + 1 })
        for (index, document) in batch.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: document.json)
        }
        body.append(contentsOf: Array(#"],"fail_fast":\#(failFast)}"#.utf8))
        let answer = try await http.send(.POST, configuration.routes.batchPath, body: body)
        guard answer.status == 200 || answer.status == 201 || answer.status == 204 else {
            throw http.classify(answer)
        }
        let outcomes = try SynapBatchResponse.outcomes(for: batch.map(\.documentID), body: answer.body)
        let rate = HTTPTransport.rateHeaders(answer.headers)
        return SendResult(outcomes: outcomes, rateLimitRemaining: rate.remaining, rateLimitResetIn: rate.resetIn)
    }

    // MARK: Single create, status, whoami

    /// Creates one document (`POST …/create` or `/v1/memories`); a 409 means the id exists: `.duplicate`.
    public func create(_ document: EncodedDocument) async throws -> ItemOutcome {
        let answer = try await http.send(.POST, configuration.routes.createPath, body: document.json)
        switch answer.status {
        case 200, 201:
            let decoded = try? JSONDecoder().decode(SynapStatus.self, from: Data(answer.body))
            return .accepted(ingestionID: decoded?.ingestionID)
        case 409 where !HTTPTransport.text(answer.body).contains("instance_"):
            return .duplicate(message: HTTPTransport.errorMessage(answer.body) ?? "document_id already exists")
        case 400, 422:
            return .rejected(
                code: "rejected_by_target", message: HTTPTransport.errorMessage(answer.body) ?? "HTTP \(answer.status)")
        default:
            throw http.classify(answer)
        }
    }

    /// The ingestion status of one document (the SDK's `memories.status`): one request, no retry — a caller
    /// that asks many at once paces and retries them itself (``statusReply(ingestionID:)`` carries the rate
    /// headers for that). Errors are ``UploadError``s: 429/5xx/connection errors retryable, 404 permanent.
    public func status(ingestionID: String) async throws -> SynapStatus {
        try await statusReply(ingestionID: ingestionID).status
    }

    /// The ingestion status with what the answer said about the rate limit.
    public func statusReply(ingestionID: String) async throws -> SynapStatusReply {
        try Self.decodeStatus(try await http.send(.GET, configuration.routes.statusPath(ingestionID)), http: http)
    }

    private static func decodeStatus(_ answer: HTTPTransport.Answer, http: HTTPTransport) throws -> SynapStatusReply {
        guard answer.status == 200 else { throw http.classify(answer) }
        let status: SynapStatus
        do {
            status = try JSONDecoder().decode(SynapStatus.self, from: Data(answer.body))
        } catch {
            throw UploadError(kind: .permanent, code: .badResponse, message: "unreadable status response: \(error)")
        }
        let rate = HTTPTransport.rateHeaders(answer.headers)
        return SynapStatusReply(status: status, rateLimitRemaining: rate.remaining, rateLimitResetIn: rate.resetIn)
    }

    /// `GET /api/v1/auth/whoami` (SDK contract), tried again after 5xx, 429 and connection errors — 3 attempts,
    /// like the SDK: an import goes on without it (scopes are then checked by the target only).
    public func whoami() async throws -> SynapWhoami {
        let answer = try await http.sendIdempotent(.GET, configuration.routes.whoamiPath, maxAttempts: 3)
        guard answer.status == 200 else { throw http.classify(answer) }
        do {
            return try JSONDecoder().decode(SynapWhoami.self, from: Data(answer.body))
        } catch {
            throw UploadError(kind: .permanent, code: .badResponse, message: "unreadable whoami response: \(error)")
        }
    }

    /// Reads back each document's ingestion status, one at a time with retries (`backfill verify` asks many
    /// at once through ``statusReply(ingestionID:)`` instead): `failed` or unknown ids count as missing.
    public func verify(_ documents: [KnownDocument]) async throws -> [String: VerifyOutcome] {
        var results: [String: VerifyOutcome] = [:]
        for document in documents {
            guard let ingestionID = document.targetID else {
                results[document.documentID] = .unknown("no ingestion id (the target answered duplicate)")
                continue
            }
            do {
                let answer = try await http.sendIdempotent(.GET, configuration.routes.statusPath(ingestionID))
                let status = try Self.decodeStatus(answer, http: http).status
                results[document.documentID] = status.status == "failed" ? .missing : .present
            } catch let error as UploadError where error.httpStatus == 404 {
                results[document.documentID] = .missing
            }
        }
        return results
    }
}

/// A status answer and its rate-limit headers.
public struct SynapStatusReply: Sendable {
    public var status: SynapStatus
    /// `X-RateLimit-Remaining`, when sent.
    public var rateLimitRemaining: Int?
    /// Time until `X-RateLimit-Reset`, when sent.
    public var rateLimitResetIn: Duration?
}
