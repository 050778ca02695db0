import Crypto
import Foundation

/// Everything about one platform's quote certification data and one set of collateral that
/// does not depend on the verification time, worked out once so that a repeated verification
/// costs the quote's own signature check plus a few date comparisons.
///
/// What it holds was established by the full verifier's own checks (`DCAPVerifier.prepareWarm`):
/// the PCK chain links to the pinned root, the CRLs that apply and their signatures, that
/// neither CRL revokes the chain, the PCK extensions, the QE report's signature and its binding
/// of the attestation key, and which TCB info / QE identity candidates carry a good Intel
/// signature from which TCB signing certificates.
///
/// What it leaves to every call is everything that depends on the time: certificate validity,
/// CRL freshness, the collateral windows, and so which candidate is current. `select(at:)`
/// only answers when every such check passes; on any failure the verifier runs the full path,
/// which then reports the precise error. So an entry can only ever make a verification faster,
/// never change its outcome.
struct DCAPWarmEntry: Sendable {
    /// The exact inputs the entry was computed from, compared byte for byte on every lookup
    /// (the fingerprint only picks the slot).
    struct Key: Sendable {
        var tee: TEE
        var allowMissingCRL: Bool
        var attestationKey: [UInt8]
        var qeReport: [UInt8]
        var qeReportSignature: [UInt8]
        var qeAuthData: [UInt8]
        var pckChainPEM: [UInt8]
        var collateral: [[UInt8]]

        init(tee: TEE, allowMissingCRL: Bool, signatureData sig: QuoteSignatureData, collateral: [[UInt8]]) {
            self.tee = tee
            self.allowMissingCRL = allowMissingCRL
            attestationKey = sig.attestationKey
            qeReport = sig.qeReport.raw
            qeReportSignature = sig.qeReportSignature
            qeAuthData = sig.qeAuthData
            pckChainPEM = sig.pckChainPEM
            self.collateral = collateral
        }

        /// Cheap to compute: the QE report signature differs per QE report and the attestation
        /// key per quoting-enclave key; collateral only by its shape. Never trusted for equality.
        var fingerprint: Int {
            var h = Hasher()
            h.combine(tee)
            h.combine(allowMissingCRL)
            qeReportSignature.withUnsafeBytes { h.combine(bytes: $0) }
            attestationKey.withUnsafeBytes { h.combine(bytes: $0) }
            h.combine(pckChainPEM.count)
            h.combine(collateral.count)
            for piece in collateral { h.combine(piece.count) }
            return h.finalize()
        }

        func matches(_ other: Key) -> Bool {
            tee == other.tee && allowMissingCRL == other.allowMissingCRL
                && Self.same(attestationKey, other.attestationKey) && Self.same(qeReportSignature, other.qeReportSignature)
                && Self.same(qeReport, other.qeReport) && Self.same(qeAuthData, other.qeAuthData)
                && Self.same(pckChainPEM, other.pckChainPEM) && collateral.count == other.collateral.count
                && zip(collateral, other.collateral).allSatisfy { Self.same($0, $1) }
        }

        /// Byte equality with memcmp (public inputs: no constant time needed).
        static func same(_ a: [UInt8], _ b: [UInt8]) -> Bool {
            guard a.count == b.count else { return false }
            return a.withUnsafeBytes { x in
                b.withUnsafeBytes { y in
                    x.count == 0 || x.baseAddress == y.baseAddress || memcmp(x.baseAddress!, y.baseAddress!, x.count) == 0
                }
            }
        }
    }

    /// A closed interval of validity, as `checkValidity` / `checkFreshness` / the collateral
    /// window test it: `from <= t <= until`.
    struct Window: Sendable {
        var from: Date
        var until: Date
        func contains(_ t: Date) -> Bool { from <= t && t <= until }
    }

    /// A TCB info or QE identity candidate, in the order the full path tries them, with the
    /// validity of each TCB signing certificate whose signature over it (and link to the root,
    /// and non-revocation) holds.
    struct Candidate<Value: Sendable>: Sendable {
        var value: Value
        var window: Window
        var signers: [Window]
        /// For TCB info: its PCE id is the PCK certificate's (the full path refuses otherwise).
        var consistent: Bool

        func usable(at t: Date) -> Bool { window.contains(t) && signers.contains { $0.contains(t) } }
    }

    struct Selected {
        var tcbInfo: TCBInfo
        var qeIdentity: QEIdentity
    }

    var key: Key
    var pck: PCKExtensions
    var attestationKey: P256.Signing.PublicKey
    /// Intel SGX Root CA, PCK CA and PCK certificate validity.
    var certificates: [Window]
    /// Freshness of the Root CA CRL and the PCK CA CRL (absent only under `allowMissingCRL`).
    var crls: [Window]
    var tcbInfos: [Candidate<TCBInfo>]
    var qeIdentities: [Candidate<QEIdentity>]

    /// The TCB info and QE identity the full path would select at `time`, or nil when any
    /// time-dependent check fails or the selection would be refused (the full path decides).
    func select(at time: Date) -> Selected? {
        guard certificates.allSatisfy({ $0.contains(time) }), crls.allSatisfy({ $0.contains(time) }),
            let tcb = tcbInfos.first(where: { $0.usable(at: time) }), tcb.consistent,
            let qe = qeIdentities.first(where: { $0.usable(at: time) })
        else { return nil }
        return Selected(tcbInfo: tcb.value, qeIdentity: qe.value)
    }
}
