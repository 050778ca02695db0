import Crypto
import Foundation
import SwiftASN1
import X509

/// Verifies a Nitro document's certificate chain: the pinned AWS root, the `cabundle`
/// intermediates below it, and the document's own certificate.
///
/// Why not swift-certificates' `Verifier`: it is `async`, and `EvidenceVerifier.verify` is
/// synchronous (the broker calls it on a request path and the CLI bench calls it in a loop);
/// bridging with a semaphore would block a cooperative-pool thread. The Nitro chain is also
/// fixed in shape (the document orders it root-first and pins its root), so there is no path
/// building to do. We therefore check, per RFC 5280 §6.1, exactly what applies here: each
/// issuer's name equals the next subject; each signature is ECDSA-with-SHA384 under a P-384
/// key and verifies (`Certificate.PublicKey.isValidSignature`, never a hand-rolled check);
/// each issuer is a CA (basicConstraints cA, keyCertSign when keyUsage is present) whose
/// pathLenConstraint holds; no certificate carries a critical extension we do not process;
/// and every certificate is within its validity at the verification time.
enum NitroChain {
    /// Extensions this verifier processes, so may be marked critical.
    private static let understoodCritical: Set<ASN1ObjectIdentifier> = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage,
    ]

    /// Refuses a bundle that does not start with the pinned root. Cheap (a byte comparison),
    /// so it runs on every verification, cached bundle or not.
    static func checkRoot(_ cabundle: [[UInt8]], pinned root: [UInt8]) throws(AttestationError) {
        guard let first = cabundle.first, first == root else {
            throw AttestationError(
                .chainInvalid,
                "the Nitro cabundle does not start with the pinned AWS Nitro Enclaves Root-G1 certificate (SHA-256 641a0321...bb5b); the document was not issued under AWS's root"
            )
        }
    }

    /// Verifies everything about `cabundle` that does not depend on time.
    static func verifyBundle(_ cabundle: [[UInt8]], pinned root: [UInt8]) throws(AttestationError) -> NitroVerifiedBundle {
        try checkRoot(cabundle, pinned: root)
        var certificates: [Certificate] = []
        for (i, der) in cabundle.enumerated() {
            certificates.append(try parse(der, name: "cabundle[\(i)]"))
        }
        // max_path_length of RFC 5280 §6.1.2 (nil: unbounded), applied from the root down.
        var remaining: Int? = nil
        for (i, certificate) in certificates.enumerated() {
            let name = "cabundle[\(i)] (\(certificate.subject))"
            try checkCriticalExtensions(certificate, name: name)
            let pathLength = try caPathLength(certificate, name: name)
            if i > 0 {
                try checkIssued(certificate, name: name, by: certificates[i - 1], issuerName: "cabundle[\(i - 1)]")
                if let r = remaining {
                    guard r > 0 else {
                        throw AttestationError(.chainInvalid, "\(name) exceeds the path length its issuers allow")
                    }
                    remaining = r - 1
                }
            }
            if let p = pathLength { remaining = min(remaining ?? p, p) }
        }
        // certificates is non-empty: its first element is the pinned root.
        let issuer = certificates[certificates.count - 1]
        let windows = certificates.enumerated().map { i, c in
            NitroVerifiedBundle.Window(name: "cabundle[\(i)] (\(c.subject))", notBefore: c.notValidBefore, notAfter: c.notValidAfter)
        }
        return NitroVerifiedBundle(issuer: issuer, windows: windows)
    }

    /// Checks every bundle certificate's validity at `time`.
    static func checkValidity(_ bundle: NitroVerifiedBundle, at time: Date) throws(AttestationError) {
        for w in bundle.windows {
            try checkWindow(name: w.name, notBefore: w.notBefore, notAfter: w.notAfter, at: time)
        }
    }

    /// Verifies the document's certificate against the bundle's last certificate at `time`
    /// and returns the parsed certificate and its P-384 key, which signs the COSE message.
    static func verifyLeaf(_ der: [UInt8], issuer bundle: NitroVerifiedBundle, at time: Date) throws(AttestationError) -> (
        Certificate, P384.Signing.PublicKey
    ) {
        let leaf = try parse(der, name: "document certificate")
        let name = "the document certificate (\(leaf.subject))"
        try checkCriticalExtensions(leaf, name: name)
        try checkIssued(leaf, name: name, by: bundle.issuer, issuerName: "the last cabundle certificate")
        do {
            if case .isCertificateAuthority? = try leaf.extensions.basicConstraints {
                throw AttestationError(.chainInvalid, "\(name) is a CA certificate; AWS signs documents with end-entity certificates")
            }
            if let usage = try leaf.extensions.keyUsage, !usage.digitalSignature {
                throw AttestationError(.chainInvalid, "\(name) does not allow digitalSignature in its keyUsage")
            }
        } catch let error as AttestationError {
            throw error
        } catch {
            throw AttestationError(.chainInvalid, "\(name) has a malformed extension: \(AttestationError.libraryReason(error))")
        }
        try checkWindow(name: name, notBefore: leaf.notValidBefore, notAfter: leaf.notValidAfter, at: time)
        guard let key = P384.Signing.PublicKey(leaf.publicKey) else {
            throw AttestationError(.algorithmNotAllowed, "\(name) does not hold a P-384 key, which ES384 requires")
        }
        return (leaf, key)
    }

    private static func parse(_ der: [UInt8], name: String) throws(AttestationError) -> Certificate {
        do {
            return try Certificate(derEncoded: der)
        } catch {
            throw AttestationError(.chainInvalid, "the Nitro \(name) is not a valid DER X.509 certificate: \(AttestationError.libraryReason(error))")
        }
    }

    private static func checkCriticalExtensions(_ certificate: Certificate, name: String) throws(AttestationError) {
        for ext in certificate.extensions where ext.critical && !understoodCritical.contains(ext.oid) {
            throw AttestationError(.chainInvalid, "\(name) has a critical extension \(ext.oid) this verifier does not process")
        }
    }

    /// The CA's pathLenConstraint (nil: none); refuses a certificate that may not issue others.
    private static func caPathLength(_ certificate: Certificate, name: String) throws(AttestationError) -> Int? {
        let constraints: BasicConstraints?
        let usage: KeyUsage?
        do {
            constraints = try certificate.extensions.basicConstraints
            usage = try certificate.extensions.keyUsage
        } catch {
            throw AttestationError(.chainInvalid, "\(name) has a malformed extension: \(AttestationError.libraryReason(error))")
        }
        guard case .isCertificateAuthority(let maxPathLength)? = constraints else {
            throw AttestationError(.chainInvalid, "\(name) is not a CA certificate (basicConstraints cA is not set) but issues others")
        }
        if let usage, !usage.keyCertSign {
            throw AttestationError(.chainInvalid, "\(name) does not allow keyCertSign in its keyUsage but issues certificates")
        }
        return maxPathLength
    }

    private static func checkIssued(_ certificate: Certificate, name: String, by issuer: Certificate, issuerName: String) throws(AttestationError) {
        guard certificate.issuer == issuer.subject else {
            throw AttestationError(.chainInvalid, "\(name) names issuer \(certificate.issuer), but \(issuerName) is \(issuer.subject)")
        }
        guard certificate.signatureAlgorithm == .ecdsaWithSHA384, P384.Signing.PublicKey(issuer.publicKey) != nil else {
            throw AttestationError(.algorithmNotAllowed, "\(name) is not signed with ECDSA P-384 / SHA-384, the only algorithm of the AWS Nitro PKI")
        }
        guard issuer.publicKey.isValidSignature(certificate.signature, for: certificate) else {
            throw AttestationError(.signatureInvalid, "the signature on \(name) does not verify with the key of \(issuerName)")
        }
    }

    private static func checkWindow(name: String, notBefore: Date, notAfter: Date, at time: Date) throws(AttestationError) {
        guard notBefore <= time, time <= notAfter else {
            let f = ISO8601DateFormatter()
            throw AttestationError(
                .certificateExpired,
                "\(name) is valid from \(f.string(from: notBefore)) to \(f.string(from: notAfter)), not at the verification time \(f.string(from: time))"
            )
        }
    }
}
