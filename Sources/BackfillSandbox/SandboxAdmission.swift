import HTTPTypes
import Hummingbird
import Logging

/// An injected answer a target renders in its own error shape.
package enum SandboxFaultAnswer: Sendable, Equatable {
    case rateLimited(retryAfter: Int)
    /// 500 or 503, before anything was stored.
    case failed(status: Int)
    /// 503 after storing.
    case acceptedThenFailed
}

/// A request let through by the fault injector.
package struct SandboxAdmission: Sendable {
    package var rateLimit: RateLimitInfo?
    /// Store, then answer 503 (writes only).
    package var acceptThenFail: Bool

    package init(rateLimit: RateLimitInfo?, acceptThenFail: Bool) {
        self.rateLimit = rateLimit
        self.acceptThenFail = acceptThenFail
    }

    /// The `X-RateLimit-*` headers every answer to this request carries.
    package var headers: HTTPFields { SandboxHTTP.headers(rateLimit) }
}

extension SandboxFaultInjector {
    /// Latency, then rate limit, failure and reset, shared by every target's routes (reads and writes): the
    /// admission, or the response to give instead (`render` gets the headers: rate limit, and `Retry-After`
    /// where due). A read is never accepted-then-failed.
    package func admit(
        _ context: SandboxRequestContext, kind: SandboxRouteKind = .write, logger: Logger,
        render: (SandboxFaultAnswer, HTTPFields) -> Response
    ) async throws -> Result<SandboxAdmission, SandboxEarlyAnswer> {
        if latency > .zero { try await Task.sleep(for: latency) }
        switch admit(kind) {
        case .proceed(let rateLimit, let acceptThenFail):
            return .success(SandboxAdmission(rateLimit: rateLimit, acceptThenFail: acceptThenFail))
        case .rateLimited(let info, let retryAfter):
            var headers = SandboxHTTP.headers(info)
            headers[.retryAfter] = String(retryAfter)
            return .failure(SandboxEarlyAnswer(response: render(.rateLimited(retryAfter: retryAfter), headers)))
        case .fail(let status, let info):
            var headers = SandboxHTTP.headers(info)
            if status == 503 { headers[.retryAfter] = "1" }
            return .failure(SandboxEarlyAnswer(response: render(.failed(status: status), headers)))
        case .reset:
            logger.debug("sandbox injected connection reset")
            context.channel.close(promise: nil)
            // The channel is closed: Hummingbird's write of this response fails and nothing reaches the client.
            return .failure(SandboxEarlyAnswer(response: Response(status: .internalServerError)))
        }
    }

    /// The 503 given after storing an accept-then-fail write.
    package static func acceptedThenFailed(
        _ admission: SandboxAdmission, render: (SandboxFaultAnswer, HTTPFields) -> Response
    ) -> Response {
        var headers = admission.headers
        headers[.retryAfter] = "1"
        return render(.acceptedThenFailed, headers)
    }
}

/// The same admission as a middleware, for routes whose handler needs no part in it: reads (status, whoami,
/// listings, batchGet) and writes whose accept-then-fail is "let the handler store, then answer 503 instead of
/// its success" (a space create). Every answer it lets through carries the `X-RateLimit-*` headers.
package struct SandboxFaultMiddleware: RouterMiddleware {
    package typealias Context = SandboxRequestContext

    package let injector: SandboxFaultInjector
    package let kind: SandboxRouteKind
    package let logger: Logger
    package let render: @Sendable (SandboxFaultAnswer, HTTPFields) -> Response

    package init(
        injector: SandboxFaultInjector, kind: SandboxRouteKind, logger: Logger,
        render: @escaping @Sendable (SandboxFaultAnswer, HTTPFields) -> Response
    ) {
        self.injector = injector
        self.kind = kind
        self.logger = logger
        self.render = render
    }

    package func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        let admission: SandboxAdmission
        switch try await injector.admit(context, kind: kind, logger: logger, render: render) {
        case .success(let value): admission = value
        case .failure(let early): return early.response
        }
        var response = try await next(request, context)
        if admission.acceptThenFail && (200..<300).contains(response.status.code) {
            return SandboxFaultInjector.acceptedThenFailed(admission, render: render)
        }
        for field in admission.headers { response.headers.append(field) }
        return response
    }
}

/// A response given instead of processing the write (an injected fault or the rate limit).
package struct SandboxEarlyAnswer: Error {
    package var response: Response

    package init(response: Response) { self.response = response }
}
