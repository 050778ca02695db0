import Codecs
import Crypto
import TransparencyLog

/// Receipts and release are signed by the workload with a one-time signing key that its
/// evidence vouches for (its public key is part of the report data, `LeaseBinding`), and the
/// signature travels into the log: an auditor checks each `receipt` and each workload
/// `lease.released` against the `signingKey` of the grant's `key.granted` entry. Unlike the
/// HMAC this replaces (whose key the broker also held), nobody but the workload can make one,
/// not even the operator with the log key (CRYPTO-REVIEW-2026-12 M3).
///
/// The signed message is the canonical JSON of
/// `{"ctx": "leasehold/v1 receipt", "op", "owner", "leaseId", "grantId", "kind", "time", ["outputDigest"]}`:
/// `op` (`receipt` or `release`) keeps a receipt from being replayed as a release.
public enum ReceiptSignature {
    public static let context = "leasehold/v1 receipt"
    /// The `op` of a receipt and of a release.
    public static let receiptOp = "receipt"
    public static let releaseOp = "release"

    /// The exact bytes a receipt's signature covers.
    public static func message(
        op: String, owner: String, leaseId: String, grantId: String, kind: String, time: String,
        outputDigest: String?
    ) -> [UInt8] {
        var f: [String: JSONValue] = [
            "ctx": .string(context), "op": .string(op), "owner": .string(owner), "leaseId": .string(leaseId),
            "grantId": .string(grantId), "kind": .string(kind), "time": .string(time),
        ]
        if let outputDigest { f["outputDigest"] = .string(outputDigest) }
        return CanonicalJSON.encode(.dict(f))
    }

    public static func message(op: String, owner: String, leaseId: String, receipt r: WorkloadReceipt) -> [UInt8] {
        message(op: op, owner: owner, leaseId: leaseId, grantId: r.grantId, kind: r.kind, time: r.time, outputDigest: r.outputDigest)
    }
}

/// The public half of a workload's one-time receipt key, as the grant request and the
/// `key.granted` entry carry it: `ed25519:BASE64` (32 bytes) or `ml-dsa-65:BASE64` (1,952
/// bytes; a lease that requires post-quantum key transport requires it for receipts too).
public struct ReceiptPublicKey: Sendable, Hashable {
    public enum Scheme: String, Sendable, Hashable, CaseIterable {
        case ed25519 = "ed25519"
        case mlDSA65 = "ml-dsa-65"
    }

    public let scheme: Scheme
    public let rawRepresentation: [UInt8]

    /// Checks that the bytes are a key of the scheme (length and, for ML-DSA, encoding).
    public init(scheme: Scheme, rawRepresentation raw: [UInt8]) throws(ReceiptKeyError) {
        switch scheme {
        case .ed25519:
            guard (try? Curve25519.Signing.PublicKey(rawRepresentation: raw)) != nil else { throw ReceiptKeyError("an ed25519 key is 32 bytes") }
        case .mlDSA65:
            guard (try? MLDSA65.PublicKey(rawRepresentation: raw)) != nil else { throw ReceiptKeyError("not an ML-DSA-65 public key (1,952 bytes)") }
        }
        self.scheme = scheme
        self.rawRepresentation = raw
    }

    /// `SCHEME:BASE64`, strict: a known scheme, canonical base64, a valid key.
    public init(text: String) throws(ReceiptKeyError) {
        guard text.utf8.count <= 4096, let colon = text.firstIndex(of: ":") else { throw ReceiptKeyError("a signing key is SCHEME:BASE64") }
        guard let scheme = Scheme(rawValue: String(text[..<colon])) else {
            throw ReceiptKeyError("signing key scheme must be \(Scheme.allCases.map(\.rawValue).joined(separator: " or "))")
        }
        guard let raw = Base64.decodeCanonical(String(text[text.index(after: colon)...])) else {
            throw ReceiptKeyError("the signing key is not canonical base64")
        }
        try self.init(scheme: scheme, rawRepresentation: raw)
    }

    public var text: String { scheme.rawValue + ":" + Base64.encode(rawRepresentation) }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        SignatureCheck.isValid(signature, for: message, publicKey: rawRepresentation, mlDSA65: scheme == .mlDSA65)
    }
}

/// Ed25519 or ML-DSA-65 verification of raw keys: one place for owner keys and receipt keys.
package enum SignatureCheck {
    package static func isValid(_ signature: [UInt8], for message: [UInt8], publicKey raw: [UInt8], mlDSA65: Bool) -> Bool {
        if mlDSA65 {
            guard let key = try? MLDSA65.PublicKey(rawRepresentation: raw) else { return false }
            return key.isValidSignature(signature, for: message)
        }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { return false }
        return key.isValidSignature(signature, for: message)
    }
}

/// The workload's one-time receipt signing key: made for one grant, held in memory only.
public struct ReceiptSigningKey: Sendable {
    private enum Key: Sendable {
        case ed25519(Curve25519.Signing.PrivateKey)
        case mlDSA65(MLDSA65.PrivateKey)
    }

    private let key: Key
    public let publicKey: ReceiptPublicKey

    public init(scheme: ReceiptPublicKey.Scheme) throws(ReceiptKeyError) {
        switch scheme {
        case .ed25519:
            let k = Curve25519.Signing.PrivateKey()
            key = .ed25519(k)
            publicKey = try ReceiptPublicKey(scheme: .ed25519, rawRepresentation: Array(k.publicKey.rawRepresentation))
        case .mlDSA65:
            let k: MLDSA65.PrivateKey
            do { k = try MLDSA65.PrivateKey() } catch { throw ReceiptKeyError("cannot make an ML-DSA-65 key: \(error)") }
            key = .mlDSA65(k)
            publicKey = try ReceiptPublicKey(scheme: .mlDSA65, rawRepresentation: Array(k.publicKey.rawRepresentation))
        }
    }

    /// The scheme a grant with this key-transport suite signs receipts with: post-quantum
    /// transport (X-Wing) gets a post-quantum signature.
    public static func scheme(forSuite suiteID: String) -> ReceiptPublicKey.Scheme {
        suiteID.hasPrefix("xwing") ? .mlDSA65 : .ed25519
    }

    public func signature(for message: [UInt8]) throws(ReceiptKeyError) -> [UInt8] {
        do {
            switch key {
            case .ed25519(let k): return Array(try k.signature(for: message))
            case .mlDSA65(let k): return Array(try k.signature(for: message))
            }
        } catch {
            throw ReceiptKeyError("cannot sign: \(error)")
        }
    }
}

public struct ReceiptKeyError: Error, Sendable, Hashable, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
