import Codecs
import Crypto
import Foundation
import LeaseholdAPI

/// Everything that decided one grant and that the log entry only names by hash: the evidence
/// and collateral as the workload sent them, the nonce, the one-time HPKE key and receipt key
/// the report data binds, and the time the broker verified them. Kept beside the log,
/// content-addressed by the SHA-256 of its canonical JSON (`key.granted.evidenceRecord`), so
/// `audit export` carries it and `audit verify --evidence` re-verifies each grant from the
/// bundle alone (CRYPTO-REVIEW-2026-12 H2).
///
/// Canonical JSON (`CanonicalJSON`), members in this order:
///
/// | member       | type                    | meaning                                            |
/// |--------------|-------------------------|----------------------------------------------------|
/// | `collateral` | array of hex SHA-256    | each collateral piece that decided the grant (the broker's own, or what the workload sent), kept beside the record under its hash, so a set shared by many grants is kept once |
/// | `evidence`   | base64 string           | the report, quote or attestation document          |
/// | `nonce`      | base64 string           | the challenge nonce the request named              |
/// | `publicKey`  | base64 string           | the workload's one-time HPKE public key            |
/// | `signingKey` | string, optional        | the workload's one-time receipt key (`ed25519:…`)  |
/// | `suite`      | string                  | the HPKE suite id                                  |
/// | `tee`        | string                  | the TEE kind                                       |
/// | `verifiedAt` | RFC 3339, milliseconds  | the time the broker verified the evidence at       |
public struct GrantEvidenceRecord: Sendable, Hashable {
    public var tee: String
    public var evidence: [UInt8]
    /// The pieces themselves (empty after parsing until `resolve` fills them).
    public var collateral: [[UInt8]]
    /// Lowercase hex SHA-256 of each piece, in order: what the canonical JSON holds.
    public var collateralDigests: [String]
    public var nonce: [UInt8]
    public var suite: String
    public var publicKey: [UInt8]
    public var signingKey: String?
    /// Milliseconds since the epoch: the record's time has millisecond precision, no more.
    public var verifiedAtMillis: Int64

    public init(
        tee: String, evidence: [UInt8], collateral: [[UInt8]], nonce: [UInt8], suite: String, publicKey: [UInt8],
        signingKey: String?, verifiedAt: Date
    ) {
        self.tee = tee; self.evidence = evidence; self.collateral = collateral; self.nonce = nonce; self.suite = suite
        self.collateralDigests = collateral.map(Self.digest(of:))
        self.publicKey = publicKey; self.signingKey = signingKey
        self.verifiedAtMillis = Int64((verifiedAt.timeIntervalSince1970 * 1000).rounded(.down))
    }

    public var verifiedAt: Date { Date(timeIntervalSince1970: Double(verifiedAtMillis) / 1000) }

    public var canonicalJSON: [UInt8] {
        var members: [String: JSONValue] = [
            "collateral": .array(collateralDigests.map { .string($0) }), "evidence": .string(Base64.encode(evidence)),
            "nonce": .string(Base64.encode(nonce)), "publicKey": .string(Base64.encode(publicKey)), "suite": .string(suite),
            "tee": .string(tee), "verifiedAt": .string(RFC3339.format(verifiedAt)),
        ]
        if let signingKey { members["signingKey"] = .string(signingKey) }
        return CanonicalJSON.encode(.dict(members))
    }

    /// Lowercase hex SHA-256 of `canonicalJSON`: the name the grant's entry gives it.
    public static func digest(of bytes: [UInt8]) -> String { Hex.encode(Array(SHA256.hash(data: bytes))) }

    public struct FormatError: Error, Sendable, CustomStringConvertible {
        public var description: String
    }

    /// Parses a record that must be canonical JSON with exactly the members above.
    public init(canonicalJSON bytes: [UInt8]) throws(FormatError) {
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes) } catch { throw FormatError(description: "not canonical JSON: \(error)") }
        guard case .object(let pairs) = value else { throw FormatError(description: "not a JSON object") }
        let allowed: Set<String> = ["collateral", "evidence", "nonce", "publicKey", "signingKey", "suite", "tee", "verifiedAt"]
        var m: [String: JSONValue] = [:]
        for (k, v) in pairs {
            guard allowed.contains(k) else { throw FormatError(description: "unknown member \(k)") }
            m[k] = v
        }
        func decoded(_ k: String) throws(FormatError) -> [UInt8] {
            guard let s = m[k]?.stringValue, let b = Base64.decodeCanonical(s) else {
                throw FormatError(description: "\(k) must be canonical base64")
            }
            return b
        }
        guard let tee = m["tee"]?.stringValue, let suite = m["suite"]?.stringValue,
            let time = m["verifiedAt"]?.stringValue, let at = RFC3339.parse(time), RFC3339.format(at) == time
        else {
            throw FormatError(description: "tee, suite and verifiedAt (RFC 3339, milliseconds, Z) are required")
        }
        guard let items = m["collateral"]?.arrayValue, items.count <= 64 else {
            throw FormatError(description: "collateral must be an array of at most 64 digests")
        }
        var digests: [String] = []
        for item in items {
            guard let s = item.stringValue, Hex.isSHA256(s) else {
                throw FormatError(description: "collateral items must be SHA-256 digests in lowercase hex")
            }
            digests.append(s)
        }
        if let v = m["signingKey"], v.stringValue == nil { throw FormatError(description: "signingKey must be a string") }
        self.init(
            tee: tee, evidence: try decoded("evidence"), collateral: [], nonce: try decoded("nonce"), suite: suite,
            publicKey: try decoded("publicKey"), signingKey: m["signingKey"]?.stringValue, verifiedAt: at)
        collateralDigests = digests
    }

    /// Fills `collateral` from `lookup` (bundle files, database rows), each piece checked
    /// against its digest.
    public mutating func resolve(_ lookup: (String) throws -> [UInt8]?) throws(FormatError) {
        var pieces: [[UInt8]] = []
        for d in collateralDigests {
            let piece: [UInt8]?
            do { piece = try lookup(d) } catch { throw FormatError(description: "collateral piece \(d): \(error)") }
            guard let piece else { throw FormatError(description: "collateral piece \(d) is missing") }
            guard Self.digest(of: piece) == d else { throw FormatError(description: "collateral piece \(d) does not hash to its name") }
            pieces.append(piece)
        }
        collateral = pieces
    }

}
