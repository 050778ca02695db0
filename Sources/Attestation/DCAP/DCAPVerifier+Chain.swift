import Foundation
import X509

extension DCAPVerifier {
    struct PCKChain {
        var leaf: Certificate
        var intermediate: Certificate
    }

    static let pckCANames: Set<String> = ["Intel SGX PCK Platform CA", "Intel SGX PCK Processor CA"]

    /// PCK leaf -> PCK Platform/Processor CA -> pinned Intel SGX Root CA, each valid at `time`,
    /// with the Root CA CRL (for the intermediate) and the PCK CA CRL (for the leaf).
    func verifyPCKChain(
        _ pem: [UInt8], root: Certificate, collateral: DCAPCollateral,
        at time: Date
    ) throws(AttestationError) -> PCKChain {
        let certs = try cache.pckChain(pem)
        guard certs.count == 2 || certs.count == 3 else {
            throw AttestationError(
                .chainInvalid, "the quote's PCK chain has \(certs.count) certificates, expected PCK, PCK CA and (optionally) the Root CA")
        }
        if certs.count == 3, certs[2] != root {
            throw AttestationError(.chainInvalid, "the quote's PCK chain ends in \(certs[2].subject), not the pinned Intel SGX Root CA")
        }
        let leaf = certs[0], intermediate = certs[1]
        guard Self.pckCANames.contains(DCAPCertificates.commonName(intermediate.subject)) else {
            throw AttestationError(.chainInvalid, "the PCK certificate's issuer \(intermediate.subject) is not an Intel SGX PCK CA")
        }
        try checkLink(leaf, issuer: intermediate, role: "PCK")
        try checkLink(intermediate, issuer: root, role: "PCK CA")
        cache.rememberPCKChain(pem, certs)
        try DCAPCertificates.checkValidity(root, at: time, role: "Intel SGX Root CA")
        try DCAPCertificates.checkValidity(intermediate, at: time, role: "PCK CA")
        try DCAPCertificates.checkValidity(leaf, at: time, role: "PCK")

        if let rootCRL = try currentCRL(collateral, issuer: root, at: time, name: "Intel SGX Root CA CRL") {
            if rootCRL.revokes(intermediate) {
                throw AttestationError(
                    .certificateRevoked, "Intel revoked the \(DCAPCertificates.commonName(intermediate.subject)) certificate (Root CA CRL)")
            }
        }
        if let pckCRL = try currentCRL(collateral, issuer: intermediate, at: time, name: "PCK CA CRL") {
            if pckCRL.revokes(leaf) {
                throw AttestationError(.certificateRevoked, "Intel revoked this platform's PCK certificate (serial \(leaf.serialNumber))")
            }
        }
        return PCKChain(leaf: leaf, intermediate: intermediate)
    }

    /// Issuer name / CA / signature check of one link; only the signature result is memoised.
    func checkLink(_ cert: Certificate, issuer: Certificate, role: String) throws(AttestationError) {
        try DCAPCertificates.checkNames(cert, issuer: issuer, role: role)
        let ok = cache.verifiedSignature(
            key: Array(issuer.publicKey.subjectPublicKeyInfoBytes),
            signature: cert.signature.rawRepresentation, message: Array(cert.tbsCertificateBytes)
        ) {
            issuer.publicKey.isValidSignature(cert.signature, for: cert)
        }
        guard ok else {
            throw AttestationError(.signatureInvalid, "the \(role) certificate's signature does not verify with \(issuer.subject)'s key")
        }
    }

    /// The newest CRL from `issuer` among the collateral, checked for signature and freshness.
    /// nil only when none is supplied and `allowMissingCRL` is set.
    func currentCRL(
        _ collateral: DCAPCollateral, issuer: Certificate, at time: Date,
        name: String
    ) throws(AttestationError) -> CertificateRevocationList? {
        guard let crl = try signedCRL(collateral, issuer: issuer, name: name) else { return nil }
        // Freshness is always re-checked; the memo only spares the signature.
        try crl.checkFreshness(at: time, name: name, source: "Intel PCS")
        return crl
    }

    /// The time-independent half of `currentCRL`: which CRL applies, and its signature.
    func signedCRL(_ collateral: DCAPCollateral, issuer: Certificate, name: String) throws(AttestationError) -> CertificateRevocationList? {
        let candidates = collateral.crls.filter { $0.issuer == issuer.subject }.sorted { $0.thisUpdate > $1.thisUpdate }
        guard let crl = candidates.first else {
            if allowMissingCRL { return nil }
            throw AttestationError(
                .collateralMissing,
                "no \(name) from \(DCAPCertificates.commonName(issuer.subject)) was supplied; add it from Intel PCS (or configure allowMissingCRL to skip revocation)"
            )
        }
        let ok = cache.verifiedSignature(
            key: Array(issuer.publicKey.subjectPublicKeyInfoBytes), signature: crl.signature,
            message: crl.tbsBytes
        ) {
            (try? crl.checkSignature(issuer: issuer, name: name)) != nil
        }
        if !ok {
            try crl.checkSignature(issuer: issuer, name: name)
            throw AttestationError(.signatureInvalid, "the \(name) signature does not verify")
        }
        return crl
    }
}
