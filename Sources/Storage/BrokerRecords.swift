/// Rows of the broker's tables, as plain values. Times are Unix seconds (leases: whole
/// seconds, as manifests are) or Unix milliseconds where noted.

public struct OwnerRecord: Sendable, Hashable {
    public var owner: String
    /// `leasehold-owner-pub v1 <alg> <base64>`.
    public var publicKey: String
    public var registeredSeq: UInt64
    public init(owner: String, publicKey: String, registeredSeq: UInt64) {
        self.owner = owner; self.publicKey = publicKey; self.registeredSeq = registeredSeq
    }
}

public struct VaultKeyRecord: Sendable, Hashable {
    public var owner: String
    public var keyId: String
    public var version: UInt64
    /// The data key sealed under the root key (Vault's record format); never in clear.
    public var sealed: [UInt8]
    public init(owner: String, keyId: String, version: UInt64, sealed: [UInt8]) {
        self.owner = owner; self.keyId = keyId; self.version = version; self.sealed = sealed
    }
}

public struct LeaseRecord: Sendable, Hashable {
    public var owner: String
    public var leaseId: String
    /// The manifest's canonical JSON (the DSSE payload) and the envelope as received.
    public var manifest: [UInt8]
    public var envelope: [UInt8]
    public var digest: [UInt8]
    /// issued | active | expired | revoked | exhausted | released
    public var state: String
    public var notBefore: Int64
    public var notAfter: Int64
    public var maxGrants: Int64
    public var grantsIssued: Int64
    public var expiryRecorded: Bool
    public var issuedSeq: UInt64
    /// The seq of the last entry that changed this row (issue, grant, end, expiry).
    public var lastSeq: UInt64
    /// The broker's MAC over the row's identity and every column above (Broker's `RowMAC`);
    /// empty on rows written before row MACs, which the broker adopts at start.
    public var mac: [UInt8]
    public init(
        owner: String, leaseId: String, manifest: [UInt8], envelope: [UInt8], digest: [UInt8], state: String,
        notBefore: Int64, notAfter: Int64, maxGrants: Int64, grantsIssued: Int64, expiryRecorded: Bool, issuedSeq: UInt64,
        lastSeq: UInt64 = 0, mac: [UInt8] = []
    ) {
        self.owner = owner; self.leaseId = leaseId; self.manifest = manifest; self.envelope = envelope; self.digest = digest
        self.state = state; self.notBefore = notBefore; self.notAfter = notAfter; self.maxGrants = maxGrants
        self.grantsIssued = grantsIssued; self.expiryRecorded = expiryRecorded; self.issuedSeq = issuedSeq
        self.lastSeq = lastSeq; self.mac = mac
    }
}

/// A challenge nonce that a grant request named. Nonces are never stored when issued (they
/// authenticate themselves, `ChallengeToken`); recording the first use is what makes them
/// single-use. A row can go once its nonce has expired: the nonce is refused by its expiry.
public struct NonceRecord: Sendable, Hashable {
    public var nonce: [UInt8]
    public var owner: String
    public var leaseId: String
    /// Unix milliseconds.
    public var usedAt: Int64
    public var expiresAt: Int64
    public init(nonce: [UInt8], owner: String, leaseId: String, usedAt: Int64, expiresAt: Int64) {
        self.nonce = nonce; self.owner = owner; self.leaseId = leaseId; self.usedAt = usedAt; self.expiresAt = expiresAt
    }
}

public struct GrantRecord: Sendable, Hashable {
    public var grantId: String
    public var owner: String
    public var leaseId: String
    public var seq: UInt64
    /// The receipt MAC key, sealed under the root key like vault keys.
    public var receiptKeySealed: [UInt8]
    public init(grantId: String, owner: String, leaseId: String, seq: UInt64, receiptKeySealed: [UInt8]) {
        self.grantId = grantId; self.owner = owner; self.leaseId = leaseId; self.seq = seq; self.receiptKeySealed = receiptKeySealed
    }
}

/// A read-only log credential (`leasehold auditor add`). Only the SHA-256 of the token is
/// kept: a copy of the database does not let anyone read the log over HTTP.
public struct AuditorRecord: Sendable, Hashable {
    public var name: String
    /// SHA-256 of the token's UTF-8 bytes (32 bytes).
    public var tokenHash: [UInt8]
    /// Unix milliseconds.
    public var created: Int64
    /// Unix milliseconds; nil while the token works.
    public var revoked: Int64?
    public init(name: String, tokenHash: [UInt8], created: Int64, revoked: Int64? = nil) {
        self.name = name; self.tokenHash = tokenHash; self.created = created; self.revoked = revoked
    }
}
