import AsyncHTTPClient
import BackfillCore
import Foundation
import Logging
import NIOCore
import NIOHTTP1
import NIOSSL

/// TLS choices for self-hosted targets with their own certificates.
public struct TLSOptions: Sendable, Hashable {
    /// A PEM file of the CA that signed the server's certificate.
    public var caCertificatePath: String?
    /// Skip certificate verification, allowed only for loopback hosts.
    public var insecureLocalhost = false
    public init(caCertificatePath: String? = nil, insecureLocalhost: Bool = false) {
        self.caCertificatePath = caCertificatePath
        self.insecureLocalhost = insecureLocalhost
    }
}

/// A target's own reading of its error answers, which the shared rules of ``HTTPTransport`` do not know.
package struct HTTPErrorRules: Sendable {
    /// An answer the target classifies itself (status, body text, `Retry-After`); nil leaves it to the shared rules.
    package var special: @Sendable (_ status: Int, _ body: String, _ retryAfter: Duration?) -> UploadError?
    /// What a 404 asks the user to check.
    package var notFoundHint: String

    package init(
        notFoundHint: String = "check --base-url",
        special: @escaping @Sendable (_ status: Int, _ body: String, _ retryAfter: Duration?) -> UploadError? = {
            _, _, _ in nil
        }
    ) {
        self.notFoundHint = notFoundHint
        self.special = special
    }
}

/// One target's HTTP connection pool: base URL, auth headers (never logged), timeouts, and the error rules of
/// docs/API-CONTRACTS.md turned into ``UploadError``s (the target's own ``HTTPErrorRules`` first).
package final class HTTPTransport: Sendable {
    package let baseURL: String
    private let headers: [(String, String)]
    private let client: HTTPClient
    private let timeout: TimeAmount
    private let logger: Logger
    /// The environment variable holding the key, for messages ("check …_API_KEY").
    package let keyName: String
    /// The target's own error rules.
    package let rules: HTTPErrorRules

    package init(
        baseURL: String, headers: [(String, String)], keyName: String, rules: HTTPErrorRules = HTTPErrorRules(),
        tls: TLSOptions = TLSOptions(), connectTimeout: TimeAmount = .seconds(5),
        readTimeout: TimeAmount = .seconds(30),
        maxConnections: Int = 8, logger: Logger
    ) throws {
        self.baseURL = baseURL.hasSuffix("/") ? String(baseURL.dropLast()) : baseURL
        self.headers = headers
        self.keyName = keyName
        self.rules = rules
        self.logger = logger
        self.timeout = connectTimeout + readTimeout
        var tlsConfiguration: TLSConfiguration?
        if tls.caCertificatePath != nil || tls.insecureLocalhost {
            var configuration = TLSConfiguration.makeClientConfiguration()
            if let path = tls.caCertificatePath {
                do {
                    configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(path))
                } catch {
                    throw ValidationError(message: "--ca-cert \(path) is not a readable PEM certificate (\(error))")
                }
            }
            if tls.insecureLocalhost {
                let host = URL(string: baseURL)?.host ?? ""
                guard ["localhost", "127.0.0.1", "::1", "[::1]"].contains(host) else {
                    throw ValidationError(
                        message: "--insecure-localhost only applies to localhost, not \(host); pass --ca-cert instead")
                }
                configuration.certificateVerification = .none
            }
            tlsConfiguration = configuration
        }
        var clientConfiguration = HTTPClient.Configuration(
            tlsConfiguration: tlsConfiguration, timeout: .init(connect: connectTimeout, read: readTimeout))
        clientConfiguration.connectionPool = .init(
            idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: maxConnections)
        clientConfiguration.decompression = .enabled(limit: .ratio(50))
        client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: clientConfiguration)
    }

    package func shutdown() async throws { try await client.shutdown() }

    package struct Answer {
        package var status: Int
        package var headers: HTTPHeaders
        package var body: [UInt8]
    }

    package func send(_ method: HTTPMethod, _ path: String, body: [UInt8]? = nil) async throws -> Answer {
        var request = HTTPClientRequest(url: baseURL + path)
        request.method = method
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.headers.add(name: "Accept", value: "application/json")
        request.headers.add(name: "User-Agent", value: "backfill/0.1")
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: body))
        }
        do {
            let response = try await client.execute(request, timeout: timeout)
            let buffer = try await response.body.collect(upTo: 64 << 20)
            return Answer(
                status: Int(response.status.code), headers: response.headers, body: Array(buffer.readableBytesView))
        } catch {
            // Refused, reset, timed out: the outcome is unknown. Callers re-send with the same ids (targets that
            // dedup answer "duplicate"; the others are reconciled first).
            logger.debug("request failed", metadata: ["error.type": "\(type(of: error))"])
            throw UploadError(
                kind: .retryable, code: .connectionError, message: "no answer from \(baseURL) (\(error))")
        }
    }

    /// Backoff of idempotent requests (``sendIdempotent(_:_:body:)``).
    package static let readRetry = RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(200), maxDelay: .seconds(5))
    /// 429s (and "instance not ready") wait `Retry-After` without using up attempts, up to this many.
    package static let maxReadThrottles = 100

    /// Sends a request that is safe to repeat — a GET, a POST that only reads (a batch get), or a create
    /// keyed by a deterministic id — trying again after connection errors and 5xx (jittered
    /// backoff, ``readRetry``) and after 429 / "instance not ready" (waiting `Retry-After`, not counted as
    /// attempts). Returns the last answer (success or not: the caller classifies it) or throws the last
    /// connection error, which is retryable. Never use it for a write whose resend could duplicate.
    package func sendIdempotent(
        _ method: HTTPMethod, _ path: String, body: [UInt8]? = nil,
        maxAttempts: Int = HTTPTransport.readRetry.maxAttempts
    ) async throws -> Answer {
        var attempt = 0
        var throttles = 0
        while true {
            attempt += 1
            let failure: UploadError
            var answer: Answer?
            do {
                let reply = try await send(method, path, body: body)
                guard reply.status >= 400 else { return reply }
                failure = classify(reply)
                guard failure.isRetryable else { return reply }
                answer = reply
            } catch let error as UploadError where error.isRetryable {
                failure = error
            }
            let throttled = failure.isThrottle
            if throttled {
                throttles += 1
                attempt -= 1
            }
            guard attempt < maxAttempts, throttles < Self.maxReadThrottles else {
                if let answer { return answer }
                throw failure
            }
            let wait =
                throttled
                ? (failure.retryAfter ?? .seconds(1))
                : Self.readRetry.delay(
                    afterAttempt: attempt, retryAfter: failure.retryAfter, random: Double.random(in: 0..<1))
            logger.debug(
                "idempotent request will be sent again",
                metadata: ["path": "\(path)", "error.code": "\(failure.code)", "wait": "\(wait)"])
            try await Task.sleep(for: wait)
        }
    }

    // MARK: Error rules

    package static func text(_ body: [UInt8]) -> String { String(decoding: body.prefix(4096), as: UTF8.self) }

    /// The human message of an error body: `{"error","code","details"}`, FastAPI `{"detail": …}`,
    /// `{"errors":[{field,message}]}`.
    package static func errorMessage(_ body: [UInt8]) -> String? {
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) else {
            let raw = text(body).trimmingCharacters(in: .whitespacesAndNewlines)
            return raw.isEmpty ? nil : String(raw.prefix(300))
        }
        if let error = json["error"]?.stringValue { return error }
        if let message = json["message"]?.stringValue { return message }
        if let errors = json["errors"]?.arrayValue {
            return errors.map { item in
                [item["field"]?.stringValue, item["message"]?.stringValue].compactMap { $0 }.joined(separator: ": ")
            }.joined(separator: "; ")
        }
        if let detail = json["detail"] {
            if let text = detail.stringValue { return text }
            if let message = detail["message"]?.stringValue { return message }
            if let items = detail.arrayValue {
                return items.map { item in
                    let location = item["loc"]?.arrayValue?.compactMap { $0.stringValue }.joined(separator: ".") ?? ""
                    let message = item["msg"]?.stringValue ?? ""
                    return location.isEmpty ? message : "\(location): \(message)"
                }.joined(separator: "; ")
            }
            if let data = try? JSONEncoder().encode(detail) { return String(decoding: data, as: UTF8.self) }
        }
        return nil
    }

    /// A non-success status as an ``UploadError`` (docs/API-CONTRACTS.md's rules).
    package func classify(_ answer: Answer) -> UploadError {
        Self.classify(status: answer.status, headers: answer.headers, body: answer.body, keyName: keyName, rules: rules)
    }

    package static func classify(
        status: Int, headers: HTTPHeaders, body: [UInt8], keyName: String, rules: HTTPErrorRules = HTTPErrorRules()
    ) -> UploadError {
        let message = errorMessage(body) ?? "HTTP \(status)"
        let raw = text(body)
        let retryAfter = RetryAfter.parse(headers.first(name: "Retry-After"))
        if let special = rules.special(status, raw, retryAfter) { return special }
        switch status {
        case 401:
            return UploadError(
                kind: .stop, code: .unauthorized, message: "the API key was refused (\(message)); check \(keyName)",
                httpStatus: status)
        case 403:
            return UploadError(
                kind: .stop, code: .forbidden, message: "the API key may not do this (\(message))", httpStatus: status)
        case 402:
            return UploadError(
                kind: .stop, code: .paymentRequired, message: "out of credits (\(message)); top up, then resume",
                httpStatus: status)
        case 429:
            for reason in [
                "trial_limit_reached", "subscription_inactive", "CREDIT_LIMIT_EXCEEDED", "OVERAGE_LIMIT_EXCEEDED",
            ] where raw.contains(reason) {
                return UploadError(
                    kind: .stop, code: reason, message: "the account is blocked (\(reason)); resume once it is fixed",
                    httpStatus: status)
            }
            return UploadError(
                kind: .retryable, code: .rateLimited, message: message, httpStatus: status, retryAfter: retryAfter)
        case 400, 422:
            var error = UploadError(kind: .invalid, code: .invalidInput, message: message, httpStatus: status)
            if let json = try? JSONDecoder().decode(JSONValue.self, from: Data(body)) {
                let details = json["details"] ?? json["detail"]
                error.itemDocumentID = details?["document_id"]?.stringValue
                error.itemIndex = details?["index"]?.doubleValue.map { Int($0) }
            }
            return error
        case 404:
            return UploadError(
                kind: .permanent, code: .notFound, message: "\(message); \(rules.notFoundHint)",
                httpStatus: status)
        case 500...599:
            return UploadError(
                kind: .retryable, code: .serverError, message: message, httpStatus: status, retryAfter: retryAfter)
        default:
            return UploadError(kind: .permanent, code: "http_\(status)", message: message, httpStatus: status)
        }
    }

    /// `X-RateLimit-Remaining` / `X-RateLimit-Reset` (a Unix time; small values taken as seconds from now).
    package static func rateHeaders(_ headers: HTTPHeaders) -> (remaining: Int?, resetIn: Duration?) {
        var resetIn: Duration?
        if let reset = headers.first(name: "X-RateLimit-Reset").flatMap(Double.init) {
            let seconds = reset > 1_000_000_000 ? reset - Date().timeIntervalSince1970 : reset
            resetIn = .milliseconds(Int64(max(0, seconds) * 1000))
        }
        return (headers.first(name: "X-RateLimit-Remaining").flatMap { Int($0) }, resetIn)
    }
}
