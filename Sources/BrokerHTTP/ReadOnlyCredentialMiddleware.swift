import LeaseholdAPI
import Hummingbird

/// An auditor token reaches no route that changes anything: any request other than GET or
/// HEAD that carries one is refused 403 `read-only-credential` before its route runs, whatever
/// the route would have done with the token. Auditor tokens are told apart by their prefix,
/// so this costs no database read (a forged "lha_" token is refused here as well).
struct ReadOnlyCredentialMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        if request.method != .get, request.method != .head, let header = request.headers[.authorization],
            header.hasPrefix("Bearer " + AuditorToken.prefix)
        {
            throw BrokerError(
                .readOnlyCredential, "auditor tokens read the log only; \(request.method) needs the owner's signature or the admin token")
        }
        return try await next(request, context)
    }
}
