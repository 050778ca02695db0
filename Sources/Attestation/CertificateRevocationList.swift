import Crypto
import Foundation
import SwiftASN1
import X509

/// An X.509 v2 certificate revocation list: Intel PCS's (Root CA CRL, PCK Platform/Processor
/// CA CRLs) and AMD KDS's (the ARK's list of revoked ASKs/ASVKs). swift-certificates has no CRL
/// type, so the DER is read here with SwiftASN1. This type only parses; each verifier decides
/// whose signature it must carry (`+Intel`: ECDSA P-256; `SNPRevocation`: RSASSA-PSS) and
/// whether it is fresh enough (`checkFreshness`).
///
/// Structure (RFC 5280 §5.1):
///
/// ```
/// CertificateList ::= SEQUENCE {
///     tbsCertList          TBSCertList,
///     signatureAlgorithm   AlgorithmIdentifier,   -- ecdsa-with-SHA256 (Intel), RSASSA-PSS (AMD)
///     signatureValue       BIT STRING }           -- DER ECDSA-Sig-Value, or the RSA signature
/// TBSCertList ::= SEQUENCE {
///     version              INTEGER OPTIONAL,      -- v2 (1)
///     signature            AlgorithmIdentifier,   -- must equal signatureAlgorithm (§5.1.1.2)
///     issuer               Name,
///     thisUpdate           Time,
///     nextUpdate           Time OPTIONAL,
///     revokedCertificates  SEQUENCE OF SEQUENCE {
///         userCertificate     CertificateSerialNumber,
///         revocationDate      Time,
///         crlEntryExtensions  Extensions OPTIONAL } OPTIONAL,
///     crlExtensions        [0] EXPLICIT Extensions OPTIONAL }
/// ```
struct CertificateRevocationList: Sendable, Hashable {
    var der: [UInt8]
    var tbsBytes: [UInt8]
    var issuer: DistinguishedName
    var thisUpdate: Date
    var nextUpdate: Date?
    /// The serial numbers listed, as `canonicalSerial` of the INTEGER's content octets.
    var revokedSerials: Set<[UInt8]>
    var signatureAlgorithm: ASN1ObjectIdentifier
    /// The whole signatureAlgorithm AlgorithmIdentifier as DER, for verifiers whose algorithm
    /// has parameters to check (RSASSA-PSS).
    var signatureAlgorithmDER: [UInt8]
    var signature: [UInt8]

    /// Parses the DER of a CRL; decides nothing about its signature or freshness.
    static func parse(der: [UInt8]) throws(AttestationError) -> CertificateRevocationList {
        do {
            let root = try DER.parse(der)
            return try DER.sequence(root, identifier: .sequence) { nodes in
                guard let tbsNode = nodes.next(), let algNode = nodes.next(), let sigNode = nodes.next() else {
                    throw AttestationError(.malformed, "CRL lacks tbsCertList, algorithm or signature")
                }
                guard nodes.next() == nil else { throw AttestationError(.malformed, "CRL has fields after its signature") }
                let alg = try algorithmOID(algNode)
                let sig = try ASN1BitString(derEncoded: sigNode)
                guard sig.paddingBits == 0 else { throw AttestationError(.malformed, "CRL signature BIT STRING has \(sig.paddingBits) padding bits") }
                var parsed = try parseTBS(tbsNode)
                guard parsed.signatureAlgorithmDER == Array(algNode.encodedBytes) else {
                    throw AttestationError(.malformed, "CRL's signed and outer signature algorithms differ")
                }
                parsed.der = der
                parsed.signatureAlgorithm = alg
                parsed.signature = [UInt8](sig.bytes)
                return parsed
            }
        } catch let error as AttestationError {
            throw error
        } catch {
            throw AttestationError(.malformed, "CRL does not parse: \(AttestationError.libraryReason(error))")
        }
    }

    private static func algorithmOID(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { items in
            guard let oid = items.next() else { throw AttestationError(.malformed, "CRL algorithm identifier is empty") }
            while items.next() != nil {}
            return try ASN1ObjectIdentifier(derEncoded: oid)
        }
    }

    private static func parseTBS(_ node: ASN1Node) throws -> CertificateRevocationList {
        try DER.sequence(node, identifier: .sequence) { items in
            var all: [ASN1Node] = []
            while let n = items.next() { all.append(n) }
            var i = 0
            func next() throws -> ASN1Node {
                guard i < all.count else { throw AttestationError(.malformed, "CRL tbsCertList is truncated") }
                defer { i += 1 }
                return all[i]
            }
            var first = try next()
            if first.identifier == .integer {
                // Version is decoded into a UInt8 so no INTEGER an attacker writes can overflow
                // anything here; an out-of-range value fails to decode and is malformed.
                guard let version = try? UInt8(derEncoded: first), version == 1 else {
                    throw AttestationError(.malformed, "CRL version is not v2 (INTEGER 1)")
                }
                first = try next()
            }
            let innerAlg = try algorithmOID(first)
            let innerAlgDER = Array(first.encodedBytes)
            let issuer = try DistinguishedName(derEncoded: try next())
            let thisUpdate = try time(try next())
            var nextUpdate: Date?
            var revoked = Set<[UInt8]>()
            while i < all.count {
                let n = try next()
                if n.identifier == .utcTime || n.identifier == .generalizedTime, nextUpdate == nil, revoked.isEmpty {
                    nextUpdate = try time(n)
                } else if n.identifier == .sequence {
                    try DER.sequence(n, identifier: .sequence) { entries in
                        while let entry = entries.next() {
                            try DER.sequence(entry, identifier: .sequence) { fields in
                                guard let serialNode = fields.next(), let dateNode = fields.next() else {
                                    throw AttestationError(.malformed, "CRL entry lacks serial or date")
                                }
                                let serial = try ArraySlice<UInt8>(derEncoded: serialNode)
                                _ = try time(dateNode)
                                if let extensions = fields.next() { try Self.refuseCriticalExtensions(extensions, in: "a CRL entry") }
                                guard fields.next() == nil else { throw AttestationError(.malformed, "CRL entry has fields after its extensions") }
                                revoked.insert(Self.canonicalSerial([UInt8](serial)))
                            }
                        }
                    }
                } else if n.identifier == ASN1Identifier(tagWithNumber: 0, tagClass: .contextSpecific), i == all.count {
                    // crlExtensions, last: CRL number and authority key id (non-critical) decide nothing.
                    guard case .constructed(let wrapped) = n.content else { throw AttestationError(.malformed, "CRL extensions are not constructed") }
                    var inner = wrapped.makeIterator()
                    guard let list = inner.next(), inner.next() == nil else {
                        throw AttestationError(.malformed, "CRL extensions are not one SEQUENCE")
                    }
                    try Self.refuseCriticalExtensions(list, in: "the CRL")
                } else {
                    throw AttestationError(.malformed, "CRL tbsCertList has an unexpected field \(n.identifier)")
                }
            }
            return CertificateRevocationList(
                der: [], tbsBytes: [UInt8](node.encodedBytes), issuer: issuer, thisUpdate: thisUpdate,
                nextUpdate: nextUpdate, revokedSerials: revoked, signatureAlgorithm: innerAlg,
                signatureAlgorithmDER: innerAlgDER, signature: [])
        }
    }

    /// RFC 5280 §5.2: a CRL with a critical extension the reader does not process must not be
    /// used to decide revocation. None is processed here (Intel's and AMD's CRLs carry only
    /// non-critical ones), so any critical extension (an issuing distribution point narrowing
    /// the CRL's scope, an indirect CRL's certificate issuer, ...) refuses the whole CRL.
    private static func refuseCriticalExtensions(_ node: ASN1Node, in place: String) throws {
        let extensions = try DER.sequence(of: Certificate.Extension.self, identifier: .sequence, rootNode: node)
        if let critical = extensions.first(where: \.critical) {
            throw AttestationError(
                .malformed,
                "\(place) has a critical extension \(critical.oid) that this verifier does not process (RFC 5280 §5.2), so it cannot decide revocation"
            )
        }
    }

    private static func time(_ node: ASN1Node) throws -> Date {
        let parts: (Int, Int, Int, Int, Int, Int)
        switch node.identifier {
        case .utcTime:
            let t = try UTCTime(derEncoded: node)
            parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        case .generalizedTime:
            let t = try GeneralizedTime(derEncoded: node)
            parts = (t.year, t.month, t.day, t.hours, t.minutes, t.seconds)
        default:
            throw AttestationError(.malformed, "CRL time has type \(node.identifier)")
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC") ?? calendar.timeZone
        let comps = DateComponents(year: parts.0, month: parts.1, day: parts.2, hour: parts.3, minute: parts.4, second: parts.5)
        guard let date = calendar.date(from: comps) else { throw AttestationError(.malformed, "CRL time is not a date") }
        return date
    }

    /// thisUpdate <= t <= nextUpdate: a CRL past its nextUpdate may miss recent revocations,
    /// and one without a nextUpdate never says when it stops being current, so it never is.
    /// `source` names where a fresh one comes from ("Intel PCS", "AMD KDS").
    func checkFreshness(at time: Date, name: String, source: String) throws(AttestationError) {
        guard thisUpdate <= time, let next = nextUpdate, time <= next else {
            let window = "\(DCAPCertificates.iso(thisUpdate)) .. \(nextUpdate.map(DCAPCertificates.iso) ?? "(no nextUpdate)")"
            throw AttestationError(.crlStale, "the \(name) is current \(window), not at \(DCAPCertificates.iso(time)); refresh it from \(source)")
        }
    }

    /// Whether the serial number (INTEGER content octets) is listed.
    func revokes(serial: [UInt8]) -> Bool { revokedSerials.contains(Self.canonicalSerial(serial)) }

    /// Serials compared as numbers: without the leading zero octets that DER puts before a
    /// high bit, or that one decoder keeps and another strips (serial 0 is then empty; both
    /// VCEKs in the vectors have serial 0).
    static func canonicalSerial(_ bytes: [UInt8]) -> [UInt8] {
        Array(bytes.drop { $0 == 0 })
    }
}
