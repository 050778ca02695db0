import Codecs
import Crypto
import Foundation

/// What a workload binds into its evidence, and the HPKE `info` its keys are sealed under.
///
/// Every input is length-prefixed (`lp(x)` = x's byte count as 4 big-endian bytes, then x),
/// so no two different field tuples give the same bytes: without the prefixes, owner "ab" +
/// lease "c" and owner "a" + lease "bc" would hash alike.
public struct LeaseBinding: Sendable, Hashable {
    /// The challenge nonce, raw bytes.
    public var nonce: [UInt8]
    /// The HPKE suite identifier exactly as the grant request names it (UTF-8 bytes).
    public var suiteID: String
    /// The workload's one-time HPKE public key, raw bytes.
    public var publicKey: [UInt8]
    public var owner: String
    public var leaseID: String
    /// SHA-256 of the manifest's canonical JSON (32 bytes).
    public var manifestDigest: [UInt8]
    /// The workload's one-time receipt signing key as the grant request carries it
    /// (`ReceiptPublicKey.text`), when it has one.
    public var signingKey: String?

    public init(
        nonce: [UInt8], suiteID: String, publicKey: [UInt8], owner: String, leaseID: String, manifestDigest: [UInt8],
        signingKey: String? = nil
    ) {
        self.nonce = nonce
        self.suiteID = suiteID
        self.publicKey = publicKey
        self.owner = owner
        self.leaseID = leaseID
        self.manifestDigest = manifestDigest
        self.signingKey = signingKey
    }

    static let reportDataLabel = "leasehold/v1/report-data"
    static let grantLabel = "leasehold/v1 grant"

    /// `SHA-512(lp("leasehold/v1/report-data") || lp(nonce) || lp(suiteId) || lp(publicKey) ||
    /// lp(owner) || lp(leaseId) || lp(manifestDigest) [|| lp(signingKey)])`: the 64 bytes the
    /// evidence must carry as its report data (Nitro: `user_data`). The signing key's part is
    /// there only when the workload has one; with or without it the inputs are a fixed number
    /// of length-prefixed fields, so a request stripped of its signing key no longer matches
    /// the evidence.
    public var reportData: [UInt8] {
        var out: [UInt8] = []
        var parts = [
            Array(Self.reportDataLabel.utf8), nonce, Array(suiteID.utf8), publicKey,
            Array(owner.utf8), Array(leaseID.utf8), manifestDigest,
        ]
        if let signingKey { parts.append(Array(signingKey.utf8)) }
        for part in parts {
            LengthPrefixed.append(part, to: &out)
        }
        return Array(SHA512.hash(data: out))
    }

    /// The HPKE `info` for sealing one key of a grant:
    /// `lp("leasehold/v1 grant") || lp(owner) || lp(leaseId) || lp(keyId) || lp(notAfter)`,
    /// with `notAfter` as RFC 3339 UTC text (`2026-07-01T00:00:00Z`, `LeaseWindow.notAfterText`).
    /// DESIGN.md writes this as a plain concatenation; the parts are length-prefixed here for
    /// the same reason as the report data, and both ends must use this function.
    public static func grantInfo(owner: String, leaseID: String, keyID: String, notAfter: String) -> [UInt8] {
        var out: [UInt8] = []
        for part in [Self.grantLabel, owner, leaseID, keyID, notAfter] {
            LengthPrefixed.append(Array(part.utf8), to: &out)
        }
        return out
    }
}
