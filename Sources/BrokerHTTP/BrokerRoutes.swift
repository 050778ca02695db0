import Broker
import ServiceLifecycle
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging

/// The REST API of a broker (documented route by route in `openapi.yaml` beside this file; a
/// test keeps the two equal). Every route is a thin adapter: read and strictly decode the
/// body, call the one `Broker` operation, encode the result. No decision is made here.
public enum BrokerRoutes {
    /// The log entries route returns at most this many entries per request.
    public static let maxLogEntriesPerRequest = 1000

    /// A router serving every route of the API for `broker`.
    public static func router(for broker: Broker) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: BrokerErrorMiddleware())
        addRoutes(to: router, broker: broker)
        return router
    }

    /// An application listening on `host:port` (port 0 picks a free one; `onServerRunning`
    /// receives the bound address), running `services` (the sweeper) in its service group.
    public static func application(
        broker: Broker, host: String, port: Int, tls: BrokerTLS? = nil, services: [any Service] = [], logger: Logger,
        onServerRunning: @escaping @Sendable (String, Int) async -> Void = { _, _ in }
    ) throws -> some ApplicationProtocol {
        let server: HTTPServerBuilder = try tls.map { try .tls(.http1(), tlsConfiguration: $0.configuration) } ?? .http1()
        return Application(
            router: router(for: broker),
            server: server,
            configuration: .init(address: .hostname(host, port: port), serverName: "leasehold/\(Broker.version)"),
            services: services,
            onServerRunning: { channel in
                let address = channel.localAddress
                await onServerRunning(address?.ipAddress ?? host, address?.port ?? port)
            },
            logger: logger
        )
    }

    static func addRoutes(to router: Router<BasicRequestContext>, broker: Broker) {
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
            let body = try await HTTPBody.decode(SignedOwnerRequest.self, request)
            let owner = try param(context, "owner")
            let keyId = try param(context, "keyId")
            let result = try await broker.putKey(owner: owner, keyId: keyId, body)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases") { request, _ in
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
            // No body is expected; a large one is refused rather than read.
            _ = try await HTTPBody.read(request, limit: 1024)
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            let result = try await broker.challenge(owner: owner, leaseId: leaseId)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/grants") { request, context in
            let body = try await HTTPBody.decode(GrantRequest.self, request, limit: HTTPBody.grantLimit)
            let owner = try param(context, "owner")
            let leaseId = try param(context, "leaseId")
            let result = try await broker.grant(owner: owner, leaseId: leaseId, body)
            return try HTTPBody.json(result)
        }
        router.post("/v1/leases/{owner}/{leaseId}/revoke") { request, context in
            let body = try await HTTPBody.decode(SignedOwnerRequest.self, request)
            let owner = try param(context, "owner")
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
            let start = try query(request, "start", default: 0)
            let limit = try query(request, "limit", default: 100)
            guard limit >= 1 && limit <= UInt64(maxLogEntriesPerRequest) else {
                throw BrokerError(.badRequest, "limit must be 1...\(maxLogEntriesPerRequest)")
            }
            // JSON Lines: each entry's exact stored bytes (canonical JSON, never a raw line
            // break inside), then "\n"; an auditor hashes each line without its "\n".
            var out: [UInt8] = []
            let entries = try await broker.logEntries(start: start, limit: Int(limit))
            for entry in entries {
                out += entry
                out.append(0x0A)
            }
            return HTTPBody.bytes(out, contentType: "application/jsonl")
        }
        router.get("/v1/log/proof/inclusion") { request, _ in
            guard request.uri.queryParameters.get("index") != nil else { throw BrokerError(.badRequest, "index is required") }
            let result = try await broker.inclusionProof(index: try query(request, "index", default: 0))
            return try HTTPBody.json(result)
        }
        router.get("/v1/log/proof/consistency") { request, _ in
            guard request.uri.queryParameters.get("old") != nil else { throw BrokerError(.badRequest, "old is required") }
            let result = try await broker.consistencyProof(old: try query(request, "old", default: 0))
            return try HTTPBody.json(result)
        }
    }

    static func param(_ context: BasicRequestContext, _ name: String) throws(BrokerError) -> String {
        guard let value = context.parameters.get(name), !value.isEmpty else { throw BrokerError(.badRequest, "missing path parameter \(name)") }
        return value
    }

    /// A non-negative decimal query parameter, no sign, no leading zeros beyond "0".
    static func query(_ request: Request, _ name: String, default value: UInt64) throws(BrokerError) -> UInt64 {
        guard let text = request.uri.queryParameters.get(name) else { return value }
        guard let n = UInt64(text), String(n) == text else { throw BrokerError(.badRequest, "\(name) must be a non-negative decimal integer") }
        return n
    }

    /// The `Authorization: Bearer <token>` of an admin request.
    static func adminToken(_ request: Request) throws(BrokerError) -> String {
        guard let header = request.headers[.authorization] else {
            throw BrokerError(.unauthorized, "owner registration needs Authorization: Bearer <admin token>")
        }
        let prefix = "Bearer "
        guard header.hasPrefix(prefix), header.count > prefix.count else {
            throw BrokerError(.unauthorized, "the Authorization header must be \"Bearer <admin token>\"")
        }
        return String(header.dropFirst(prefix.count))
    }
}
