import Crypto
import Foundation
import SwiftASN1
import X509

/// A VCEK or VLEK whose certificate chain has been verified up to a pinned AMD root.
///
/// It holds everything about the chain that does not depend on the time or on the report,
/// which is what makes it cacheable: validity periods are re-checked on every use, and the
/// report-specific checks (TCB, chip id, product, signature) run against each report.
struct SNPVerifiedChain: Sendable {
    let product: SNPProduct
    /// `.vcek` or `.vlek` (never `.none`).
    let keyKind: SNPReport.SigningKey
    let endorsementKey: P384.Signing.PublicKey
    let endorsement: AMDEndorsementExtensions
    /// Leaf first: VCEK/VLEK, ASK/ASVK, ARK.
    let certificates: [AMDCertificate]

    /// Builds and verifies the chain from the certificates found in the collateral, in any
    /// order. The ARK need not be supplied (the pinned one is used); if it is, it must be
    /// byte-identical to a pinned root.
    init(certificates: [AMDCertificate], roots: [SNPProduct: AMDCertificate]) throws(AttestationError) {
        var leaves: [(AMDCertificate, P384.Signing.PublicKey)] = []
        var intermediates: [AMDCertificate] = []
        for certificate in certificates {
            switch certificate.publicKey {
            case .p384(let key):
                leaves.append((certificate, key))
            case .rsa:
                if certificate.isSelfIssued {
                    guard roots.values.contains(where: { $0.der == certificate.der }) else {
                        throw AttestationError(
                            .chainInvalid,
                            "the collateral's root certificate \(certificate.subjectCommonName) is not a pinned AMD ARK (Milan, Genoa or Turin); refusing it"
                        )
                    }
                } else {
                    intermediates.append(certificate)
                }
            }
        }
        guard let (leaf, leafKey) = leaves.first else {
            throw AttestationError(
                .collateralMissing,
                "no VCEK or VLEK certificate (EC P-384 key) in the collateral; fetch it from AMD KDS for the report's chip id and reported TCB")
        }
        guard leaves.count == 1 else {
            throw AttestationError(
                .chainInvalid, "the collateral holds \(leaves.count) endorsement key certificates; supply exactly one VCEK or VLEK")
        }
        guard !intermediates.isEmpty else {
            throw AttestationError(.collateralMissing, "no ASK/ASVK certificate in the collateral; supply AMD KDS cert_chain for the product")
        }
        guard let ask = intermediates.first(where: { $0.subject == leaf.issuer }) else {
            throw AttestationError(
                .chainInvalid,
                "the endorsement key is issued by \(leaf.issuerCommonName), but the collateral's intermediates are \(intermediates.map(\.subjectCommonName).joined(separator: ", "))"
            )
        }
        guard let (product, ark) = roots.first(where: { $0.value.subject == ask.issuer }) else {
            throw AttestationError(.chainInvalid, "\(ask.subjectCommonName) is issued by \(ask.issuerCommonName), which is not a pinned AMD root")
        }

        try Self.checkCA(ark, role: "ARK")
        try Self.checkCA(ask, role: "ASK/ASVK")
        try Self.checkCriticalExtensions(leaf, role: "endorsement key")
        guard ark.isSigned(by: ark) else {
            throw AttestationError(.signatureInvalid, "the pinned \(ark.subjectCommonName) self-signature does not verify")
        }
        guard ask.isSigned(by: ark) else {
            throw AttestationError(.signatureInvalid, "\(ask.subjectCommonName) is not signed by \(ark.subjectCommonName) (RSASSA-PSS SHA-384)")
        }
        guard leaf.isSigned(by: ask) else {
            throw AttestationError(
                .signatureInvalid, "the \(leaf.subjectCommonName) certificate is not signed by \(ask.subjectCommonName) (RSASSA-PSS SHA-384)")
        }

        let endorsement = try AMDEndorsementExtensions(leaf.extensions)
        guard let name = endorsement.productName else {
            throw AttestationError(.chainInvalid, "the \(leaf.subjectCommonName) certificate has no productName extension")
        }
        guard SNPProduct(productName: name) == product else {
            throw AttestationError(.productMismatch, "the endorsement key is for product \(name) but chains to ARK-\(product.rawValue)")
        }
        self.product = product
        self.keyKind = endorsement.cspID != nil || leaf.subjectCommonName == "SEV-VLEK" ? .vlek : .vcek
        self.endorsementKey = leafKey
        self.endorsement = endorsement
        self.certificates = [leaf, ask, ark]
    }

    /// Refuses the chain if any certificate is outside its validity period at `time`.
    func checkValidity(at time: Date) throws(AttestationError) {
        let roles = ["\(keyKind.rawValue)", "ASK/ASVK", "ARK"]
        for (certificate, role) in zip(certificates, roles) {
            try certificate.checkValidity(at: time, role: role)
        }
    }

    private static let understoodCriticalExtensions: Set<ASN1ObjectIdentifier> = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage,
    ]

    /// RFC 5280 §4.2: a critical extension the verifier does not understand must fail the chain.
    private static func checkCriticalExtensions(_ certificate: AMDCertificate, role: String) throws(AttestationError) {
        for ext in certificate.extensions where ext.critical && !understoodCriticalExtensions.contains(ext.oid) {
            throw AttestationError(.chainInvalid, "the \(role) certificate has an unknown critical extension \(ext.oid)")
        }
    }

    /// An issuing certificate must be a CA allowed to sign certificates.
    ///
    /// AMD encodes keyUsage with one unused bit too few (`03 02 01 04`), which swift-certificates'
    /// strict `KeyUsage` refuses; the BIT STRING is read here instead and only keyCertSign
    /// (bit 5, mask 0x04 in the first byte) is consulted.
    private static func checkCA(_ certificate: AMDCertificate, role: String) throws(AttestationError) {
        try checkCriticalExtensions(certificate, role: role)
        let basic: BasicConstraints?
        var keyCertSign = true
        do {
            basic = try certificate.extensions.basicConstraints
            if let usage = certificate.extensions[oid: .X509ExtensionID.keyUsage] {
                let bits = try ASN1BitString(derEncoded: DER.parse(usage.value))
                keyCertSign = (bits.bytes.first ?? 0) & 0x04 != 0
            }
        } catch {
            throw AttestationError(
                .chainInvalid, "the \(role) certificate's basic constraints or key usage do not parse: \(AttestationError.libraryReason(error))")
        }
        guard case .isCertificateAuthority = basic else {
            throw AttestationError(.chainInvalid, "the \(role) certificate \(certificate.subjectCommonName) is not a CA")
        }
        guard keyCertSign else {
            throw AttestationError(.chainInvalid, "the \(role) certificate \(certificate.subjectCommonName) may not sign certificates")
        }
    }
}
