import Codecs
import Crypto
import Foundation
import X509

extension DCAPVerifier {
    /// The TCB info for this platform's FMSPC and TEE, signed by Intel and current at `time`.
    /// When several are supplied (a refreshed collateral directory), the newest evaluation
    /// data number that verifies is used.
    func selectTCBInfo(
        _ collateral: DCAPCollateral, fmspc: [UInt8], root: Certificate,
        at time: Date
    ) throws(AttestationError) -> TCBInfo {
        let id = tee == .tdx ? "TDX" : "SGX"
        let candidates = tcbInfoCandidates(collateral, fmspc: fmspc)
        guard !candidates.isEmpty else {
            let others = collateral.tcbInfos.map { "\($0.value.id) \($0.value.fmspc)" }.joined(separator: ", ")
            throw AttestationError(
                .collateralMissing,
                "no \(id) TCB info for FMSPC \(Hex.encode(fmspc)) was supplied\(others.isEmpty ? "" : " (only \(others))"); fetch it from Intel PCS")
        }
        return try firstUsable(candidates, collateral: collateral, root: root, at: time)
    }

    /// The QE identity for this TEE's quoting enclave ("QE" for SGX, "TD_QE" for TDX).
    func selectQEIdentity(
        _ collateral: DCAPCollateral, root: Certificate,
        at time: Date
    ) throws(AttestationError) -> QEIdentity {
        let id = tee == .tdx ? "TD_QE" : "QE"
        let candidates = qeIdentityCandidates(collateral)
        guard !candidates.isEmpty else {
            throw AttestationError(.collateralMissing, "no \(id) identity was supplied; fetch it from Intel PCS")
        }
        return try firstUsable(candidates, collateral: collateral, root: root, at: time)
    }

    /// TCB infos for this TEE and FMSPC, newest evaluation data number first.
    func tcbInfoCandidates(_ collateral: DCAPCollateral, fmspc: [UInt8]) -> [DCAPCollateral.Signed<TCBInfo>] {
        let id = tee == .tdx ? "TDX" : "SGX"
        return collateral.tcbInfos
            .filter { $0.value.id == id && Hex.decode($0.value.fmspc).map { ConstantTime.equal($0, fmspc) } == true }
            .sorted { $0.value.tcbEvaluationDataNumber > $1.value.tcbEvaluationDataNumber }
    }

    /// QE identities for this TEE's quoting enclave, newest evaluation data number first.
    func qeIdentityCandidates(_ collateral: DCAPCollateral) -> [DCAPCollateral.Signed<QEIdentity>] {
        let id = tee == .tdx ? "TD_QE" : "QE"
        return collateral.qeIdentities.filter { $0.value.id == id }
            .sorted { $0.value.tcbEvaluationDataNumber > $1.value.tcbEvaluationDataNumber }
    }

    /// The first candidate (best first) that is Intel-signed and inside its issueDate ..
    /// nextUpdate window at `time`; otherwise the first candidate's reason.
    private func firstUsable<Value>(
        _ candidates: [DCAPCollateral.Signed<Value>], collateral: DCAPCollateral, root: Certificate, at time: Date
    ) throws(AttestationError) -> Value {
        var firstError: AttestationError?
        for candidate in candidates {
            let what = candidate.value.what
            do throws(AttestationError) {
                try verifyIntelSigned(
                    candidate.signedBytes, signature: candidate.signature, collateral: collateral,
                    root: root, at: time, what: what)
                guard candidate.issueDate <= time, time <= candidate.nextUpdate else {
                    throw AttestationError(
                        .collateralExpired,
                        "the \(what) is valid \(candidate.value.issueDate) .. \(candidate.value.nextUpdate), not at \(DCAPCertificates.iso(time)); refresh it from Intel PCS"
                    )
                }
                return candidate.value
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        throw firstError ?? AttestationError(.collateralMissing, "no usable collateral")
    }

    /// The signed JSON verifies with an "Intel SGX TCB Signing" certificate from the collateral
    /// that the pinned root issued, that is valid at `time` and not on the Root CA CRL.
    func verifyIntelSigned(
        _ message: [UInt8], signature: [UInt8], collateral: DCAPCollateral, root: Certificate,
        at time: Date, what: String
    ) throws(AttestationError) {
        let signers = tcbSigners(collateral, root: root)
        guard !signers.isEmpty else {
            throw AttestationError(.collateralMissing, "the \(what) issuer chain (Intel SGX TCB Signing certificate) was not supplied")
        }
        var signerError: AttestationError?
        for signer in signers {
            guard signed(message, signature: signature, by: signer) else { continue }
            do throws(AttestationError) {
                try checkLink(signer, issuer: root, role: "TCB signing")
                try DCAPCertificates.checkValidity(signer, at: time, role: "Intel SGX TCB Signing")
                if let rootCRL = try currentCRL(collateral, issuer: root, at: time, name: "Intel SGX Root CA CRL"),
                    rootCRL.revokes(signer)
                {
                    throw AttestationError(.certificateRevoked, "Intel revoked the TCB signing certificate that signed the \(what)")
                }
                return
            } catch {
                if signerError == nil { signerError = error }
            }
        }
        throw signerError
            ?? AttestationError(
                .signatureInvalid,
                "the \(what) signature does not verify with any supplied Intel SGX TCB Signing certificate (the JSON was altered or signed by someone else)"
            )
    }

    /// The certificates in the pool that may have signed TCB info or a QE identity.
    func tcbSigners(_ collateral: DCAPCollateral, root: Certificate) -> [Certificate] {
        collateral.certificates.filter {
            $0 != root && DCAPCertificates.commonName($0.subject) == "Intel SGX TCB Signing"
        }
    }

    /// `signature` (raw r ‖ s) over `message` verifies with `signer`'s P-256 key (memoised).
    func signed(_ message: [UInt8], signature: [UInt8], by signer: Certificate) -> Bool {
        guard let key = P256.Signing.PublicKey(signer.publicKey) else { return false }
        return cache.verifiedSignature(key: [UInt8](key.rawRepresentation), signature: signature, message: message) {
            DCAPCertificates.verifyRawP256(signature: signature, message: message, key: key)
        }
    }
}
