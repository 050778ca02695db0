import Crypto
import SwiftASN1
import X509

/// Intel PCS signs its CRLs with ECDSA P-256 (SHA-256), like the rest of its collateral.
extension CertificateRevocationList {
    static let ecdsaWithSHA256: ASN1ObjectIdentifier = [1, 2, 840, 10045, 4, 3, 2]

    /// Issued and signed by `cert`.
    func checkSignature(issuer cert: Certificate, name: String) throws(AttestationError) {
        guard issuer == cert.subject else {
            throw AttestationError(.collateralInvalid, "the \(name) is issued by \(issuer), not by \(cert.subject)")
        }
        guard signatureAlgorithm == Self.ecdsaWithSHA256,
            let key = P256.Signing.PublicKey(cert.publicKey),
            let sig = try? P256.Signing.ECDSASignature(derRepresentation: signature),
            key.isValidSignature(sig, for: tbsBytes)
        else {
            throw AttestationError(.signatureInvalid, "the \(name) signature does not verify with \(cert.subject)'s key")
        }
    }

    func revokes(_ cert: Certificate) -> Bool {
        revokes(serial: [UInt8](cert.serialNumber.bytes))
    }
}
