import Broker
import LeaseholdAPI
import Hummingbird
import Logging

/// Turns every failure into the API's JSON error body `{error, reason}` with the right status,
/// and logs one line per request (method, path, status, reason): never a body, a header, a
/// stack trace or a secret. A `BrokerError` uses its own `httpStatus`; failures of the HTTP
/// layer itself (no such route, body too large) get their HTTP status and a reason code of
/// their own; anything else is a 500 `internal` whose details stay in the server log.
///
/// What goes back is bounded (review finding L10): a 5xx never carries the broker's message
/// (which can hold database error text) but a fixed one, the detail going to the server log;
/// and no message is longer than `maxMessageBytes`, so input quoted in a parse error (a
/// malformed manifest, a long path) comes back as a short prefix at most.
struct BrokerErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics?

    /// Longer messages are cut (at a character boundary) and end in "…".
    static var maxMessageBytes: Int { 300 }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response: Response
        var reason: String?
        do {
            response = try await next(request, context)
        } catch let error as BrokerError {
            reason = error.code.rawValue
            response = HTTPBody.error(Self.exposed(error, logger: context.logger), status: HTTPResponse.Status(code: error.httpStatus))
        } catch let error as RateLimiter.Limited {
            reason = BrokerError.Code.rateLimited.rawValue
            metrics?.rateLimited(error.kind)
            let message = "too many requests for this \(error.kind == .client ? "client address" : error.kind.rawValue); retry later"
            response = HTTPBody.error(BrokerError(.rateLimited, message), status: .tooManyRequests)
            response.headers[.retryAfter] = String(Self.retryAfterSeconds(error.retryAfter))
        } catch let error as BodyTooLarge {
            reason = ReasonCode.requestTooLarge.rawValue
            response = HTTPBody.error(
                BrokerError(.requestTooLarge, "the request body is larger than \(error.limit) bytes"), status: .contentTooLarge)
        } catch let error as BodyIncomplete {
            reason = "body-incomplete"
            context.logger.info("request body incomplete", metadata: ["cause": "\(error.cause)"])
            response = HTTPBody.error(BrokerError(.badRequest, "the request body did not arrive whole"), status: .badRequest)
        } catch let error as any HTTPResponseError {
            switch error.status {
            case .notFound:
                reason = BrokerError.Code.notFound.rawValue
                response = HTTPBody.error(
                    BrokerError(.notFound, Self.bounded("no such route: \(request.method) \(request.uri.path)")), status: .notFound)
            case .contentTooLarge:
                reason = ReasonCode.requestTooLarge.rawValue
                response = HTTPBody.error(BrokerError(.requestTooLarge, "the request body is too large"), status: .contentTooLarge)
            case let status where (400..<500).contains(status.code):
                reason = BrokerError.Code.badRequest.rawValue
                response = HTTPBody.error(BrokerError(.badRequest, status.reasonPhrase), status: status)
            default:
                reason = BrokerError.Code.internal.rawValue
                context.logger.error("http error", metadata: ["status": "\(error.status.code)"])
                response = HTTPBody.error(BrokerError(.internal, "internal error"), status: .internalServerError)
            }
        } catch {
            reason = BrokerError.Code.internal.rawValue
            context.logger.error("unexpected error", metadata: ["error.type": "\(type(of: error))"])
            response = HTTPBody.error(BrokerError(.internal, "internal error"), status: .internalServerError)
        }
        var metadata: Logger.Metadata = [
            "method": "\(request.method)", "path": "\(Self.bounded(request.uri.path))", "status": "\(response.status.code)",
        ]
        if let reason { metadata["reason"] = "\(reason)" }
        context.logger.info("request", metadata: metadata)
        return response
    }

    /// The error as the client sees it: 5xx messages replaced by a fixed text (the original is
    /// logged here), every message bounded.
    static func exposed(_ error: BrokerError, logger: Logger) -> BrokerError {
        guard error.httpStatus >= 500 else { return BrokerError(error.code, bounded(error.message)) }
        logger.error("request failed", metadata: ["reason": "\(error.code.rawValue)", "detail": "\(error.message)"])
        switch error.code {
        case .logUnavailable: return BrokerError(error.code, "the log could not be written, nothing was released; retry later")
        default: return BrokerError(error.code, "internal error")
        }
    }

    /// `text` cut to at most `maxMessageBytes` UTF-8 bytes, on a character boundary.
    static func bounded(_ text: String) -> String {
        guard text.utf8.count > maxMessageBytes else { return text }
        var out = ""
        var bytes = 0
        for c in text {
            let n = c.utf8.count
            if bytes + n > maxMessageBytes - 3 { break }  // room for "…" (3 bytes)
            out.append(c)
            bytes += n
        }
        return out + "…"
    }

    /// Whole seconds for `Retry-After`, rounded up, at least 1.
    static func retryAfterSeconds(_ wait: Duration) -> Int {
        let (seconds, atto) = wait.components
        return max(1, Int(seconds) + (atto > 0 ? 1 : 0))
    }
}
