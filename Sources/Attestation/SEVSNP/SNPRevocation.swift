import Codecs
import Foundation

/// Revocation of AMD's signing certificates, from the CRLs in a report's collateral.
///
/// AMD KDS publishes one CRL per product, issued and signed (RSASSA-PSS SHA-384, like the
/// certificates) by the ARK, listing the ASKs/ASVKs AMD has revoked
/// (`GET https://kdsintf.amd.com/vcek/v1/{Milan,Genoa,Turin}/crl`, DER). A revoked ASK means
/// every VCEK it signed, and so every report they sign, can no longer be trusted.
///
/// The rule, failing closed on whatever CRL is supplied:
/// - each CRL must be issued by a certificate of this chain (ARK, or the ASK for a CRL of
///   endorsement keys), else `collateral-invalid`: a CRL for another product protects nothing;
/// - of several from one issuer, the newest (thisUpdate) counts;
/// - its signature algorithm must be AMD's PSS parameters and the signature must verify with
///   the issuer's key (`signature-invalid`);
/// - it must be current at the verification time (`crl-stale`);
/// - the certificate it covers must not be listed (`certificate-revoked`).
///
/// With `required`, a chain whose ARK CRL is not supplied is refused (`collateral-missing`).
/// Without it (the default), revocation is checked exactly when the CRL is supplied, because
/// the guest's extended report (the usual source of collateral) carries certificates only.
enum SNPRevocation {
    /// One issuing link of a chain: `issuer`'s CRL would list `subject`.
    struct Link {
        var issuer: AMDCertificate
        var subject: AMDCertificate
        var role: String
    }

    static func check(_ crls: [CertificateRevocationList], chain: SNPVerifiedChain, at time: Date, required: Bool) throws(AttestationError) {
        guard chain.certificates.count == 3 else {
            throw AttestationError(.chainInvalid, "the verified chain is not endorsement key, ASK/ASVK, ARK")
        }
        let (leaf, ask, ark) = (chain.certificates[0], chain.certificates[1], chain.certificates[2])
        try check(
            crls, links: [Link(issuer: ark, subject: ask, role: "ASK/ASVK"), Link(issuer: ask, subject: leaf, role: chain.keyKind.rawValue)],
            product: chain.product, at: time, required: required)
    }

    /// `links` root first; `required` asks for the root's (the self-issued ARK's) CRL.
    static func check(_ crls: [CertificateRevocationList], links: [Link], product: SNPProduct, at time: Date, required: Bool) throws(AttestationError)
    {
        for crl in crls where !links.contains(where: { $0.issuer.subject == crl.issuer }) {
            throw AttestationError(
                .collateralInvalid,
                "the collateral holds a CRL from \(AMDCertificate.commonName(crl.issuer)), which issued none of this chain's certificates (ARK-\(product.rawValue) chain)"
            )
        }
        for link in links {
            let issuer = link.issuer
            let newest = crls.filter { $0.issuer == issuer.subject }.max { $0.thisUpdate < $1.thisUpdate }
            guard let crl = newest else {
                if required && issuer.isSelfIssued {
                    throw AttestationError(
                        .collateralMissing,
                        "no CRL from \(issuer.subjectCommonName) was supplied and this verifier requires one; fetch it from AMD KDS (/vcek/v1/\(product.rawValue)/crl)"
                    )
                }
                continue
            }
            let name = "CRL from \(issuer.subjectCommonName)"
            do {
                _ = try AMDSignatureAlgorithm(derEncoded: crl.signatureAlgorithmDER)
            } catch {
                throw AttestationError(
                    .signatureInvalid, "the \(name) is not signed with AMD's RSASSA-PSS SHA-384 parameters: \(AttestationError.libraryReason(error))")
            }
            guard issuer.verifiesPSS(crl.signature, over: crl.tbsBytes) else {
                throw AttestationError(.signatureInvalid, "the \(name) signature does not verify with \(issuer.subjectCommonName)'s key")
            }
            try crl.checkFreshness(at: time, name: name, source: "AMD KDS")
            if crl.revokes(serial: link.subject.serialNumber) {
                throw AttestationError(
                    .certificateRevoked,
                    "AMD revoked the \(link.role) certificate \(link.subject.subjectCommonName) (serial \(Hex.encode(link.subject.serialNumber))) in its \(name)"
                )
            }
        }
    }
}
