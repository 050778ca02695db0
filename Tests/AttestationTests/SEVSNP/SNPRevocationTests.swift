import Crypto
import CryptoExtras
import Foundation
import SwiftASN1
import Testing
import X509
@testable import Attestation

/// AMD KDS CRLs. The vectors hold no real AMD CRL, and only AMD can sign one for a real ARK,
/// so the rule is tested two ways: against the real Milan chain (names, serials, the real ARK
/// key that no forged CRL can satisfy), and with the real ARK and ASK given a test RSA-4096
/// key, which signs CRLs built here the way KDS builds them (v2, RSASSA-PSS SHA-384 salt 48).
@Suite struct SNPRevocationTests {
    static let testKey: _RSA.Signing.PrivateKey = try! _RSA.Signing.PrivateKey(keySize: .bits4096)

    struct Chain {
        var vcek: AMDCertificate
        var ask: AMDCertificate
        var ark: AMDCertificate
        /// ASK and ARK as the vectors have them, but holding `testKey`'s public key.
        var testASK: AMDCertificate
        var testARK: AMDCertificate
        /// The real ARK's PSS AlgorithmIdentifier, as AMD encodes it.
        var pssAlgorithm: [UInt8]
        var validAt: Date

        var links: [SNPRevocation.Link] {
            [.init(issuer: testARK, subject: ask, role: "ASK/ASVK"), .init(issuer: testASK, subject: vcek, role: "VCEK")]
        }
    }

    static func milan() throws -> Chain {
        let sample = try SNPSample.milan
        let ders = try AMDCertificate.derCertificates(in: sample.collateral[1])
        let ask = try AMDCertificate(derEncoded: ders[0])
        let ark = try AMDCertificate(derEncoded: ders[1])
        let algorithm = try DER.sequence(try DER.parse(ark.der), identifier: .sequence) { nodes -> [UInt8] in
            _ = nodes.next()
            guard let node = nodes.next() else { throw AttestationError(.malformed, "the ARK has no signatureAlgorithm") }
            while nodes.next() != nil {}
            return Array(node.encodedBytes)
        }
        return Chain(
            vcek: try AMDCertificate(derEncoded: sample.collateral[0]), ask: ask, ark: ark,
            testASK: ask.holding(testKey.publicKey), testARK: ark.holding(testKey.publicKey),
            pssAlgorithm: algorithm, validAt: sample.validAt)
    }

    /// A v2 CRL from `issuer`, signed with `testKey` unless `sign` says otherwise.
    static func crl(
        issuer: AMDCertificate, algorithm: [UInt8], thisUpdate: Date, nextUpdate: Date?, revoking serials: [[UInt8]] = [],
        extensions: [Certificate.Extension] = [], entryExtensions: [Certificate.Extension] = [],
        outerAlgorithm: [UInt8]? = nil, sign: ([UInt8]) throws -> [UInt8] = signPSS
    ) throws -> [UInt8] {
        var tbs = DER.Serializer()
        try tbs.appendConstructedNode(identifier: .sequence) { c in
            try c.serialize(1)
            c.serializeRawBytes(algorithm)
            try c.serialize(issuer.issuerName)
            try c.serialize(try utc(thisUpdate))
            if let nextUpdate { try c.serialize(try utc(nextUpdate)) }
            if !serials.isEmpty {
                try c.appendConstructedNode(identifier: .sequence) { list in
                    for serial in serials {
                        try list.appendConstructedNode(identifier: .sequence) { entry in
                            try entry.serialize(ArraySlice(CertificateRevocationList.canonicalSerial(serial)))
                            try entry.serialize(try utc(thisUpdate))
                            if !entryExtensions.isEmpty { try entry.serializeSequenceOf(entryExtensions) }
                        }
                    }
                }
            }
            if !extensions.isEmpty {
                try c.serialize(explicitlyTaggedWithTagNumber: 0, tagClass: .contextSpecific) { try $0.serializeSequenceOf(extensions) }
            }
        }
        let tbsBytes = tbs.serializedBytes
        var whole = DER.Serializer()
        try whole.appendConstructedNode(identifier: .sequence) { c in
            c.serializeRawBytes(tbsBytes)
            c.serializeRawBytes(outerAlgorithm ?? algorithm)
            try c.serialize(ASN1BitString(bytes: ArraySlice(try sign(tbsBytes))))
        }
        return whole.serializedBytes
    }

    static func signPSS(_ message: [UInt8]) throws -> [UInt8] {
        Array(try testKey.signature(for: SHA384.hash(data: message), padding: .PSS).rawRepresentation)
    }

    static func utc(_ date: Date) throws -> UTCTime {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return try UTCTime(year: c.year!, month: c.month!, day: c.day!, hours: c.hour!, minutes: c.minute!, seconds: c.second!)
    }

    func code(_ crls: [[UInt8]], _ chain: Chain, at time: Date? = nil, required: Bool = false) -> AttestationError.Code? {
        do {
            let parsed = try crls.map { der throws(AttestationError) in try CertificateRevocationList.parse(der: der) }
            try SNPRevocation.check(parsed, links: chain.links, product: .milan, at: time ?? chain.validAt, required: required)
            return nil
        } catch {
            return error.code
        }
    }

    @Test func acceptsACurrentCRLThatListsOthersAndRefusesOneThatListsTheASK() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let (from, to) = (m.validAt - day, m.validAt + 7 * day)
        let clean = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: from, nextUpdate: to, revoking: [[0x01, 0x02], [0x7F]])
        #expect(code([clean], m) == nil)
        #expect(code([clean], m, required: true) == nil)
        let revoked = try Self.crl(
            issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: from, nextUpdate: to, revoking: [[0x01], m.ask.serialNumber])
        #expect(code([revoked], m) == .certificateRevoked)
        // The serial is compared as a number, whatever leading zero octets either side carries.
        #expect(try CertificateRevocationList.parse(der: revoked).revokes(serial: [0, 0] + m.ask.serialNumber))
        // A CRL from the ASK (KDS publishes none today, but one is honoured) can revoke the VCEK.
        let vcekRevoked = try Self.crl(
            issuer: m.testASK, algorithm: m.pssAlgorithm, thisUpdate: from, nextUpdate: to, revoking: [m.vcek.serialNumber])
        #expect(code([clean, vcekRevoked], m) == .certificateRevoked)
    }

    @Test func theNewestCRLFromAnIssuerCounts() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let older = try Self.crl(
            issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - 2 * day, nextUpdate: m.validAt + day, revoking: [m.ask.serialNumber]
        )
        let newer = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(code([older, newer], m) == nil)  // reinstated (a certificateHold lifted)
        let newerRevoking = try Self.crl(
            issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day, revoking: [m.ask.serialNumber])
        let olderClean = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - 2 * day, nextUpdate: m.validAt + day)
        #expect(code([newerRevoking, olderClean], m) == .certificateRevoked)
    }

    @Test func refusesStaleCRLsAndTheClockBeforeThem() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let crl = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(code([crl], m, at: m.validAt + day) == nil)  // nextUpdate itself is still current
        #expect(code([crl], m, at: m.validAt + day + 1) == .crlStale)
        #expect(code([crl], m, at: m.validAt - day - 1) == .crlStale)  // clock before thisUpdate
        let open = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: nil)
        #expect(code([open], m) == .crlStale)  // no nextUpdate: never current
    }

    @Test func refusesForgedOrAlteredCRLs() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let good = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(code([good], m) == nil)
        // A flipped bit in the signature (the BIT STRING's last octet) or in the signed body
        // (the last octet of nextUpdate's digits, inside tbsCertList).
        #expect(code([good.flipping(byte: good.count - 1)], m) == .signatureInvalid)
        let tbs = try CertificateRevocationList.parse(der: good).tbsBytes
        let body = try #require(good.firstRange(of: tbs)).upperBound - 2
        #expect(code([good.flipping(byte: body)], m) == .signatureInvalid)
        // Signed by another key than the issuer's.
        let otherKey = try _RSA.Signing.PrivateKey(keySize: .bits2048)
        let forged = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day) {
            Array(try otherKey.signature(for: SHA384.hash(data: $0), padding: .PSS).rawRepresentation)
        }
        #expect(code([forged], m) == .signatureInvalid)
        // PKCS#1 v1.5 instead of PSS, under AMD's PSS algorithm identifier.
        let v15 = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day) {
            Array(try Self.testKey.signature(for: SHA384.hash(data: $0), padding: .insecurePKCS1v1_5).rawRepresentation)
        }
        #expect(code([v15], m) == .signatureInvalid)
        // Another algorithm identifier (sha256WithRSAEncryption) is refused before any RSA runs.
        let sha256RSA: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00]
        let other = try Self.crl(issuer: m.testARK, algorithm: sha256RSA, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(code([other], m) == .signatureInvalid)
    }

    @Test func refusesACRLThatIsNotForThisChainAndRequiresOneWhenAsked() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let genoaARK = try #require(AMDRoots.pinned[.genoa]).holding(Self.testKey.publicKey)
        let genoa = try Self.crl(issuer: genoaARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(code([genoa], m) == .collateralInvalid)
        #expect(code([], m) == nil)
        #expect(code([], m, required: true) == .collateralMissing)
        // Only the ARK's CRL is required: an ASK CRL alone does not do.
        let askOnly = try Self.crl(issuer: m.testASK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(code([askOnly], m, required: true) == .collateralMissing)
    }

    @Test func theParserRefusesMismatchedAlgorithmsTrailingBytesAndPadding() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let sha256RSA: [UInt8] = [0x30, 0x0D, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00]
        let mismatched = try Self.crl(
            issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day, outerAlgorithm: sha256RSA)
        #expect(throws: AttestationError.self) { try CertificateRevocationList.parse(der: mismatched) }
        let good = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day)
        #expect(throws: AttestationError.self) { try CertificateRevocationList.parse(der: good + [0x05, 0x00]) }
        for i in stride(from: 0, to: good.count, by: 7) {
            _ = try? CertificateRevocationList.parse(der: good.flipping(byte: i, bit: i % 8))  // never traps
            _ = try? CertificateRevocationList.parse(der: Array(good.prefix(i)))
        }
    }

    /// RFC 5280 §5.2: non-critical extensions (CRL number, reason code) are read past; a
    /// critical one (an issuing distribution point narrowing the CRL, an indirect CRL's
    /// certificate issuer) makes the CRL unusable, so it is refused rather than half-read.
    @Test func criticalExtensionsMakeACRLUnusable() throws {
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        let crlNumber = Certificate.Extension(oid: [2, 5, 29, 20], critical: false, value: [0x02, 0x01, 0x01])
        let reason = Certificate.Extension(oid: [2, 5, 29, 21], critical: false, value: [0x0A, 0x01, 0x01])
        let idp = Certificate.Extension(oid: [2, 5, 29, 28], critical: true, value: [0x30, 0x03, 0x81, 0x01, 0xFF])
        let certificateIssuer = Certificate.Extension(oid: [2, 5, 29, 29], critical: true, value: [0x30, 0x00])
        func make(_ ext: [Certificate.Extension], entry: [Certificate.Extension] = []) throws -> [UInt8] {
            try Self.crl(
                issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day, nextUpdate: m.validAt + day,
                revoking: [m.ask.serialNumber], extensions: ext, entryExtensions: entry)
        }
        #expect(code([try make([crlNumber], entry: [reason])], m) == .certificateRevoked)  // read, and used
        #expect(code([try make([crlNumber, idp], entry: [reason])], m) == .malformed)
        #expect(code([try make([crlNumber], entry: [reason, certificateIssuer])], m) == .malformed)
        let sample = try SNPSample.milan
        let evidence = Evidence(tee: .sevSNP, bytes: sample.report, collateral: sample.collateral + [try make([idp])])
        let error = #expect(throws: AttestationError.self) { try SNPVerifier().verifyReport(evidence, at: sample.validAt) }
        #expect(error?.code == .collateralInvalid && error?.reason.contains("2.5.29.28") == true)
    }

    /// Through `SNPVerifier`, on the real Milan report: collateral sorting (DER and PEM CRLs
    /// among the certificates), `requireCRL`, and a CRL under the real ARK's name that only
    /// AMD could have signed.
    @Test func theVerifierChecksCRLsInTheCollateral() throws {
        let sample = try SNPSample.milan
        let m = try Self.milan()
        let day: TimeInterval = 86_400
        func code(_ collateral: [[UInt8]], requireCRL: Bool = false) -> AttestationError.Code? {
            do {
                _ = try SNPVerifier(requireCRL: requireCRL).verifyReport(
                    Evidence(tee: .sevSNP, bytes: sample.report, collateral: collateral), at: sample.validAt)
                return nil
            } catch { return error.code }
        }
        #expect(code(sample.collateral) == nil)
        #expect(code(sample.collateral, requireCRL: true) == .collateralMissing)
        // Named and encoded as AMD's would be, but not signed by the real ARK.
        let forged = try Self.crl(issuer: m.ark, algorithm: m.pssAlgorithm, thisUpdate: sample.validAt - day, nextUpdate: sample.validAt + day)
        #expect(code(sample.collateral + [forged]) == .signatureInvalid)
        #expect(code(sample.collateral + [forged], requireCRL: true) == .signatureInvalid)
        let pem = Array(PEMDocument(type: "X509 CRL", derBytes: forged).pemString.utf8)
        #expect(code([pem] + sample.collateral) == .signatureInvalid)
        // A CRL from another product's ARK, and a CRL that does not parse.
        let genoa = try Self.crl(
            issuer: try #require(AMDRoots.pinned[.genoa]), algorithm: m.pssAlgorithm, thisUpdate: sample.validAt - day,
            nextUpdate: sample.validAt + day)
        #expect(code(sample.collateral + [genoa]) == .collateralInvalid)
        let broken = Array(PEMDocument(type: "X509 CRL", derBytes: [0x30, 0x03, 0x02, 0x01, 0x01]).pemString.utf8)
        #expect(code(sample.collateral + [broken]) == .collateralInvalid)
        // PEM blocks other than certificates and CRLs are refused, not skipped.
        let key = Array(PEMDocument(type: "PRIVATE KEY", derBytes: [0x30, 0x00]).pemString.utf8)
        #expect(code(sample.collateral + [key]) == .collateralInvalid)
        // CRLs alone are no chain.
        #expect(code([forged]) == .collateralMissing)
    }

    @Test func collateralItemsAreToldApartByShape() throws {
        let sample = try SNPSample.milan
        let m = try Self.milan()
        let crl = try Self.crl(issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt, nextUpdate: m.validAt + 1)
        #expect(AMDCertificate.isCRL(der: crl))
        #expect(!AMDCertificate.isCRL(der: sample.collateral[0]))
        #expect(!AMDCertificate.isCRL(der: m.ark.der))
        #expect(!AMDCertificate.isCRL(der: [0x30, 0x00]))
        let mixed = Array((String(decoding: sample.collateral[1], as: UTF8.self) + PEMDocument(type: "X509 CRL", derBytes: crl).pemString).utf8)
        let documents = try AMDCertificate.derDocuments(in: mixed)
        #expect(documents.certificates.count == 2 && documents.crls == [crl])
        #expect(try AMDCertificate.derDocuments(in: crl).crls == [crl])
    }
}

extension AMDCertificate {
    /// This certificate as parsed, with another public key (for CRLs signed by a test key).
    func holding(_ key: _RSA.Signing.PublicKey) -> AMDCertificate {
        AMDCertificate(
            der: der, tbs: tbs, serialNumber: serialNumber, signatureAlgorithm: signatureAlgorithm, issuer: issuer, subject: subject,
            notBefore: notBefore, notAfter: notAfter, publicKey: .rsa(key), extensions: extensions, signature: signature)
    }

    /// The name a CRL from this certificate is issued under: its subject.
    var issuerName: DistinguishedName { subject }
}
