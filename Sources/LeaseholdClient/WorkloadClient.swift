import Codecs
import LeaseholdAPI
import Foundation
import TransparencyLog
import Vault

/// A key released to a workload, opened.
public struct ReleasedKey: Sendable {
    public var keyId: String
    public var key: DataKey
}

/// What a successful grant leaves the workload with: its keys, the one-time key that signs its
/// receipts and release, and the verified proof that the grant is on the log.
public struct ReleasedGrant: Sendable {
    public var owner: String
    public var leaseId: String
    public var notAfter: String
    public var grantId: String
    public var keys: [ReleasedKey]
    /// Signs `WorkloadClient.postReceipt` and `release`; its public half is in the evidence's
    /// report data and in the grant's `key.granted` entry.
    public var signingKey: ReceiptSigningKey
    public var receipt: GrantReceipt
    /// The checkpoint the receipt was verified against.
    public var checkpoint: Checkpoint
    /// The broker's answer as received (the keys in it still sealed).
    public var response: GrantResponse
}

/// The workload's side of key release: challenge -> one-time key -> evidence -> grant ->
/// open the keys -> verify the receipt. Nothing is returned unless all of it succeeds.
public struct WorkloadClient: Sendable {
    /// HTTP (`BrokerConnection`) or in process; the checks are the same.
    public let transport: any WorkloadTransport
    /// The broker's log key. If nil, the one `GET /v1/broker` publishes is used (trust on
    /// first use); pin it to detect a broker that answers with a log of its own making.
    public var logKey: NoteVerifier?
    public var clock: @Sendable () -> Date

    public init(_ connection: BrokerConnection, logKey: NoteVerifier? = nil, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(transport: connection, logKey: logKey, clock: clock)
    }

    public init(transport: any WorkloadTransport, logKey: NoteVerifier? = nil, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.transport = transport
        self.logKey = logKey
        self.clock = clock
    }

    /// `POST /v1/leases/{owner}/{leaseId}/challenge`.
    public func challenge(owner: String, leaseId: String) async throws(LeaseholdClientError) -> ChallengeResponse {
        try await transport.challenge(owner: owner, leaseId: leaseId)
    }

    /// The whole key release for one lease. `evidence` is called once, with the binding of
    /// this challenge, this one-time key and this lease. `sending`, if given, sees the grant
    /// request's body just before it is sent (it holds nothing secret: evidence, nonce and
    /// the one-time public key), for operators who need to inspect or replay it.
    public func fetch(
        owner: String, leaseId: String, suite: KeyWrapSuite = .default, evidence: EvidenceProvider,
        sending: (@Sendable (_ body: [UInt8]) -> Void)? = nil
    ) async throws(LeaseholdClientError) -> ReleasedGrant {
        let logKey = try await resolvedLogKey()
        let challenge = try await challenge(owner: owner, leaseId: leaseId)
        guard let nonce = Base64.decodeCanonical(challenge.nonce), let digest = Hex.decode(challenge.manifestDigest), digest.count == 32 else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "the challenge's nonce or manifest digest is malformed")
        }
        let keyPair: KeyWrapKeyPair
        do { keyPair = try KeyWrapKeyPair.generate(suite: suite) } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot make a one-time \(suite.id) key: \(error)")
        }
        let signingKey: ReceiptSigningKey
        do { signingKey = try ReceiptSigningKey(scheme: ReceiptSigningKey.scheme(forSuite: suite.id)) } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot make a one-time receipt signing key: \(error)")
        }
        let binding = LeaseBinding(
            nonce: nonce, suiteID: suite.id, publicKey: keyPair.publicKey, owner: owner, leaseID: leaseId, manifestDigest: digest,
            signingKey: signingKey.publicKey.text)
        let produced: WorkloadEvidence
        do { produced = try await evidence(binding) } catch {
            throw LeaseholdClientError(LeaseholdClientError.evidenceFailed, "the evidence provider failed: \(error)")
        }
        let request = GrantRequest(
            tee: produced.tee, evidence: Base64.encode(produced.evidence),
            collateral: produced.collateral.isEmpty ? nil : produced.collateral.map { Base64.encode($0) },
            nonce: challenge.nonce, suite: suite.id, publicKey: Base64.encode(keyPair.publicKey),
            signingKey: signingKey.publicKey.text)
        if let sending { sending(try BrokerConnection.encode(request)) }
        let response = try await transport.grant(owner: owner, leaseId: leaseId, request)
        return try Self.open(response, owner: owner, leaseId: leaseId, keyPair: keyPair, signingKey: signingKey, logKey: logKey)
    }

    /// `LeaseholdName`: `[A-Za-z0-9._-]{1,128}`, not starting with a dot.
    public static func isKeyID(_ id: String) -> Bool { LeaseholdName.isValid(id) }

    /// Opens every key of a grant response with the one-time key and the lease's `info`, and
    /// verifies the receipt: its entry must name this grant, these sealed keys, this one-time
    /// key and this signing key. Pure: tests call it directly.
    public static func open(
        _ response: GrantResponse, owner: String, leaseId: String, keyPair: KeyWrapKeyPair,
        signingKey: ReceiptSigningKey, logKey: NoteVerifier
    ) throws(LeaseholdClientError) -> ReleasedGrant {
        guard response.owner == owner, response.leaseId == leaseId else {
            throw LeaseholdClientError(
                LeaseholdClientError.badResponse, "the grant is for \(response.owner)/\(response.leaseId), not \(owner)/\(leaseId)")
        }
        // Key ids become file names (`workload fetch --out DIR/<keyId>`): a broker may answer
        // only with ids of the manifest's grammar, and never a dot file (review L10).
        for granted in response.keys where !Self.isKeyID(granted.keyId) {
            throw LeaseholdClientError(
                LeaseholdClientError.badResponse,
                "key id \(granted.keyId.prefix(40).debugDescription) is not [A-Za-z0-9._-]{1,128} without a leading dot")
        }
        var keys: [ReleasedKey] = []
        for granted in response.keys {
            let info = LeaseBinding.grantInfo(owner: owner, leaseID: leaseId, keyID: granted.keyId, notAfter: response.notAfter)
            keys.append(ReleasedKey(keyId: granted.keyId, key: try unwrap(granted, keyPair: keyPair, info: info)))
        }
        guard !keys.isEmpty else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "the grant holds no key")
        }
        let checkpoint = try GrantReceiptVerifier.verify(response.receipt, logKey: logKey)
        do {
            _ = try response.receipt.checkEntry(
                owner: owner, leaseId: leaseId, grantId: response.grantId,
                keys: response.keys, publicKey: keyPair.publicKey, signingKey: signingKey.publicKey)
        } catch {
            throw LeaseholdClientError(
                LeaseholdClientError.receiptInvalid, "\(error.description): the broker did not prove that it logged this grant")
        }
        return ReleasedGrant(
            owner: owner, leaseId: leaseId, notAfter: response.notAfter, grantId: response.grantId, keys: keys,
            signingKey: signingKey, receipt: response.receipt, checkpoint: checkpoint,
            response: response)
    }

    static func unwrap(_ granted: GrantedKey, keyPair: KeyWrapKeyPair, info: [UInt8]) throws(LeaseholdClientError) -> DataKey {
        do {
            return try keyPair.open(try wrapped(granted), info: info)
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.unwrapFailed, "granted key \(granted.keyId): \(error)")
        }
    }

    static func wrapped(_ granted: GrantedKey) throws(LeaseholdClientError) -> WrappedKey {
        guard let enc = Base64.decodeCanonical(granted.encapsulatedKey), let ct = Base64.decodeCanonical(granted.ciphertext) else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "granted key \(granted.keyId) is not canonical base64")
        }
        return WrappedKey(encapsulatedKey: enc, ciphertext: ct)
    }

    func resolvedLogKey() async throws(LeaseholdClientError) -> NoteVerifier {
        if let logKey { return logKey }
        let info = try await transport.info()
        do { return try NoteVerifier(encoded: info.logKey) } catch {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "the broker's log key is malformed: \(error)")
        }
    }
}
