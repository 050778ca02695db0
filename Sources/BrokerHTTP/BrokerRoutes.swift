import Broker
import LeaseholdAPI
import ServiceLifecycle
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore

/// How the server protects itself: connection limits, rate limits, and where metrics go.
public struct HTTPServerOptions: Sendable {
    public var connections: ConnectionLimits
    public var rateLimits: RateLimitPolicy
    /// Served at `GET /metrics` to admin-token holders; nil serves no metrics (404).
    public var metrics: ServerMetrics?

    public init(connections: ConnectionLimits = .default, rateLimits: RateLimitPolicy = .default, metrics: ServerMetrics? = nil) {
        self.connections = connections
        self.rateLimits = rateLimits
        self.metrics = metrics
    }
}

/// The request context of the API: Hummingbird's basics plus the client's address, which
/// the per-client rate limit is keyed by.
public struct BrokerRequestContext: RequestContext, RemoteAddressRequestContext {
    public var coreContext: CoreRequestContextStorage
    public let remoteAddress: SocketAddress?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress
    }
}

/// The REST API of a broker (documented route by route in `openapi.yaml` beside this file; a
/// test keeps the two equal). Every route is a thin adapter: read and strictly decode the
/// body, call the one `Broker` operation, encode the result. No decision is made here.
public enum BrokerRoutes {
    /// The log entries route returns at most this many entries per request.
    public static let maxLogEntriesPerRequest = 1000
    /// ...and stops adding entries once the page holds this many bytes (always at least one
    /// entry), so that large entries cannot make one response huge (review finding H2).
    public static let maxLogPageBytes = 4 * 1024 * 1024

    /// A router serving every route of the API for `broker`.
    public static func router(for broker: Broker, options: HTTPServerOptions = .init()) -> Router<BrokerRequestContext> {
        let router = Router(context: BrokerRequestContext.self)
        if let metrics = options.metrics { router.add(middleware: MetricsMiddleware(metrics: metrics)) }
        router.add(middleware: BrokerErrorMiddleware(metrics: options.metrics))
        router.add(middleware: ReadOnlyCredentialMiddleware())
        addRoutes(to: router, broker: broker, limiter: RateLimiter(policy: options.rateLimits), metrics: options.metrics)
        return router
    }

    /// An application listening on `host:port` (port 0 picks a free one; `onServerRunning`
    /// receives the bound address), running `services` (the sweeper) in its service group.
    public static func application(
        broker: Broker, host: String, port: Int, tls: BrokerTLS? = nil, options: HTTPServerOptions = .init(),
        services: [any Service] = [], logger: Logger,
        onServerRunning: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) throws -> some ApplicationProtocol {
        return Application(
            router: router(for: broker, options: options),
            server: try serverBuilder(tls: tls, limits: options.connections, metrics: options.metrics),
            configuration: .init(address: .hostname(host, port: port), serverName: "leasehold/\(Broker.version)"),
            services: services,
            onServerRunning: { channel in
                let address = channel.localAddress
                await onServerRunning(address?.ipAddress ?? host, address?.port ?? port)
            },
            logger: logger
        )
    }

    /// A listener serving only `GET /metrics`, without a token (`serve --metrics-listen`): for a
    /// scraper on a private network. A service of the main application's group.
    public static func metricsApplication(
        metrics: ServerMetrics, broker: Broker, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) throws -> some ApplicationProtocol & Service {
        let router = Router(context: BrokerRequestContext.self)
        router.add(middleware: BrokerErrorMiddleware(metrics: nil))
        router.get("/metrics") { _, _ in
            HTTPBody.bytes(await metrics.render(broker: broker), contentType: prometheusContentType)
        }
        return Application(
            router: router,
            server: try serverBuilder(tls: nil, limits: .default, metrics: nil),
            configuration: .init(address: .hostname(host, port: port), serverName: "leasehold/\(Broker.version)"),
            onServerRunning: { channel in
                let address = channel.localAddress
                await onServerRunning(address?.ipAddress ?? host, address?.port ?? port)
            },
            logger: logger
        )
    }

    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"

    /// HTTP/1 (inside TLS if configured) with the connection deadlines, the whole behind the
    /// connection cap, so a connection over the cap costs no TLS handshake.
    static func serverBuilder(tls: BrokerTLS?, limits: ConnectionLimits, metrics: ServerMetrics?) throws -> HTTPServerBuilder {
        let counter = ConnectionCounter(limit: limits.maxConnections)
        let tlsConfiguration = tls?.configuration
        return HTTPServerBuilder { responder in
            let http = DeadlineChannel(responder: responder, limits: limits, onTimeout: { metrics?.connectionTimedOut($0) })
            if let tlsConfiguration {
                return CappedChannel(
                    base: try TLSChannel(http, tlsConfiguration: tlsConfiguration), counter: counter, onRefused: { metrics?.connectionRefused() })
            }
            return CappedChannel(base: http, counter: counter, onRefused: { metrics?.connectionRefused() })
        }
    }

    static func addRoutes(to router: Router<BrokerRequestContext>, broker: Broker, limiter: RateLimiter, metrics: ServerMetrics?) {
        router.get("/v1/health") { _, _ in
            try HTTPBody.json(["status": "ok", "version": Broker.version])
        }
        router.get("/v1/broker") { _, _ in
            try HTTPBody.json(broker.info())
        }
        router.post("/v1/owners") { request, _ in
            let token = try adminToken(request)
            let body = try await HTTPBody.decode(RegisterOwnerRequest.self, request)
            let result = try await broker.registerOwner(body, adminToken: token)
            return try HTTPBody.json(result, status: .created)
        }
        router.put("/v1/vault/{owner}/{keyId}") { request, context in
            let owner = try param(context, "owner")
            try limiter.check(owner: owner)
            let body = try await HTTPBody.decode(SignedOwnerRequest.self, request)
            let keyId = try param(context, "keyId")
            let result = try await broker.putKey(owner: owner, keyId: keyId, body)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases") { request, context in
            // The owner is only inside the signed envelope, which this layer does not parse.
            try limiter.check(client: RateLimiter.clientKey(context.remoteAddress))
            let envelope = try await HTTPBody.read(request, limit: HTTPBody.defaultLimit)
            let result = try await broker.issueLease(envelope: envelope)
            return try HTTPBody.json(result, status: .created)
        }
        router.get("/v1/leases/{owner}/{leaseId}") { _, context in
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            let result = try await broker.leaseStatus(owner: owner, leaseId: leaseId)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/challenge") { request, context in
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            try limiter.check(client: RateLimiter.clientKey(context.remoteAddress), lease: leaseKey(owner, leaseId))
            // No body is expected; a large one is refused rather than read.
            _ = try await HTTPBody.read(request, limit: 1024)
            let result = try await broker.challenge(owner: owner, leaseId: leaseId)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/grants") { request, context in
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            try limiter.check(client: RateLimiter.clientKey(context.remoteAddress), lease: leaseKey(owner, leaseId))
            let result: GrantResponse
            do {
                let body = try await HTTPBody.decode(GrantRequest.self, request, limit: HTTPBody.grantLimit)
                result = try await broker.grant(owner: owner, leaseId: leaseId, body)
            } catch let e as BrokerError {
                metrics?.denied(e.code)
                throw e
            }
            metrics?.granted()
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/revoke") { request, context in
            let owner = try param(context, "owner")
            try limiter.check(owner: owner)
            let body = try await HTTPBody.decode(SignedOwnerRequest.self, request)
            let leaseId = try param(context, "leaseId")
            let result = try await broker.revoke(owner: owner, leaseId: leaseId, body)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/release") { request, context in
            let body = try await HTTPBody.decode(WorkloadReceipt.self, request)
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            let result = try await broker.release(owner: owner, leaseId: leaseId, body)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/receipts") { request, context in
            let body = try await HTTPBody.decode(WorkloadReceipt.self, request)
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            let result = try await broker.receipt(owner: owner, leaseId: leaseId, body)
            return try HTTPBody.json(result, status: .created)
        }
        router.get("/v1/log/checkpoint") { _, _ in
            // The signed note byte for byte: its signature covers these exact bytes.
            let note = try await broker.checkpoint()
            return HTTPBody.bytes(Array(note.utf8), contentType: "text/plain; charset=utf-8")
        }
        router.get("/v1/log/entries") { request, _ in
            _ = try await broker.logReader(bearer: try bearer(request))
            let start = try query(request, "start", default: 0)
            let limit = try query(request, "limit", default: 100)
            guard limit >= 1 && limit <= UInt64(maxLogEntriesPerRequest) else {
                throw BrokerError(.badRequest, "limit must be 1...\(maxLogEntriesPerRequest)")
            }
            // JSON Lines: each entry's exact stored bytes (canonical JSON, never a raw line
            // break inside), then "\n"; an auditor hashes each line without its "\n".
            return HTTPBody.bytes(try await logPage(broker, start: start, limit: Int(limit)), contentType: "application/jsonl")
        }
        router.get("/v1/log/proof/inclusion") { request, _ in
            guard request.uri.queryParameters.get("index") != nil else { throw BrokerError(.badRequest, "index is required") }
            let result = try await broker.inclusionProof(index: try query(request, "index", default: 0))
            return try HTTPBody.json(result)
        }
        router.get("/metrics") { request, _ in
            // The token is checked before anything else, also when no metrics are kept, so
            // the route tells nobody without the token whether metrics exist.
            guard broker.isAdminToken(try adminToken(request, for: "metrics")) else {
                throw BrokerError(.unauthorized, "metrics need the admin token")
            }
            guard let metrics else { throw BrokerError(.notFound, "this broker keeps no metrics") }
            return HTTPBody.bytes(await metrics.render(broker: broker), contentType: prometheusContentType)
        }
        addAuditorRoutes(to: router, broker: broker)
        router.get("/v1/log/proof/consistency") { request, _ in
            guard request.uri.queryParameters.get("old") != nil else { throw BrokerError(.badRequest, "old is required") }
            let result = try await broker.consistencyProof(old: try query(request, "old", default: 0))
            return try HTTPBody.json(result)
        }
    }

    /// One page of `GET /v1/log/entries`: up to `limit` entries, read a few at a time, and no
    /// more once the page holds `maxLogPageBytes` (the first entry always goes in, so a page
    /// is never empty before the end of the log). Memory stays near the byte cap.
    static func logPage(_ broker: Broker, start: UInt64, limit: Int, maxBytes: Int = maxLogPageBytes) async throws(BrokerError) -> [UInt8] {
        var out: [UInt8] = []
        var next = start
        var remaining = limit
        while remaining > 0 {
            let chunk = try await broker.logEntries(start: next, limit: min(remaining, 32))
            for entry in chunk {
                if !out.isEmpty && out.count + entry.count + 1 > maxBytes { return out }
                appendJSONLine(entry, to: &out)
            }
            if chunk.count < min(remaining, 32) { break }
            next += UInt64(chunk.count)
            remaining -= chunk.count
        }
        return out
    }

    /// JSON Lines, as both entry routes send them: each entry's exact stored bytes (canonical
    /// JSON, never a raw line break inside), then "\n"; an auditor hashes each line without it.
    static func appendJSONLine(_ entry: [UInt8], to out: inout [UInt8]) {
        out += entry
        out.append(0x0A)
    }

    /// The per-lease bucket key (names are `[A-Za-z0-9._-]`, so "/" cannot be forged inside one;
    /// unchecked names only make a bucket of their own).
    static func leaseKey(_ owner: String, _ leaseId: String) -> String { owner + "/" + leaseId }

    static func param(_ context: BrokerRequestContext, _ name: String) throws(BrokerError) -> String {
        guard let value = context.parameters.get(name), !value.isEmpty else { throw BrokerError(.badRequest, "missing path parameter \(name)") }
        return value
    }

    /// A non-negative decimal query parameter, no sign, no leading zeros beyond "0".
    static func query(_ request: Request, _ name: String, default value: UInt64) throws(BrokerError) -> UInt64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let n = UInt64(text), String(n) == text else { throw BrokerError(.badRequest, "\(name) must be a non-negative decimal integer") }
        return n
    }

    /// The bearer token of a request, nil if it sent no Authorization header.
    static func bearer(_ request: Request) throws(BrokerError) -> String? {
        guard request.headers[.authorization] != nil else { return nil }
        return try adminToken(request, for: "reading the log")
    }

    /// The `Authorization: Bearer <token>` of an admin request.
    static func adminToken(_ request: Request, for what: String = "owner registration") throws(BrokerError) -> String {
        guard let header = request.headers[.authorization] else {
            throw BrokerError(.unauthorized, "\(what) needs Authorization: Bearer <admin token>")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), header.count > prefix.count else {
            throw BrokerError(.unauthorized, "the Authorization header must be \"Bearer <token>\"")
        }
        return String(header.dropFirst(prefix.count))
    }
}
