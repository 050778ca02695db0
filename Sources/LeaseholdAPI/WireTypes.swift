import Codecs
import Crypto
import Foundation
import TransparencyLog

// The JSON bodies of the REST API (documented in Sources/BrokerHTTP/openapi.yaml).
// Byte strings are standard base64; times are RFC 3339 UTC. Decoding is strict: the HTTP
// layer refuses unknown fields before these types are built.

/// `GET /v1/broker`: what a client needs to talk to this broker.
public struct BrokerInfo: Codable, Sendable, Hashable {
    /// The log's signed-note verifier key, `name+keyid+base64`.
    public var logKey: String
    /// Vault public keys by key-wrap suite id, base64: owners seal `vault put` keys to these.
    public var vaultPublicKeys: [String: String]
    /// TEE kinds this broker verifies (`sandbox` only with --allow-sandbox).
    public var tees: [String]
    public var version: String

    public init(logKey: String, vaultPublicKeys: [String: String], tees: [String], version: String) {
        self.logKey = logKey
        self.vaultPublicKeys = vaultPublicKeys
        self.tees = tees
        self.version = version
    }
}

/// `POST /v1/owners` (admin token): register a data owner and its public key.
public struct RegisterOwnerRequest: Codable, Sendable, Hashable {
    public var owner: String
    /// The owner's public key in `leasehold-owner-pub v1 <alg> <base64>` form.
    public var publicKey: String
    public init(owner: String, publicKey: String) { self.owner = owner; self.publicKey = publicKey }
}

public struct OwnerInfo: Codable, Sendable, Hashable {
    public var owner: String
    public var publicKeyId: String
    public var logIndex: UInt64

    public init(owner: String, publicKeyId: String, logIndex: UInt64) {
        self.owner = owner
        self.publicKeyId = publicKeyId
        self.logIndex = logIndex
    }
}

/// An owner-signed request (vault put, revoke): the signed `payload` is canonical JSON whose
/// `op`, `owner`, `time` and target the broker checks; `signature` is over the DSSE PAE of
/// payloadType `application/vnd.leasehold.request+json` and the payload, by the owner's key.
/// `time` must be within five minutes of the broker's clock, so a captured request cannot be
/// replayed later; vault puts are further bound to a fresh version number.
public struct SignedOwnerRequest: Codable, Sendable, Hashable {
    /// base64 of the canonical JSON payload.
    public var payload: String
    /// base64 signature.
    public var signature: String
    public init(payload: String, signature: String) { self.payload = payload; self.signature = signature }
}

/// The answer to `PUT /v1/vault/{owner}/{keyId}`: the version stored and the `vault.key.put`
/// entry that records it. (The signed request's payload is described at `SignedOwnerRequest`
/// and in PROTOCOL.md §7.2.)
public struct VaultPutResult: Codable, Sendable, Hashable {
    public var owner: String
    public var keyId: String
    public var version: UInt64
    public var logIndex: UInt64

    public init(owner: String, keyId: String, version: UInt64, logIndex: UInt64) {
        self.owner = owner
        self.keyId = keyId
        self.version = version
        self.logIndex = logIndex
    }
}

/// A lease as the broker holds it: the answer to `POST /v1/leases` (whose body is the DSSE
/// envelope of the owner-signed manifest) and to `GET /v1/leases/{owner}/{leaseId}`.
public struct LeaseStatus: Codable, Sendable, Hashable {
    public var owner: String
    public var leaseId: String
    /// issued | active | expired | revoked | exhausted | released
    public var state: String
    public var notBefore: String
    public var notAfter: String
    public var maxGrants: Int64
    public var grantsIssued: Int64
    public var keys: [String]
    public var tees: [String]
    /// hex SHA-256 of the manifest's canonical JSON.
    public var manifestDigest: String
    /// Log index of the `lease.issued` entry.
    public var issuedLogIndex: UInt64

    public init(
        owner: String, leaseId: String, state: String, notBefore: String, notAfter: String, maxGrants: Int64, grantsIssued: Int64, keys: [String],
        tees: [String], manifestDigest: String, issuedLogIndex: UInt64
    ) {
        self.owner = owner
        self.leaseId = leaseId
        self.state = state
        self.notBefore = notBefore
        self.notAfter = notAfter
        self.maxGrants = maxGrants
        self.grantsIssued = grantsIssued
        self.keys = keys
        self.tees = tees
        self.manifestDigest = manifestDigest
        self.issuedLogIndex = issuedLogIndex
    }
}

/// `POST /v1/leases/{owner}/{leaseId}/challenge`.
public struct ChallengeResponse: Codable, Sendable, Hashable {
    /// base64 of the 48-byte challenge token (16 random bytes, issue and expiry times, an HMAC
    /// tag; PROTOCOL.md §9); single use.
    public var nonce: String
    public var expiresAt: String
    /// hex manifest digest, which the workload binds into its report data.
    public var manifestDigest: String

    public init(nonce: String, expiresAt: String, manifestDigest: String) {
        self.nonce = nonce
        self.expiresAt = expiresAt
        self.manifestDigest = manifestDigest
    }
}

/// `POST /v1/leases/{owner}/{leaseId}/grants`.
public struct GrantRequest: Codable, Sendable, Hashable {
    public var tee: String
    /// base64 of the report, quote or attestation document.
    public var evidence: String
    /// base64 of each certificate / collateral file (SEV-SNP VCEK+ASK, DCAP collateral).
    public var collateral: [String]?
    public var nonce: String
    /// Key-wrap suite id (`x25519-sha256-aes256gcm` default, `xwing-sha256-aes256gcm`).
    public var suite: String
    /// base64 of the workload's one-time public key for that suite.
    public var publicKey: String
    /// The workload's one-time receipt signing key (`ReceiptPublicKey.text`), bound into the
    /// report data with the rest. Without it the grant can post no receipt or release, and a
    /// lease with `receipts: required` refuses the grant.
    public var signingKey: String?
    public init(tee: String, evidence: String, collateral: [String]?, nonce: String, suite: String, publicKey: String, signingKey: String? = nil) {
        self.tee = tee; self.evidence = evidence; self.collateral = collateral; self.nonce = nonce; self.suite = suite; self.publicKey = publicKey
        self.signingKey = signingKey
    }
}

public struct GrantedKey: Codable, Sendable, Hashable {
    public var keyId: String
    /// HPKE encapsulated key and ciphertext, base64; `info` = LeaseBinding.grantInfo(owner, leaseId, keyId, notAfter).
    public var encapsulatedKey: String
    public var ciphertext: String

    /// Lower-case hex SHA-256 over lp(enc) ‖ lp(ciphertext) (4-byte big-endian lengths): the
    /// `sealedDigest` a `key.granted` entry records for each key it released.
    public static func sealedDigest(encapsulatedKey: [UInt8], ciphertext: [UInt8]) -> String {
        var h = SHA256()
        for part in [encapsulatedKey, ciphertext] {
            withUnsafeBytes(of: UInt32(truncatingIfNeeded: part.count).bigEndian) { h.update(bufferPointer: $0) }
            h.update(data: part)
        }
        return Hex.encode(Array(h.finalize()))
    }

    public init(keyId: String, encapsulatedKey: String, ciphertext: String) {
        self.keyId = keyId
        self.encapsulatedKey = encapsulatedKey
        self.ciphertext = ciphertext
    }
}

/// Proof that the grant is on the log: the workload holds its own record.
public struct GrantReceipt: Codable, Sendable, Hashable {
    public var logIndex: UInt64
    public var leafHash: String
    /// The signed checkpoint (signed note text) the proof is against.
    public var checkpoint: String
    public var inclusionProof: [String]
    /// The grant's `key.granted` entry, its exact canonical bytes in base64: the workload
    /// hashes them to the leaf and reads that the entry names its own grant, key ids and
    /// one-time public key (`GrantReceipt.checkEntry`). Without it a proof only shows that
    /// *some* leaf is on the log (SECURITY-REVIEW-2026-12, M4).
    public var entry: String

    public init(logIndex: UInt64, leafHash: String, checkpoint: String, inclusionProof: [String], entry: String) {
        self.logIndex = logIndex
        self.leafHash = leafHash
        self.checkpoint = checkpoint
        self.inclusionProof = inclusionProof
        self.entry = entry
    }
}

extension GrantReceipt {
    /// Checks that `entry` is the leaf the proof is about and that it records exactly this
    /// grant: `key.granted` at `logIndex`, for `owner`/`leaseId`, with `grantId`, the key ids
    /// received, and SHA-256 of the workload's one-time public key. Returns the entry; throws
    /// a message naming the first difference. The inclusion proof itself is checked by the
    /// caller against a signed checkpoint.
    public func checkEntry(
        owner: String, leaseId: String, grantId: String, keys: [GrantedKey], publicKey: [UInt8],
        signingKey: ReceiptPublicKey? = nil
    ) throws(GrantReceiptMismatch) -> LogEntry {
        let keyIds = keys.map(\.keyId)
        guard let bytes = Base64.decodeCanonical(entry) else { throw GrantReceiptMismatch("the receipt's entry is not canonical base64") }
        guard let leaf = LogHash(base64: leafHash), MerkleHash.leaf(bytes) == leaf else {
            throw GrantReceiptMismatch("the receipt's entry does not hash to its leaf")
        }
        let e: LogEntry
        do { e = try LogEntry(bytes: bytes) } catch { throw GrantReceiptMismatch("the receipt's entry is not a log entry: \(error)") }
        guard e.seq == logIndex else { throw GrantReceiptMismatch("the receipt's entry is seq \(e.seq), not \(logIndex)") }
        guard e.kind == "key.granted" else { throw GrantReceiptMismatch("the receipt's entry is \(e.kind), not key.granted") }
        guard e.owner == owner, e.leaseId == leaseId else { throw GrantReceiptMismatch("the receipt's entry is for another lease") }
        guard e.fields["grantId"]?.stringValue == grantId else { throw GrantReceiptMismatch("the receipt's entry names another grant") }
        guard e.fields["keyIds"]?.arrayValue?.compactMap(\.stringValue) == keyIds else {
            throw GrantReceiptMismatch("the receipt's entry names other keys than were received")
        }
        guard e.fields["publicKeyHash"]?.stringValue == Hex.encode(Array(SHA256.hash(data: publicKey))) else {
            throw GrantReceiptMismatch("the receipt's entry names another workload key")
        }
        guard e.fields["signingKey"]?.stringValue == signingKey?.text else {
            throw GrantReceiptMismatch("the receipt's entry names another receipt signing key")
        }
        // The exact sealed keys received (CRYPTO-REVIEW M1): a man in the middle, or the broker,
        // cannot hand the workload keys other than the ones the log records.
        guard let logged = e.fields["keys"]?.arrayValue, logged.count == keys.count else {
            throw GrantReceiptMismatch("the receipt's entry does not list the sealed keys")
        }
        for (entry, key) in zip(logged, keys) {
            guard let enc = Base64.decodeCanonical(key.encapsulatedKey), let ct = Base64.decodeCanonical(key.ciphertext),
                entry["keyId"]?.stringValue == key.keyId,
                entry["sealedDigest"]?.stringValue == GrantedKey.sealedDigest(encapsulatedKey: enc, ciphertext: ct)
            else {
                throw GrantReceiptMismatch("key \(key.keyId.prefix(128)) is not the sealed key the log records")
            }
        }
        return e
    }
}

/// Why a grant receipt's entry does not describe the grant received.
public struct GrantReceiptMismatch: Error, Sendable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public struct GrantResponse: Codable, Sendable, Hashable {
    public var owner: String
    public var leaseId: String
    public var notAfter: String
    public var keys: [GrantedKey]
    public var receipt: GrantReceipt
    /// Names the grant in receipts and release, which the workload signs with the one-time
    /// key its grant request named (`ReceiptSignature`).
    public var grantId: String

    public init(owner: String, leaseId: String, notAfter: String, keys: [GrantedKey], receipt: GrantReceipt, grantId: String) {
        self.owner = owner
        self.leaseId = leaseId
        self.notAfter = notAfter
        self.keys = keys
        self.receipt = receipt
        self.grantId = grantId
    }
}

/// `POST /v1/leases/{owner}/{leaseId}/receipts` and `…/release`: workload-authenticated.
public struct WorkloadReceipt: Codable, Sendable, Hashable {
    public var grantId: String
    /// `output` (with `outputDigest`) or `shredded`; release always ends the lease.
    public var kind: String
    public var outputDigest: String?
    public var time: String
    /// base64 signature under the grant's one-time signing key over
    /// `ReceiptSignature.message` of the other fields.
    public var signature: String
    public init(grantId: String, kind: String, outputDigest: String?, time: String, signature: String) {
        self.grantId = grantId; self.kind = kind; self.outputDigest = outputDigest; self.time = time; self.signature = signature
    }
}

public struct LogIndexResponse: Codable, Sendable, Hashable {
    public var logIndex: UInt64

    public init(logIndex: UInt64) {
        self.logIndex = logIndex
    }
}

/// `GET /v1/log/proof/inclusion?index=N` (against the latest checkpoint). The JSON members
/// are snake_case (`tree_size`, `leaf_index`, `leaf_hash`, `inclusion_proof`), as in the
/// C2SP tlog proofs this mirrors; the Swift names are camelCase like every other wire type.
public struct InclusionProofResponse: Codable, Sendable, Hashable {
    public var treeSize: UInt64
    public var leafIndex: UInt64
    public var leafHash: String
    public var inclusionProof: [String]

    enum CodingKeys: String, CodingKey {
        case treeSize = "tree_size"
        case leafIndex = "leaf_index"
        case leafHash = "leaf_hash"
        case inclusionProof = "inclusion_proof"
    }

    public init(treeSize: UInt64, leafIndex: UInt64, leafHash: String, inclusionProof: [String]) {
        self.treeSize = treeSize
        self.leafIndex = leafIndex
        self.leafHash = leafHash
        self.inclusionProof = inclusionProof
    }
}

/// `GET /v1/log/proof/consistency?old=M` (to the latest checkpoint); JSON members `old_size`,
/// `old_root`, `consistency_proof`.
public struct ConsistencyProofResponse: Codable, Sendable, Hashable {
    public var oldSize: UInt64
    public var oldRoot: String
    public var consistencyProof: [String]

    enum CodingKeys: String, CodingKey {
        case oldSize = "old_size"
        case oldRoot = "old_root"
        case consistencyProof = "consistency_proof"
    }

    public init(oldSize: UInt64, oldRoot: String, consistencyProof: [String]) {
        self.oldSize = oldSize
        self.oldRoot = oldRoot
        self.consistencyProof = consistencyProof
    }
}

/// The JSON body of every error response: `{"error": message, "reason": code}`.
public struct ErrorBody: Codable, Sendable, Hashable {
    public var error: String
    public var reason: String
    public init(_ e: BrokerError) { error = e.message; reason = e.code.rawValue }
}
