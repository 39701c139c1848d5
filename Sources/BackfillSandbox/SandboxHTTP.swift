import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Request context that keeps the connection, so an injected reset can close it without answering.
struct SandboxRequestContext: RequestContext {
    var coreContext: CoreRequestContextStorage
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// Counts API requests and checks `Authorization: Bearer synap_…` (never logging or echoing the key).
struct SandboxAuthMiddleware: RouterMiddleware {
    typealias Context = SandboxRequestContext

    let apiKey: String?
    let injector: SandboxFaultInjector

    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        injector.countRequest()
        guard authorized(request.headers[.authorization]) else {
            return SandboxHTTP.error(
                .unauthorized, message: "invalid or missing API key", code: "UNAUTHORIZED", details: [:])
        }
        return try await next(request, context)
    }

    private func authorized(_ header: String?) -> Bool {
        guard let header else { return false }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return false }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        if let apiKey {
            // Constant-time comparison.
            let given = Array(token.utf8)
            let expected = Array(apiKey.utf8)
            guard given.count == expected.count else { return false }
            return zip(given, expected).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
        }
        return token.hasPrefix("synap_") && token.count > "synap_".count
    }
}

/// JSON responses.
enum SandboxHTTP {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// Synap's documented error body `{"error","code","details"}`, with the FastAPI-style `detail` the official
    /// SDK reads (docs/API-CONTRACTS.md: both are seen), so either reader finds the message.
    static func error(
        _ status: HTTPResponse.Status, message: String, code: String, details: [String: JSONValue]? = nil,
        headers: HTTPFields = [:]
    ) -> Response {
        var body: [String: JSONValue] = ["error": .string(message), "code": .string(code), "detail": .string(message)]
        if let details { body["details"] = .object(details) }
        return json(status, JSONValue.object(body), headers: headers)
    }

    static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    static let rateLimitLimit = fieldName("X-RateLimit-Limit")
    static let rateLimitRemaining = fieldName("X-RateLimit-Remaining")
    static let rateLimitReset = fieldName("X-RateLimit-Reset")

    /// A header name from a literal token (always valid; the fallback only keeps the code free of `!`).
    private static func fieldName(_ token: String) -> HTTPField.Name {
        HTTPField.Name(token) ?? .via
    }

    static func headers(_ info: RateLimitInfo?) -> HTTPFields {
        var fields = HTTPFields()
        if let info {
            fields[rateLimitLimit] = String(info.limit)
            fields[rateLimitRemaining] = String(info.remaining)
            fields[rateLimitReset] = String(info.reset)
        }
        return fields
    }
}
