import Crypto
import Foundation
import SwiftASN1
import X509

/// Certificate checks for Intel's fixed-depth DCAP chains (PCK leaf -> PCK CA -> Root,
/// TCB Signing -> Root).
///
/// swift-certificates' `Verifier` is async and `EvidenceVerifier` is synchronous, so the chain is
/// walked here with swift-certificates' own primitives: `PublicKey.isValidSignature(_:for:)` does
/// the signature, this type only checks names, CA flags and validity windows.
enum DCAPCertificates {
    /// Parses every certificate in PEM text (PCK chains in quotes end with a NUL byte).
    static func parsePEMChain(_ bytes: [UInt8], what: String) throws(AttestationError) -> [Certificate] {
        let text = String(decoding: bytes.reversed().drop(while: { $0 == 0 }).reversed(), as: UTF8.self)
        let docs: [PEMDocument]
        do { docs = try PEMDocument.parseMultiple(pemString: text) } catch {
            throw AttestationError(.malformed, "\(what) is not valid PEM: \(AttestationError.libraryReason(error))")
        }
        var out: [Certificate] = []
        for doc in docs {
            guard doc.discriminator == "CERTIFICATE" else {
                throw AttestationError(.malformed, "\(what) holds a \(doc.discriminator.prefix(32)) block; only certificates belong there")
            }
            do { out.append(try Certificate(derEncoded: doc.derBytes)) } catch {
                throw AttestationError(.malformed, "\(what): a certificate does not parse: \(AttestationError.libraryReason(error))")
            }
        }
        guard !out.isEmpty else { throw AttestationError(.malformed, "\(what) holds no certificate") }
        return out
    }

    /// How many `-----BEGIN ` lines PEM text has: counted before parsing, so that a chain
    /// of a hundred blocks is refused without parsing any of them.
    static func pemBlockCount(_ bytes: [UInt8]) -> Int {
        let marker = Array("-----BEGIN ".utf8)
        guard bytes.count >= marker.count else { return 0 }
        var count = 0
        var i = 0
        while i <= bytes.count - marker.count {
            if bytes[i] == marker[0], bytes[i..<(i + marker.count)].elementsEqual(marker) {
                count += 1
                i += marker.count
            } else {
                i += 1
            }
        }
        return count
    }

    /// The certificate's validity window contains `time`.
    static func checkValidity(_ cert: Certificate, at time: Date, role: String) throws(AttestationError) {
        guard cert.notValidBefore <= time, time <= cert.notValidAfter else {
            throw AttestationError(
                .certificateExpired, "the \(role) certificate is valid \(iso(cert.notValidBefore)) .. \(iso(cert.notValidAfter)), not at \(iso(time))"
            )
        }
    }

    /// Critical extensions this verifier understands; any other critical extension means the
    /// certificate restricts its use in a way that cannot be honoured, so it is refused.
    static let understoodCritical: Set<ASN1ObjectIdentifier> = [
        .X509ExtensionID.basicConstraints, .X509ExtensionID.keyUsage,
    ]

    /// `cert` names `issuer` as its issuer, `issuer` is a CA allowed to sign certificates, and
    /// `cert` has no critical extension we do not understand. The signature is checked
    /// separately so that it can be memoised.
    static func checkNames(_ cert: Certificate, issuer: Certificate, role: String) throws(AttestationError) {
        guard cert.issuer == issuer.subject else {
            throw AttestationError(.chainInvalid, "the \(role) certificate is issued by \(cert.issuer), not by \(issuer.subject)")
        }
        let constraints = try? issuer.extensions.basicConstraints
        guard case .isCertificateAuthority = constraints else {
            throw AttestationError(.chainInvalid, "the issuer of the \(role) certificate (\(issuer.subject)) is not a CA")
        }
        if let usage = try? issuer.extensions.keyUsage, !usage.keyCertSign {
            throw AttestationError(.chainInvalid, "the issuer of the \(role) certificate (\(issuer.subject)) may not sign certificates (keyUsage)")
        }
        for ext in cert.extensions where ext.critical && !understoodCritical.contains(ext.oid) {
            throw AttestationError(.chainInvalid, "the \(role) certificate has an unknown critical extension \(ext.oid)")
        }
    }

    /// The first CN of a certificate subject ("Intel SGX PCK Platform CA").
    static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attr in rdn where attr.type == .RDNAttributeType.commonName {
                return String(describing: attr.value)
            }
        }
        return ""
    }

    /// A raw r ‖ s P-256 signature (DCAP quotes, TCB info/QE identity JSON) over `message`.
    static func verifyRawP256(signature: [UInt8], message: [UInt8], key: P256.Signing.PublicKey) -> Bool {
        guard signature.count == 64, let sig = try? P256.Signing.ECDSASignature(rawRepresentation: signature) else {
            return false
        }
        return key.isValidSignature(sig, for: message)
    }

    static func iso(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        return f.string(from: date)
    }
}
