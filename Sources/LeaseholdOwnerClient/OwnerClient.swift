import Codecs
import LeaseholdAPI
import LeaseholdClient
import Foundation
import LeaseholdCore
import TransparencyLog
import Vault

/// What a data owner does with a broker: register (with the admin's token), put keys in the
/// vault, issue and revoke leases, look at them.
public struct OwnerClient: Sendable {
    public let connection: BrokerConnection
    /// The clock that stamps signed requests (the broker allows five minutes of skew).
    public var clock: @Sendable () -> Date
    /// The broker's identity as the owner knows it (known-brokers file or a pinned id): when
    /// set, a signed request is built only if `GET /v1/broker` still presents exactly these
    /// keys, so a key is never sealed to a vault key the owner did not check.
    public var pinned: BrokerIdentity?

    public init(_ connection: BrokerConnection, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.connection = connection
        self.clock = clock
    }

    /// `POST /v1/owners` with `Authorization: Bearer <adminToken>`.
    public func register(owner: String, publicKey: OwnerPublicKey, adminToken: String) async throws(LeaseholdClientError) -> OwnerInfo {
        let body = try BrokerConnection.encode(RegisterOwnerRequest(owner: owner, publicKey: publicKey.text))
        return try await connection.json(OwnerInfo.self, "POST", ["v1", "owners"], body: body, headers: ["Authorization": "Bearer " + adminToken])
    }

    /// Seals `key` to the broker's vault public key for `suite` (from `GET /v1/broker`), signs
    /// the request with the owner key, and `PUT`s it. The key never crosses the wire in clear.
    public func putKey(
        owner: String, keyId: String, key: DataKey, signingKey: OwnerSigningKey,
        suite: KeyWrapSuite = .default
    ) async throws(LeaseholdClientError) -> VaultPutResult {
        let info = try await pinnedInfo()
        guard let text = info.vaultPublicKeys[suite.id], let vaultKey = Base64.decodeCanonical(text) else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "the broker publishes no \(suite.id) vault public key")
        }
        let request = try OwnerRequests.vaultPut(
            owner: owner, keyId: keyId, key: key, vaultPublicKey: vaultKey, suite: suite,
            signingKey: signingKey, at: clock(), broker: info.logKey)
        return try await connection.json(VaultPutResult.self, "PUT", ["v1", "vault", owner, keyId], body: try BrokerConnection.encode(request))
    }

    /// `POST /v1/leases` with the envelope's JSON, exactly as signed.
    public func issueLease(envelopeJSON: [UInt8]) async throws(LeaseholdClientError) -> LeaseStatus {
        try await connection.json(LeaseStatus.self, "POST", ["v1", "leases"], body: envelopeJSON)
    }

    public func issueLease(_ envelope: DSSEEnvelope) async throws(LeaseholdClientError) -> LeaseStatus {
        try await issueLease(envelopeJSON: envelope.json)
    }

    /// `POST /v1/leases/{owner}/{leaseId}/revoke`, owner-signed.
    public func revoke(owner: String, leaseId: String, signingKey: OwnerSigningKey) async throws(LeaseholdClientError) -> LogIndexResponse {
        let info = try await pinnedInfo()
        let request = try OwnerRequests.revoke(owner: owner, leaseId: leaseId, signingKey: signingKey, at: clock(), broker: info.logKey)
        return try await connection.json(
            LogIndexResponse.self, "POST", ["v1", "leases", owner, leaseId, "revoke"], body: try BrokerConnection.encode(request))
    }

    /// `GET /v1/broker`, refused when it differs from `pinned`. (The conversion from the wire
    /// type lives here, with the other wire-facing code, so KnownBrokers stays free of it.)
    func pinnedInfo() async throws(LeaseholdClientError) -> BrokerInfo {
        let info = try await connection.info()
        if let pinned, BrokerIdentity(info) != pinned {
            throw KnownBrokers.changed(
                connection.baseURL.absoluteString, now: BrokerIdentity(info), was: pinned, source: "the identity this client was given")
        }
        return info
    }

    /// `GET /v1/leases/{owner}/{leaseId}`.
    public func leaseStatus(owner: String, leaseId: String) async throws(LeaseholdClientError) -> LeaseStatus {
        try await connection.json(LeaseStatus.self, "GET", ["v1", "leases", owner, leaseId])
    }
}

extension BrokerIdentity {
    /// The identity `GET /v1/broker` presents.
    public init(_ info: BrokerInfo) {
        self.init(logKey: info.logKey, vaultPublicKeys: info.vaultPublicKeys)
    }
}
