import Codecs
import Crypto
import Foundation
import X509

/// Verifies Intel DCAP ECDSA quotes: SGX (quote v3) or TDX (quote v4 / v5), offline, against the
/// pinned Intel SGX Root CA and the collateral supplied with the evidence or in an operator's
/// collateral directory. Follows Intel's DCAP QVL: PCK chain and CRLs, QE report signed by the
/// PCK key and bound to the attestation key, quote signed by the attestation key, TCB info and
/// QE identity signed by Intel and current, FMSPC / PCE id match, TCB level -> status.
///
/// Decides genuineness only; `SGXPolicy` / `TDXPolicy` / `EvidencePolicy` decide acceptability.
/// One instance can be shared and called concurrently; its `DCAPCache` makes a repeated
/// verification from the same platform cost one P-256 verify plus parsing.
public struct DCAPVerifier: EvidenceVerifier {
    public let tee: TEE
    /// Accept a quote when the Root CA CRL or PCK CA CRL is not supplied (revocation is then
    /// not checked). Off by default: Intel revokes compromised PCK keys through these CRLs.
    public let allowMissingCRL: Bool
    /// A directory of collateral files (PCS responses, CRLs, issuer chains) that an operator
    /// refreshes; read in addition to `Evidence.collateral`. The verifier never fetches.
    public let collateralDirectory: URL?
    public let cache: DCAPCache

    public init(
        tee: TEE, allowMissingCRL: Bool = false, collateralDirectory: URL? = nil,
        cache: DCAPCache = DCAPCache()
    ) throws(AttestationError) {
        guard tee == .sgx || tee == .tdx else {
            throw AttestationError(.teeNotAllowed, "DCAPVerifier verifies sgx or tdx evidence, not \(tee.rawValue)")
        }
        self.tee = tee
        self.allowMissingCRL = allowMissingCRL
        self.collateralDirectory = collateralDirectory
        self.cache = cache
    }

    public func verify(_ evidence: Evidence, at time: Date) throws(AttestationError) -> any TEEClaims {
        let verified = try verifyQuote(evidence, at: time)
        switch verified.quote.body {
        case .sgx(let body):
            return SGXClaims(
                mrEnclave: body.mrEnclave, mrSigner: body.mrSigner, isvProdId: body.isvProdId,
                isvSvn: body.isvSvn, attributes: body.attributes, debug: body.debug,
                reportData: body.reportData, cpuSvn: body.cpuSvn, status: verified.status,
                advisoryIds: verified.advisoryIds, fmspc: verified.pck.fmspc)
        case .td(let body):
            return TDXClaims(
                mrTd: body.mrTd, rtmr0: body.rtmrs[0], rtmr1: body.rtmrs[1], rtmr2: body.rtmrs[2],
                rtmr3: body.rtmrs[3], mrConfigId: body.mrConfigId, mrOwner: body.mrOwner,
                mrOwnerConfig: body.mrOwnerConfig, tdAttributes: body.tdAttributes, debug: body.debug,
                teeTcbSvn: body.teeTcbSvn, mrSeam: body.mrSeam, reportData: body.reportData,
                status: verified.status, advisoryIds: verified.advisoryIds, fmspc: verified.pck.fmspc,
                tcbLevelStatus: verified.tdx?.tcbLevelStatus ?? verified.status,
                tdxModuleIdentity: verified.tdx?.moduleIdentity, tdxModuleStatus: verified.tdx?.moduleStatus,
                teeTcbSvn2: body.teeTcbSvn2)
        }
    }

    /// `verify` for SGX evidence, with the concrete claims type.
    public func verifySGX(_ evidence: Evidence, at time: Date) throws(AttestationError) -> SGXClaims {
        guard let claims = try verify(evidence, at: time) as? SGXClaims else {
            throw AttestationError(.teeNotAllowed, "the quote is not an SGX quote")
        }
        return claims
    }

    /// `verify` for TDX evidence, with the concrete claims type.
    public func verifyTDX(_ evidence: Evidence, at time: Date) throws(AttestationError) -> TDXClaims {
        guard let claims = try verify(evidence, at: time) as? TDXClaims else {
            throw AttestationError(.teeNotAllowed, "the quote is not a TDX quote")
        }
        return claims
    }

    struct Verified {
        var quote: DCAPQuote
        var pck: PCKExtensions
        var status: DCAPTCBStatus
        var advisoryIds: [String]
        /// TDX only: how the status was reached.
        var tdx: TDXTCBEvaluation?
    }

    func verifyQuote(_ evidence: Evidence, at time: Date) throws(AttestationError) -> Verified {
        guard evidence.tee == tee else {
            throw AttestationError(.teeNotAllowed, "this verifier is configured for \(tee.rawValue), the evidence is \(evidence.tee.rawValue)")
        }
        let quote = try DCAPQuote.parse(evidence.bytes)
        try checkHeader(quote)

        var pieces = evidence.collateral
        if let dir = collateralDirectory { pieces += try cache.directoryPieces(dir) }

        // Warm path: the same certification data and collateral already verified; only the
        // time-dependent checks, the quote signature and the TCB evaluation run again.
        let warmKey = DCAPWarmEntry.Key(
            tee: tee, allowMissingCRL: allowMissingCRL, signatureData: quote.signatureData,
            collateral: pieces)
        if let warm = cache.warmEntry(warmKey), let selected = warm.select(at: time) {
            try checkQuoteSignature(quote, key: warm.attestationKey)
            return try conclude(quote, pck: warm.pck, tcbInfo: selected.tcbInfo, qeIdentity: selected.qeIdentity)
        }

        let collateral = try cache.collateral(for: pieces)
        let verified = try verifyQuoteCold(quote, collateral: collateral, at: time)
        cache.rememberCollateral(collateral, for: pieces)
        if let warm = prepareWarm(warmKey, signatureData: quote.signatureData, collateral: collateral) {
            cache.remember(warm)
        }
        return verified
    }

    /// The full verification, every step from the parsed collateral (signature results memoised).
    func verifyQuoteCold(_ quote: DCAPQuote, collateral: DCAPCollateral, at time: Date) throws(AttestationError) -> Verified {
        // 1. PCK chain to the pinned root, with CRLs.
        let root = try IntelRootCA.require()
        let chain = try verifyPCKChain(quote.signatureData.pckChainPEM, root: root, collateral: collateral, at: time)
        let pck = try PCKExtensions.parse(chain.leaf)

        // 2. QE report signed by the PCK key, and bound to the attestation key.
        let sig = quote.signatureData
        guard let pckKey = P256.Signing.PublicKey(chain.leaf.publicKey) else {
            throw AttestationError(.chainInvalid, "the PCK certificate's key is not P-256")
        }
        let qeSigned = cache.verifiedSignature(
            key: [UInt8](pckKey.rawRepresentation), signature: sig.qeReportSignature,
            message: sig.qeReport.raw
        ) {
            DCAPCertificates.verifyRawP256(signature: sig.qeReportSignature, message: sig.qeReport.raw, key: pckKey)
        }
        guard qeSigned else {
            throw AttestationError(.signatureInvalid, "the QE report signature does not verify with the PCK certificate's key")
        }
        let binding = Array(SHA256.hash(data: sig.attestationKey + sig.qeAuthData))
        let reportData = sig.qeReport.reportData
        guard reportData.count == 64, ConstantTime.equal(Array(reportData[0..<32]), binding),
            reportData[32...].allSatisfy({ $0 == 0 })
        else {
            throw AttestationError(
                .signatureInvalid,
                "the QE report does not bind the attestation key: report_data is not SHA-256(attestation key ‖ QE auth data) ‖ 32 zero bytes")
        }

        // 3. The quote signed by the attestation key (never memoised).
        try checkQuoteSignature(quote, key: try? P256.Signing.PublicKey(rawRepresentation: sig.attestationKey))

        // 4. Collateral: TCB info and QE identity, Intel-signed and current.
        let tcbInfo = try selectTCBInfo(collateral, fmspc: pck.fmspc, root: root, at: time)
        guard let tcbPce = Hex.decode(tcbInfo.pceId), ConstantTime.equal(tcbPce, pck.pceId) else {
            throw AttestationError(.collateralInvalid, "TCB info is for PCE id \(tcbInfo.pceId), the PCK certificate for \(Hex.encode(pck.pceId))")
        }
        let qeIdentity = try selectQEIdentity(collateral, root: root, at: time)
        return try conclude(quote, pck: pck, tcbInfo: tcbInfo, qeIdentity: qeIdentity)
    }

    /// Step 3: the quote's own signature, by the attestation key the QE report certified.
    func checkQuoteSignature(_ quote: DCAPQuote, key: P256.Signing.PublicKey?) throws(AttestationError) {
        let sig = quote.signatureData
        guard let key, DCAPCertificates.verifyRawP256(signature: sig.quoteSignature, message: quote.signedBytes, key: key) else {
            throw AttestationError(.signatureInvalid, "the quote signature does not verify with the attestation key the QE certified")
        }
    }

    /// Step 5: the TCB status from the selected TCB info and QE identity (SGX: the TCB level's
    /// status with the QE's folded in; TDX: `evaluateTDX`). Revoked is refused here, as Intel's
    /// QVL fails the verification for it; every other status is left to the policy.
    func conclude(
        _ quote: DCAPQuote, pck: PCKExtensions, tcbInfo: TCBInfo,
        qeIdentity: QEIdentity
    ) throws(AttestationError) -> Verified {
        let qe = try evaluateQE(quote.signatureData.qeReport, identity: qeIdentity)
        let status: DCAPTCBStatus
        var advisories = qe.advisoryIds
        var tdx: TDXTCBEvaluation?
        switch quote.body {
        case .sgx:
            let platform = try evaluateSGXPlatform(tcbInfo, pck: pck)
            status = platform.status.converged(with: qe.status)
            advisories += platform.advisoryIds
        case .td(let body):
            let evaluation = try evaluateTDX(tcbInfo, pck: pck, body: body, qe: qe.status)
            status = evaluation.status
            advisories += evaluation.advisoryIds
            tdx = evaluation
        }
        if status == .revoked {
            throw AttestationError(.tcbStatusNotAccepted, "Intel lists this platform's TCB (or its TDX module or quoting enclave) as Revoked")
        }
        return Verified(quote: quote, pck: pck, status: status, advisoryIds: Array(Set(advisories)).sorted(), tdx: tdx)
    }

    private func checkHeader(_ quote: DCAPQuote) throws(AttestationError) {
        guard quote.tee == tee else {
            throw AttestationError(.malformed, "the quote is a \(quote.tee.rawValue) quote, this verifier is configured for \(tee.rawValue)")
        }
        switch tee {
        case .sgx where quote.header.version != 3:
            throw AttestationError(.malformed, "SGX quotes must be version 3, this is version \(quote.header.version)")
        case .tdx where quote.header.version != 4 && quote.header.version != 5:
            throw AttestationError(.malformed, "TDX quotes must be version 4 or 5, this is version \(quote.header.version)")
        default: break
        }
        guard ConstantTime.equal(quote.header.qeVendorID, QuoteHeader.intelQEVendorID) else {
            throw AttestationError(.chainInvalid, "the quote's QE vendor id \(Hex.encode(quote.header.qeVendorID)) is not Intel's")
        }
    }
}
