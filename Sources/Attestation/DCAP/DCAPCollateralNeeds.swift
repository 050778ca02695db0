import Codecs
import Foundation
import Synchronization
import X509

/// What must be fetched from Intel PCS (or a PCCS) to verify one quote: the TEE (SGX or TDX
/// TCB info and QE identity), the platform's FMSPC and which PCK CA issued its PCK certificate
/// (the PCK CRL to fetch). Read from the quote's own PCK certificate; nothing is verified or
/// decided here, the verifier does that with what gets fetched.
public struct DCAPCollateralNeeds: Sendable, Hashable {
    public enum PCKCA: String, Sendable, Hashable, CaseIterable {
        case processor, platform
    }

    public var tee: TEE
    /// 6 bytes, lowercase hex (PCK certificate extension 1.2.840.113741.1.13.1.4).
    public var fmspc: String
    public var pckCA: PCKCA

    public init(tee: TEE, fmspc: String, pckCA: PCKCA) {
        self.tee = tee; self.fmspc = fmspc; self.pckCA = pckCA
    }

    /// Needs by PCK chain: a platform's chain is the same in every quote, and parsing its
    /// certificates costs far more than the byte parse of the quote. Bounded; emptied when full.
    private static let memo = Mutex([[UInt8]: DCAPCollateralNeeds]())

    /// The needs of `quote` (an SGX v3 or TDX v4/v5 quote with certification data type 5 or 6),
    /// only if its PCK certificate was issued, through an Intel PCK CA, by the pinned Intel root
    /// (signatures and names; revocation and validity are the verifier's): nobody can make the
    /// broker fetch collateral for a platform Intel never certified.
    public static func of(quote bytes: [UInt8], tee: TEE) throws(AttestationError) -> DCAPCollateralNeeds {
        guard tee == .sgx || tee == .tdx else { throw AttestationError(.teeNotAllowed, "DCAP collateral is for sgx or tdx, not \(tee.rawValue)") }
        let quote = try DCAPQuote.parse(bytes)
        let chainPEM = quote.signatureData.pckChainPEM
        if var known = memo.withLock({ $0[chainPEM] }) {
            known.tee = tee
            return known
        }
        let needs = try parse(chainPEM, tee: tee)
        memo.withLock {
            if $0.count >= 1_000 { $0.removeAll(keepingCapacity: true) }
            $0[chainPEM] = needs
        }
        return needs
    }

    private static func parse(_ chainPEM: [UInt8], tee: TEE) throws(AttestationError) -> DCAPCollateralNeeds {
        let certs = try DCAPCertificates.parsePEMChain(chainPEM, what: "the quote's PCK chain")
        guard certs.count >= 2 else { throw AttestationError(.chainInvalid, "the quote's PCK chain has \(certs.count) certificate(s)") }
        let verifier = try DCAPVerifier(tee: tee)
        try verifier.checkLink(certs[0], issuer: certs[1], role: "PCK")
        try verifier.checkLink(certs[1], issuer: try IntelRootCA.require(), role: "PCK CA")
        let pck = try PCKExtensions.parse(certs[0])
        let ca: PCKCA
        switch DCAPCertificates.commonName(certs[1].subject) {
        case "Intel SGX PCK Processor CA": ca = .processor
        case "Intel SGX PCK Platform CA": ca = .platform
        default: throw AttestationError(.chainInvalid, "the PCK certificate's issuer \(certs[1].subject) is not an Intel SGX PCK CA")
        }
        return DCAPCollateralNeeds(tee: tee, fmspc: Hex.encode(pck.fmspc), pckCA: ca)
    }
}

/// What `DCAPVerifier.checkFetched` found in documents fetched for one `DCAPCollateralNeeds`.
public struct DCAPFetchedCollateral: Sendable, Hashable {
    public var tcbInfoIssueDate: Date
    public var tcbEvaluationDataNumber: Int
    /// The earliest `nextUpdate` of the TCB info, the QE identity and both CRLs: the set may
    /// not be used after it.
    public var nextUpdate: Date
}

extension DCAPVerifier {
    /// Checks documents fetched from Intel PCS or a PCCS before anything caches or uses them:
    /// a TCB info for `needs`' TEE and FMSPC and the QE identity, each signed by an Intel TCB
    /// signing certificate (from the fetched issuer chains) that the pinned root issued and
    /// current at `time`; the Root CA CRL signed by the root and current; the PCK CRL of the
    /// PCK CA `needs` names, signed by that CA (from the fetched issuer chain, issued by the
    /// root) and current. Revocation of the platform itself is the verifier's business.
    public static func checkFetched(_ pieces: [[UInt8]], needs: DCAPCollateralNeeds, at time: Date) throws(AttestationError) -> DCAPFetchedCollateral
    {
        let verifier = try DCAPVerifier(tee: needs.tee)
        let collateral = try DCAPCollateral.recognise(pieces)
        let root = try IntelRootCA.require()
        let tcb = try verifier.selectTCBInfo(collateral, fmspc: Hex.decode(needs.fmspc) ?? [], root: root, at: time)
        let qe = try verifier.selectQEIdentity(collateral, root: root, at: time)
        guard let rootCRL = try verifier.currentCRL(collateral, issuer: root, at: time, name: "Intel SGX Root CA CRL") else {
            throw AttestationError(.collateralMissing, "no Intel SGX Root CA CRL was fetched")
        }
        let caName = needs.pckCA == .processor ? "Intel SGX PCK Processor CA" : "Intel SGX PCK Platform CA"
        var pckCRL: CertificateRevocationList?
        var firstError: AttestationError?
        for ca in collateral.certificates where DCAPCertificates.commonName(ca.subject) == caName {
            do throws(AttestationError) {
                try verifier.checkLink(ca, issuer: root, role: "PCK CA")
                try DCAPCertificates.checkValidity(ca, at: time, role: caName)
                pckCRL = try verifier.currentCRL(collateral, issuer: ca, at: time, name: "PCK CA CRL")
                break
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        guard let pckCRL else {
            throw firstError ?? AttestationError(.collateralMissing, "no \(caName) certificate came with the PCK CRL")
        }
        let dates = [
            DCAPCollateral.Signed<TCBInfo>.parseDate(tcb.nextUpdate), DCAPCollateral.Signed<QEIdentity>.parseDate(qe.nextUpdate),
            rootCRL.nextUpdate, pckCRL.nextUpdate,
        ].compactMap { $0 }
        guard dates.count == 4, let next = dates.min(), let issued = DCAPCollateral.Signed<TCBInfo>.parseDate(tcb.issueDate) else {
            throw AttestationError(.collateralInvalid, "a fetched document has no nextUpdate")
        }
        return DCAPFetchedCollateral(tcbInfoIssueDate: issued, tcbEvaluationDataNumber: tcb.tcbEvaluationDataNumber, nextUpdate: next)
    }
}
