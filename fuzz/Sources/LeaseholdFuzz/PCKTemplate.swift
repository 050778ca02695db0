import Crypto
import Foundation
import SwiftASN1
import X509

/// A fixed certificate in which only the Intel SGX extension's value changes, so that the
/// `pck-extensions` target spends its time in `PCKExtensions.parse`, not in X.509 parsing.
/// The DER is assembled by hand around the input; the signature is never checked here.
enum PCKTemplate {
    /// DER of OID 1.2.840.113741.1.13.1 (Intel SGX extensions).
    static let sgxOID: [UInt8] = [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF8, 0x4D, 0x01, 0x0D, 0x01]

    /// The tbsCertificate's fields before its extensions, and the outer algorithm and signature.
    static let parts: (tbsPrefix: [UInt8], algorithm: [UInt8], signature: [UInt8]) = {
        let key = try! P256.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 3, count: 32))
        let name = try! DistinguishedName { CommonName("Leasehold fuzz PCK template") }
        let cert = try! Certificate(
            version: .v3, serialNumber: Certificate.SerialNumber(bytes: [1]),
            publicKey: Certificate.PublicKey(key.publicKey),
            notValidBefore: Date(timeIntervalSince1970: 1_700_000_000),
            notValidAfter: Date(timeIntervalSince1970: 1_900_000_000),
            issuer: name, subject: name, signatureAlgorithm: .ecdsaWithSHA256,
            extensions: Certificate.Extensions([]), issuerPrivateKey: Certificate.PrivateKey(key))
        var serializer = DER.Serializer()
        try! serializer.serialize(cert)
        let root = try! DER.parse(serializer.serializedBytes)
        guard case .constructed(let outer) = root.content else { fatalError("template is not a SEQUENCE") }
        let fields = Array(outer)
        guard case .constructed(let tbsFields) = fields[0].content else { fatalError("template tbs is not a SEQUENCE") }
        let prefix = Array(tbsFields).prefix(7).flatMap { Array($0.encodedBytes) }
        return (prefix, Array(fields[1].encodedBytes), Array(fields[2].encodedBytes))
    }()

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        var out = [tag]
        let n = content.count
        if n < 0x80 {
            out.append(UInt8(n))
        } else {
            var len: [UInt8] = []
            var v = n
            while v > 0 { len.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
            out.append(0x80 | UInt8(len.count))
            out += len
        }
        return out + content
    }

    static func der(sgxExtensionValue value: [UInt8]) -> [UInt8] {
        let ext = tlv(0x30, sgxOID + tlv(0x04, value))
        let tbs = tlv(0x30, parts.tbsPrefix + tlv(0xA3, tlv(0x30, ext)))
        return tlv(0x30, tbs + parts.algorithm + parts.signature)
    }

    static func certificate(sgxExtensionValue value: [UInt8]) -> Certificate? {
        try? Certificate(derEncoded: der(sgxExtensionValue: value))
    }
}
