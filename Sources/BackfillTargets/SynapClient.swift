import AsyncHTTPClient
import BackfillCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Synap's two route profiles (API-CONTRACTS.md): the SDK's production wire contract and the documented REST.
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
    private let client: HTTPClient
    private let logger: Logger

    public init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
        var clientConfiguration = HTTPClient.Configuration(
            timeout: .init(connect: configuration.connectTimeout, read: configuration.readTimeout))
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: configuration.maxConnections)
        clientConfiguration.decompression = .enabled(limit: .ratio(50))
        self.client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    public var name: String { configuration.displayName }
    public var endpointDescription: String { "\(configuration.baseURL) (routes: \(configuration.routes.rawValue))" }
    public var maxBatchDocuments: Int { 100 }

    public func shutdown() async throws { try await client.shutdown() }

    // MARK: Batch

    public func send(_ batch: [EncodedDocument], failFast: Bool) async throws -> SendResult {
        var body: [UInt8] = Array(#"{"documents":["#.utf8)
        body.reserveCapacity(batch.reduce(64) { $0 + $1.json.count + 1 })
        for (index, document) in batch.enumerated() {
            if index > 0 { body.append(UInt8(ascii: ",")) }
            body.append(contentsOf: document.json)
        }
        body.append(contentsOf: Array(#"],"fail_fast":\#(failFast)}"#.utf8))
        let (status, headers, responseBody) = try await post(configuration.routes.batchPath, body: body)
        guard status == 200 || status == 201 || status == 204 else {
            throw Self.classify(status: status, headers: headers, body: responseBody)
        }
        let outcomes = try SynapBatchResponse.outcomes(for: batch.map(\.documentID), body: responseBody)
        var resetIn: Duration?
        if let reset = headers.first(name: "X-RateLimit-Reset").flatMap(Double.init) {
            // A Unix time per the docs; small values are taken as seconds from now.
            let seconds = reset > 1_000_000_000 ? reset - Date().timeIntervalSince1970 : reset
            resetIn = .milliseconds(Int64(max(0, seconds) * 1000))
        }
        return SendResult(
            outcomes: outcomes, rateLimitRemaining: headers.first(name: "X-RateLimit-Remaining").flatMap { Int($0) },
            rateLimitResetIn: resetIn)
    }

    // MARK: Single create, status, whoami

    /// Creates one document (`POST …/create` or `/v1/memories`); a 409 means the id exists: `.duplicate`.
    public func create(_ document: EncodedDocument) async throws -> ItemOutcome {
        let (status, headers, body) = try await post(configuration.routes.createPath, body: document.json)
        switch status {
        case 200, 201:
            let decoded = try? JSONDecoder().decode(SynapStatus.self, from: Data(body))
            return .accepted(ingestionID: decoded?.ingestionID)
        case 409 where !Self.text(body).contains("instance_"):
            return .duplicate(message: Self.errorMessage(body) ?? "document_id already exists")
        case 400, 422:
            return .rejected(code: "rejected_by_target", message: Self.errorMessage(body) ?? "HTTP \(status)")
        default:
            throw Self.classify(status: status, headers: headers, body: body)
        }
    }

    /// The ingestion status of one document.
    public func status(ingestionID: String) async throws -> SynapStatus {
        let (status, headers, body) = try await get(configuration.routes.statusPath(ingestionID))
        guard status == 200 else { throw Self.classify(status: status, headers: headers, body: body) }
        do {
            return try JSONDecoder().decode(SynapStatus.self, from: Data(body))
        } catch {
            throw UploadError(kind: .permanent, code: "bad_response", message: "unreadable status response: \(error)")
        }
    }

    /// `GET /api/v1/auth/whoami` (SDK contract).
    public func whoami() async throws -> SynapWhoami {
        let (status, headers, body) = try await get(configuration.routes.whoamiPath)
        guard status == 200 else { throw Self.classify(status: status, headers: headers, body: body) }
        do {
            return try JSONDecoder().decode(SynapWhoami.self, from: Data(body))
        } catch {
            throw UploadError(kind: .permanent, code: "bad_response", message: "unreadable whoami response: \(error)")
        }
    }

    // MARK: HTTP

    private func post(_ path: String, body: [UInt8]) async throws -> (Int, HTTPHeaders, [UInt8]) {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: body))
        return try await execute(request)
    }

    private func get(_ path: String) async throws -> (Int, HTTPHeaders, [UInt8]) {
        var request = HTTPClientRequest(url: configuration.baseURL + path)
        request.method = .GET
        return try await execute(request)
    }

    private func execute(_ request: HTTPClientRequest) async throws -> (Int, HTTPHeaders, [UInt8]) {
        var request = request
        request.headers.add(name: "Authorization", value: "Bearer \(configuration.apiKey)")
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "backfill/0.1")
        do {
            let response = try await client.execute(request, timeout: configuration.readTimeout + configuration.connectTimeout)
            let buffer = try await response.body.collect(upTo: 32 << 20)
            return (Int(response.status.code), response.headers, Array(buffer.readableBytesView))
        } catch let error as UploadError {
            throw error
        } catch {
            // Connection refused, reset, timeouts: the outcome is unknown, so the batch is sent again with the
            // same ids and the target's dedup answers "duplicate" for what it already stored.
            logger.debug("request failed", metadata: ["error": "\(type(of: error))"])
            throw UploadError(
                kind: .retryable, code: "connection_error",
                message: "no answer from \(configuration.baseURL) (\(Self.describe(error)))")
        }
    }

    private static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError { return "\(error)" }
        return String(describing: error)
    }

    // MARK: Classification

    static func text(_ body: [UInt8]) -> String { String(decoding: body.prefix(4096), as: UTF8.self) }

    /// The human message of an error body: `{"error","code","details"}` or FastAPI `{"detail": …}`.
    static func errorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            let raw = text(body).trimmingCharacters(in: .whitespacesAndNewlines)
            return raw.isEmpty ? nil : String(raw.prefix(300))
        }
        if let error = json["error"]?.stringValue { return error }
        if let message = json["message"]?.stringValue { return message }
        if let detail = json["detail"] {
            if let text = detail.stringValue { return text }
            if let message = detail["message"]?.stringValue { return message }
            if let items = detail.arrayValue {
                return items.compactMap { $0["msg"]?.stringValue }.joined(separator: "; ")
            }
            if let data = try? JSONEncoder().encode(detail) { return String(decoding: data, as: UTF8.self) }
        }
        return nil
    }

    /// A non-success status as an ``UploadError`` (API-CONTRACTS.md's rules).
    static func classify(status: Int, headers: HTTPHeaders, body: [UInt8]) -> UploadError {
        let message = errorMessage(body) ?? "HTTP \(status)"
        let raw = text(body)
        let retryAfter = RetryAfter.parse(headers.first(name: "Retry-After"))
        switch status {
        case 401:
            return UploadError(
                kind: .stop, code: "unauthorized",
                message: "the API key was refused (\(message)); check SYNAP_API_KEY", httpStatus: status)
        case 403:
            return UploadError(
                kind: .stop, code: "forbidden", message: "the API key may not do this (\(message))", httpStatus: status)
        case 402:
            return UploadError(
                kind: .stop, code: "payment_required", message: "out of credits (\(message)); top up, then resume",
                httpStatus: status)
        case 429:
            for reason in ["trial_limit_reached", "subscription_inactive", "CREDIT_LIMIT_EXCEEDED", "OVERAGE_LIMIT_EXCEEDED"]
            where raw.contains(reason) {
                return UploadError(
                    kind: .stop, code: reason, message: "the account is blocked (\(reason)); resume once it is fixed",
                    httpStatus: status)
            }
            return UploadError(
                kind: .retryable, code: "rate_limited", message: message, httpStatus: status, retryAfter: retryAfter)
        case 409 where raw.contains("instance_not_ready"):
            return UploadError(
                kind: .retryable, code: "instance_not_ready",
                message: "the Synap instance is still being built; waiting", httpStatus: status,
                retryAfter: retryAfter ?? .seconds(30))
        case 409 where raw.contains("instance_build_failed"):
            return UploadError(
                kind: .stop, code: "instance_build_failed",
                message: "the Synap instance failed to build; contact Synap support", httpStatus: status)
        case 400, 422:
            return UploadError(kind: .invalid, code: "invalid_input", message: message, httpStatus: status)
        case 404:
            return UploadError(
                kind: .permanent, code: "not_found",
                message: "\(message); check --base-url and --routes (sdk or documented)", httpStatus: status)
        case 500...599:
            return UploadError(
                kind: .retryable, code: "server_error", message: message, httpStatus: status, retryAfter: retryAfter)
        default:
            return UploadError(kind: .permanent, code: "http_\(status)", message: message, httpStatus: status)
        }
    }
}

/// `Retry-After`: delay-seconds or an HTTP date.
public enum RetryAfter {
    public static func parse(_ value: String?, now: Date = Date()) -> Duration? {
        guard let value = value?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        if let seconds = Double(value), seconds >= 0 { return .milliseconds(Int64(seconds * 1000)) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        for format in ["EEE, dd MMM yyyy HH:mm:ss zzz", "EEEE, dd-MMM-yy HH:mm:ss zzz", "EEE MMM d HH:mm:ss yyyy"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: value) {
                return .milliseconds(Int64(max(0, date.timeIntervalSince(now)) * 1000))
            }
        }
        return nil
    }
}
