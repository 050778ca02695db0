import LeaseholdAPI
import Foundation

/// The broker operator's calls that take the admin token: auditor credentials.
public struct AdminClient: Sendable {
    public let connection: BrokerConnection
    let adminToken: String

    public init(_ connection: BrokerConnection, adminToken: String) {
        self.connection = connection
        self.adminToken = adminToken
    }

    var authorization: [String: String] { ["Authorization": "Bearer " + adminToken] }

    /// `POST /v1/auditors`: a new read-only token for `name`, returned once (`token`).
    public func addAuditor(name: String) async throws(LeaseholdClientError) -> AuditorInfo {
        let body = try BrokerConnection.encode(AddAuditorRequest(name: name))
        return try await connection.json(AuditorInfo.self, "POST", ["v1", "auditors"], body: body, headers: authorization)
    }

    /// `GET /v1/auditors`: every auditor, revoked ones included, without tokens.
    public func auditors() async throws(LeaseholdClientError) -> [AuditorInfo] {
        try await connection.json([AuditorInfo].self, "GET", ["v1", "auditors"], headers: authorization)
    }

    /// `POST /v1/auditors/{name}/revoke`: the token stops working at once.
    public func revokeAuditor(name: String) async throws(LeaseholdClientError) -> AuditorInfo {
        try await connection.json(AuditorInfo.self, "POST", ["v1", "auditors", name, "revoke"], headers: authorization)
    }
}
