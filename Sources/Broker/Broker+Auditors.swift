import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog

/// Who may read the log's entries over HTTP (issue 15, item 4). Entries name owners, leases,
/// measurements and evidence hashes: metadata an operator may not want public. So, by default,
/// reading them takes a credential (an auditor token or the admin token); `serve
/// --public-log` opens them to anyone. Checkpoints and proofs carry hashes only and stay
/// public, so a workload or owner can always check what it was given.
public enum LogReader: Sendable, Hashable {
    case admin
    case auditor(String)
    case anyone
}

extension Broker {
    /// Creates an auditor token (admin only). The token is returned once; the store keeps
    /// its SHA-256, so a database copy cannot be replayed as a credential.
    public func addAuditor(_ r: AddAuditorRequest, adminToken token: String) async throws(BrokerError) -> AuditorInfo {
        try checkAdmin(token, for: "adding an auditor")
        try Self.checkName(r.name, what: "auditor name")
        let secret = AuditorToken.prefix + Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        let record = AuditorRecord(name: r.name, tokenHash: Self.auditorTokenHash(secret), created: Self.millis(now))
        try await write { tx in
            guard try tx.auditor(name: r.name) == nil else {
                throw BrokerError(.auditorExists, "an auditor named \(r.name) exists (revoked ones keep their name)")
            }
            try tx.insertAuditor(record)
        }
        var info = Self.info(record)
        info.token = secret
        return info
    }

    /// Every auditor credential, without tokens (admin only).
    public func auditors(adminToken token: String) async throws(BrokerError) -> [AuditorInfo] {
        try checkAdmin(token, for: "listing auditors")
        return try await read { tx in try tx.auditors() }.map(Self.info)
    }

    /// Revokes an auditor token at once (admin only): its next request is refused.
    public func revokeAuditor(name: String, adminToken token: String) async throws(BrokerError) -> AuditorInfo {
        try checkAdmin(token, for: "revoking an auditor")
        let at = Self.millis(now)
        let record = try await write { tx -> AuditorRecord in
            guard var record = try tx.auditor(name: name) else { throw BrokerError(.notFound, "no auditor named \(name)") }
            guard record.revoked == nil, try tx.revokeAuditor(name: name, at: at) else {
                throw BrokerError(.badRequest, "auditor \(name) is already revoked")
            }
            record.revoked = at
            return record
        }
        return Self.info(record)
    }

    /// Who is reading, from the request's bearer token (nil: none sent). A token that is sent
    /// must be valid even on a `--public-log` broker: a mistyped or revoked token is an error
    /// its holder should see, not a silent downgrade to public access.
    public func logReader(bearer: String?) async throws(BrokerError) -> LogReader {
        guard let bearer else {
            if configuration.publicLog { return .anyone }
            throw BrokerError(
                .unauthorized,
                "reading the log's entries needs Authorization: Bearer <auditor token> (leasehold auditor add) or the admin token; this broker was not started with --public-log"
            )
        }
        if isAdminToken(bearer) { return .admin }
        let hash = Self.auditorTokenHash(bearer)
        guard bearer.hasPrefix(AuditorToken.prefix), let record = try await read({ tx in try tx.auditor(tokenHash: hash) }) else {
            throw BrokerError(.unauthorized, "the bearer token is neither an auditor token of this broker nor its admin token")
        }
        guard record.revoked == nil else { throw BrokerError(.unauthorized, "auditor token \(record.name) was revoked") }
        return .auditor(record.name)
    }

    /// Whether `token` is the admin token, compared in constant time: it registers owners,
    /// manages auditors, reads the log and guards `GET /metrics` on the API listener.
    public func isAdminToken(_ token: String) -> Bool {
        ConstantTime.equal(Array(token.utf8), adminToken)
    }

    /// Refuses (401) unless `token` is the admin token; `what` names the action in the message.
    func checkAdmin(_ token: String, for what: String) throws(BrokerError) {
        guard isAdminToken(token) else { throw BrokerError(.unauthorized, "\(what) needs the admin token") }
    }

    static func auditorTokenHash(_ token: String) -> [UInt8] { Array(SHA256.hash(data: Array(token.utf8))) }

    static func info(_ r: AuditorRecord) -> AuditorInfo {
        AuditorInfo(
            name: r.name, created: RFC3339.format(Date(timeIntervalSince1970: Double(r.created) / 1000)),
            revoked: r.revoked.map { RFC3339.format(Date(timeIntervalSince1970: Double($0) / 1000)) })
    }
}
