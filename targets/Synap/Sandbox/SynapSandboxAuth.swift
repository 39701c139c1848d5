import BackfillCore
import BackfillSandbox
import Foundation
import HTTPTypes
import Hummingbird

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


extension SandboxHTTP {
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
}
