import Broker
import LeaseholdAPI
import Hummingbird

/// The auditor's routes: credentials (admin), the console's data (a log reader: auditor
/// token, admin token, or anyone with `--public-log`), and the console itself (static, for
/// anyone: it holds no data and asks for a token).
extension BrokerRoutes {
    static func addAuditorRoutes(to router: Router<BrokerRequestContext>, broker: Broker) {
        router.post("/v1/auditors") { request, _ in
            let token = try adminToken(request, for: "adding an auditor")
            let body = try await HTTPBody.decode(AddAuditorRequest.self, request)
            return try HTTPBody.json(try await broker.addAuditor(body, adminToken: token), status: .created)
        }
        router.get("/v1/auditors") { request, _ in
            let token = try adminToken(request, for: "listing auditors")
            return try HTTPBody.json(try await broker.auditors(adminToken: token))
        }
        router.post("/v1/auditors/{name}/revoke") { request, context in
            let token = try adminToken(request, for: "revoking an auditor")
            _ = try await HTTPBody.read(request, limit: 1024)
            return try HTTPBody.json(try await broker.revokeAuditor(name: try param(context, "name"), adminToken: token))
        }
        router.get("/v1/audit/owners") { request, _ in
            _ = try await broker.logReader(bearer: try bearer(request))
            return try HTTPBody.json(try await broker.auditOwners())
        }
        router.get("/v1/audit/leases") { request, _ in
            _ = try await broker.logReader(bearer: try bearer(request))
            let q = request.uri.queryParameters
            let status = q.get("status")
            if let status, !AuditLeaseSummary.statuses.contains(status) {
                throw BrokerError(.badRequest, "status must be one of \(AuditLeaseSummary.statuses.joined(separator: ", "))")
            }
            let limit = try query(request, "limit", default: 200)
            return try HTTPBody.json(
                try await broker.auditLeases(
                    owner: q.get("owner"), text: q.get("q"), status: status,
                    limit: Int(clamping: limit)))
        }
        router.get("/v1/audit/leases/{owner}/{leaseId}/entries") { request, context in
            _ = try await broker.logReader(bearer: try bearer(request))
            let offset = try query(request, "offset", default: 0)
            let entries = try await broker.auditLeaseEntries(
                owner: try param(context, "owner"), leaseId: try param(context, "leaseId"),
                offset: Int(clamping: offset))
            var out: [UInt8] = []
            for e in entries { appendJSONLine(e, to: &out) }
            return HTTPBody.bytes(out, contentType: "application/jsonl")
        }
        for asset in ConsoleAssets.all {
            router.get(RouterPath(asset.path)) { _, _ in ConsoleAssets.response(asset) }
        }
    }
}
