import Broker
import Hummingbird
import Logging

/// Turns every failure into the API's JSON error body `{error, reason}` with the right status,
/// and logs one line per request (method, path, status, reason): never a body, a header, a
/// stack trace or a secret. A `BrokerError` uses its own `httpStatus`; failures of the HTTP
/// layer itself (no such route, body too large) get their HTTP status and a reason code of
/// their own; anything else is a 500 `internal` whose details stay in the server log.
struct BrokerErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let response: Response
        var reason: String?
        do {
            response = try await next(request, context)
        } catch let error as BrokerError {
            reason = error.code.rawValue
            response = HTTPBody.error(error, status: HTTPResponse.Status(code: error.httpStatus))
        } catch let error as BodyTooLarge {
            reason = "request-too-large"
            response = HTTPBody.error(BrokerError(.init("request-too-large"), "the request body is larger than \(error.limit) bytes"), status: .contentTooLarge)
        } catch let error as any HTTPResponseError {
            switch error.status {
            case .notFound:
                reason = BrokerError.Code.notFound.rawValue
                response = HTTPBody.error(BrokerError(.notFound, "no such route: \(request.method) \(request.uri.path)"), status: .notFound)
            case .contentTooLarge:
                reason = "request-too-large"
                response = HTTPBody.error(BrokerError(.init("request-too-large"), "the request body is too large"), status: .contentTooLarge)
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
        var metadata: Logger.Metadata = ["method": "\(request.method)", "path": "\(request.uri.path)", "status": "\(response.status.code)"]
        if let reason { metadata["reason"] = "\(reason)" }
        context.logger.info("request", metadata: metadata)
        return response
    }
}
