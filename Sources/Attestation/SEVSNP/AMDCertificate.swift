import Crypto
import CryptoExtras
import Foundation
import SwiftASN1
import X509

/// An X.509 certificate from AMD's key distribution service (ARK, ASK/ASVK, VCEK/VLEK).
///
/// swift-certificates cannot represent RSASSA-PSS signature algorithms, which every AMD
/// certificate uses, so the structure is parsed here with SwiftASN1 (RFC 5280 §4.1):
///
/// ```
/// Certificate  ::= SEQUENCE {
///     tbsCertificate       TBSCertificate,        -- kept as raw DER: the signed bytes
///     signatureAlgorithm   AlgorithmIdentifier,   -- RSASSA-PSS, see AMDSignatureAlgorithm
///     signatureValue       BIT STRING }
/// TBSCertificate ::= SEQUENCE {
///     version         [0]  EXPLICIT INTEGER,      -- must be 2 (v3)
///     serialNumber         INTEGER,
///     signature            AlgorithmIdentifier,   -- must equal signatureAlgorithm
///     issuer               Name,
///     validity             SEQUENCE { notBefore Time, notAfter Time },
///     subject              Name,
///     subjectPublicKeyInfo SEQUENCE { AlgorithmIdentifier, BIT STRING },
///     extensions      [3]  EXPLICIT SEQUENCE OF Extension OPTIONAL }
/// Time ::= CHOICE { utcTime UTCTime, generalTime GeneralizedTime }
/// ```
///
/// Unique identifiers ([1], [2]) are not used by AMD and are refused. Parsing decides nothing
/// about trust; `SNPChainValidator` does.
struct AMDCertificate: Sendable {
    enum PublicKey: Sendable {
        /// ARK, ASK and ASVK keys: RSA, which sign the next certificate down.
        case rsa(_RSA.Signing.PublicKey)
        /// VCEK and VLEK keys: ECDSA P-384, which sign attestation reports.
        case p384(P384.Signing.PublicKey)
    }

    /// The whole certificate as DER; the cache key and the pinning comparison use these bytes.
    let der: [UInt8]
    /// The DER of tbsCertificate, the bytes the issuer signed.
    let tbs: [UInt8]
    let serialNumber: [UInt8]
    let signatureAlgorithm: AMDSignatureAlgorithm
    let issuer: DistinguishedName
    let subject: DistinguishedName
    let notBefore: Date
    let notAfter: Date
    let publicKey: PublicKey
    let extensions: Certificate.Extensions
    let signature: [UInt8]

    var isSelfIssued: Bool { issuer == subject }

    /// The subject's common name, for messages ("SEV-Milan", "SEV-VCEK", ...).
    var subjectCommonName: String { Self.commonName(subject) }
    var issuerCommonName: String { Self.commonName(issuer) }

    static func commonName(_ name: DistinguishedName) -> String {
        for rdn in name {
            for attribute in rdn where attribute.type == .RDNAttributeType.commonName {
                return attribute.value.description
            }
        }
        return name.description
    }

    private static func parse(_ der: [UInt8]) throws -> AMDCertificate {
        let root = try DER.parse(der)
        return try DER.sequence(root, identifier: .sequence) { nodes in
            guard let tbsNode = nodes.next() else {
                throw AttestationError(.chainInvalid, "certificate has no tbsCertificate")
            }
            let outerAlgorithm = try AMDSignatureAlgorithm(derEncoded: &nodes)
            let bits = try ASN1BitString(derEncoded: &nodes)
            guard bits.paddingBits == 0 else {
                throw AttestationError(.chainInvalid, "certificate signature BIT STRING has \(bits.paddingBits) padding bits")
            }
            return try DER.sequence(tbsNode, identifier: .sequence) { tbsNodes in
                // A UInt8 cannot hold an INTEGER large enough to overflow anything; larger values
                // fail to decode, and the message never does arithmetic on the attacker's number.
                let version = try DER.explicitlyTagged(&tbsNodes, tagNumber: 0, tagClass: .contextSpecific) { try? UInt8(derEncoded: $0) }
                guard version == 2 else {
                    throw AttestationError(.chainInvalid, "certificate version is not X.509 v3 (INTEGER 2)")
                }
                guard let serialNode = tbsNodes.next(), serialNode.identifier == .integer, case .primitive(let serial) = serialNode.content else {
                    throw AttestationError(.chainInvalid, "certificate serial number is not an INTEGER")
                }
                let innerAlgorithm = try AMDSignatureAlgorithm(derEncoded: &tbsNodes)
                guard innerAlgorithm == outerAlgorithm else {
                    throw AttestationError(.chainInvalid, "certificate's signed and outer signature algorithms differ")
                }
                let issuer = try name(tbsNodes.next(), "issuer")
                guard let validityNode = tbsNodes.next() else {
                    throw AttestationError(.chainInvalid, "certificate has no validity")
                }
                let (notBefore, notAfter) = try DER.sequence(validityNode, identifier: .sequence) { v in
                    (try time(v.next()), try time(v.next()))
                }
                let subject = try name(tbsNodes.next(), "subject")
                guard let spkiNode = tbsNodes.next() else {
                    throw AttestationError(.chainInvalid, "certificate has no subjectPublicKeyInfo")
                }
                let publicKey = try parsePublicKey(spkiNode)
                let extensionList =
                    try DER.optionalExplicitlyTagged(&tbsNodes, tagNumber: 3, tagClass: .contextSpecific) { node in
                        try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: node)
                    } ?? []
                return AMDCertificate(
                    der: der, tbs: Array(tbsNode.encodedBytes), serialNumber: Array(serial),
                    signatureAlgorithm: outerAlgorithm, issuer: issuer, subject: subject,
                    notBefore: notBefore, notAfter: notAfter, publicKey: publicKey,
                    extensions: try Certificate.Extensions(extensionList), signature: Array(bits.bytes))
            }
        }
    }

    private static func name(_ node: ASN1Node?, _ field: String) throws -> DistinguishedName {
        guard let node else { throw AttestationError(.chainInvalid, "certificate has no \(field)") }
        return try DistinguishedName(derEncoded: node)
    }

    private static func time(_ node: ASN1Node?) throws -> Date {
        guard let node else { throw AttestationError(.chainInvalid, "certificate validity is incomplete") }
        let c: (year: Int, month: Int, day: Int, hours: Int, minutes: Int, seconds: Int)
        if node.identifier == UTCTime.defaultIdentifier {
            let t = try UTCTime(derEncoded: node)
            c = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        } else {
            let t = try GeneralizedTime(derEncoded: node)
            c = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        }
        return Date(
            timeIntervalSince1970: TimeInterval(
                daysSinceEpoch(year: c.year, month: c.month, day: c.day) * 86_400
                    + c.hours * 3_600 + c.minutes * 60 + c.seconds))
    }

    /// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil).
    /// SwiftASN1 has already range-checked every component, so nothing here can overflow.
    private static func daysSinceEpoch(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    private static let rsaEncryption: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 1]
    private static let ecPublicKey: ASN1ObjectIdentifier = [1, 2, 840, 10045, 2, 1]
    private static let secp384r1: ASN1ObjectIdentifier = [1, 3, 132, 0, 34]

    /// Accepts exactly the two key types AMD issues: RSA (rsaEncryption) for the signing
    /// certificates and EC P-384 for the endorsement keys.
    private static func parsePublicKey(_ spki: ASN1Node) throws -> PublicKey {
        let (algorithm, curve) = try DER.sequence(spki, identifier: .sequence) { nodes -> (ASN1ObjectIdentifier, ASN1ObjectIdentifier?) in
            guard let algorithmNode = nodes.next() else {
                throw AttestationError(.chainInvalid, "subjectPublicKeyInfo has no algorithm")
            }
            let result = try DER.sequence(algorithmNode, identifier: .sequence) { a -> (ASN1ObjectIdentifier, ASN1ObjectIdentifier?) in
                let oid = try ASN1ObjectIdentifier(derEncoded: &a)
                guard let parameters = a.next() else { return (oid, nil) }
                if parameters.identifier == .null { _ = try ASN1Null(derEncoded: parameters); return (oid, nil) }
                return (oid, try ASN1ObjectIdentifier(derEncoded: parameters))
            }
            _ = try ASN1BitString(derEncoded: &nodes)
            return result
        }
        let spkiDER = Array(spki.encodedBytes)
        switch (algorithm, curve) {
        case (rsaEncryption, nil):
            return .rsa(try _RSA.Signing.PublicKey(derRepresentation: spkiDER))
        case (ecPublicKey, secp384r1):
            return .p384(try P384.Signing.PublicKey(derRepresentation: spkiDER))
        default:
            throw AttestationError(.chainInvalid, "certificate key algorithm \(algorithm) is neither RSA nor EC P-384")
        }
    }
}

extension AMDCertificate {
    /// Parses one DER certificate; any ASN.1 error becomes `chain-invalid`.
    init(derEncoded der: [UInt8]) throws(AttestationError) {
        do {
            self = try Self.parse(der)
        } catch let error as AttestationError {
            throw error
        } catch {
            throw AttestationError(.chainInvalid, "a certificate in the collateral is not valid DER X.509: \(AttestationError.libraryReason(error))")
        }
    }

    /// True when `issuer`'s RSA key signed this certificate with RSASSA-PSS (SHA-384, MGF1-SHA-384,
    /// 48-byte salt). CryptoExtras' `.PSS` padding uses a salt as long as the digest, which is
    /// exactly AMD's 48 bytes for SHA-384; the parameters were already checked to say so.
    func isSigned(by issuer: AMDCertificate) -> Bool {
        issuer.verifiesPSS(signature, over: tbs)
    }

    /// True when this certificate's RSA key (4096 bits or more) made `signature` over `message`
    /// with RSASSA-PSS SHA-384 (see `isSigned(by:)`); a CRL's signature is checked the same way.
    func verifiesPSS(_ signature: [UInt8], over message: [UInt8]) -> Bool {
        guard case .rsa(let key) = publicKey, key.keySizeInBits >= 4096 else { return false }
        return key.isValidSignature(_RSA.Signing.RSASignature(rawRepresentation: signature), for: SHA384.hash(data: message), padding: .PSS)
    }

    /// Whether the certificate is inside its validity period at `time` (both ends inclusive,
    /// RFC 5280 §4.1.2.5).
    func isValid(at time: Date) -> Bool { notBefore <= time && time <= notAfter }

    /// Refuses the certificate outside its validity period.
    func checkValidity(at time: Date, role: String) throws(AttestationError) {
        guard isValid(at: time) else {
            let f = ISO8601DateFormatter()
            throw AttestationError(
                .certificateExpired,
                "the \(role) certificate (\(subjectCommonName)) is valid \(f.string(from: notBefore)) to \(f.string(from: notAfter)), not at \(f.string(from: time))"
            )
        }
    }

    /// The DER certificates in one collateral item: PEM (one or more CERTIFICATE blocks) or a
    /// single DER certificate. Only the armour is removed here, so a cache lookup can hash the
    /// certificates without parsing them.
    static func derCertificates(in item: [UInt8]) throws(AttestationError) -> [[UInt8]] {
        let documents = try derDocuments(in: item)
        guard !documents.certificates.isEmpty else {
            throw AttestationError(.chainInvalid, "the collateral holds no certificate")
        }
        return documents.certificates
    }

    /// The certificates and CRLs in one collateral item: PEM (CERTIFICATE and X509 CRL blocks;
    /// any other block is refused) or one DER document, told apart by the shape of its first
    /// field (a certificate's tbs starts with [0] version, a CRL's with INTEGER or SEQUENCE).
    static func derDocuments(in item: [UInt8]) throws(AttestationError) -> (certificates: [[UInt8]], crls: [[UInt8]]) {
        let text = item.drop { $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D }
        guard text.starts(with: "-----BEGIN".utf8) else {
            return isCRL(der: item) ? ([], [item]) : ([item], [])
        }
        let documents: [PEMDocument]
        do {
            documents = try PEMDocument.parseMultiple(pemString: String(decoding: item, as: UTF8.self))
        } catch {
            throw AttestationError(.chainInvalid, "PEM collateral does not parse: \(AttestationError.libraryReason(error))")
        }
        var certificates: [[UInt8]] = []
        var crls: [[UInt8]] = []
        for document in documents {
            switch document.discriminator {
            case "CERTIFICATE": certificates.append(document.derBytes)
            case "X509 CRL": crls.append(document.derBytes)
            default:
                throw AttestationError(
                    .collateralInvalid, "PEM collateral holds a \(document.discriminator) block; only CERTIFICATE and X509 CRL belong there")
            }
        }
        guard !(certificates.isEmpty && crls.isEmpty) else {
            throw AttestationError(.chainInvalid, "PEM collateral holds no CERTIFICATE block")
        }
        return (certificates, crls)
    }

    /// Whether DER bytes have a CRL's shape: SEQUENCE { SEQUENCE { INTEGER | SEQUENCE, ...
    /// Anything else, including what does not parse, goes to the certificate parser, which
    /// says precisely what is wrong with it.
    static func isCRL(der: [UInt8]) -> Bool {
        guard let root = try? DER.parse(der), case .constructed(let outer) = root.content else { return false }
        var fields = outer.makeIterator()
        guard let tbs = fields.next(), case .constructed(let tbsFields) = tbs.content else { return false }
        var inner = tbsFields.makeIterator()
        guard let first = inner.next() else { return false }
        return first.identifier == .integer || first.identifier == .sequence
    }
}
