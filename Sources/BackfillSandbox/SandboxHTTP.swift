import BackfillCore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// Request context that keeps the connection, so an injected reset can close it without answering.
public struct SandboxRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    package let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        channel = source.channel
    }
}

/// JSON responses.
package enum SandboxHTTP {
    package static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    package static func json(_ status: HTTPResponse.Status, _ value: some Encodable, headers: HTTPFields = [:]) -> Response {
        var fields = headers
        fields[.contentType] = "application/json"
        let data = (try? encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    package static func optional(_ text: String?) -> JSONValue {
        text.map(JSONValue.string) ?? .null
    }

    package static let rateLimitLimit = fieldName("X-RateLimit-Limit")
    package static let rateLimitRemaining = fieldName("X-RateLimit-Remaining")
    package static let rateLimitReset = fieldName("X-RateLimit-Reset")

    /// A header name from a literal token (always valid; the fallback only keeps the code free of `!`).
    private static func fieldName(_ token: String) -> HTTPField.Name {
        HTTPField.Name(token) ?? .via
    }

    package static func headers(_ info: RateLimitInfo?) -> HTTPFields {
        var fields = HTTPFields()
        if let info {
            fields[rateLimitLimit] = String(info.limit)
            fields[rateLimitRemaining] = String(info.remaining)
            fields[rateLimitReset] = String(info.reset)
        }
        return fields
    }
}
