import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import Attestation

/// The chain rules the real vectors cannot exercise (they are all well formed), on a test
/// PKI built with swift-certificates and a verifier pinned to its root. The real vectors
/// prove interoperability; these prove each refusal.
@Suite struct NitroSyntheticPKITests {
    static let now = Date(timeIntervalSince1970: 1_700_000_000)
    static let pcr = [UInt8](repeating: 0x11, count: 48)

    struct Issued {
        var der: [UInt8]
        var name: DistinguishedName
        var key: Certificate.PrivateKey
    }

    static func caExtensions(pathLength: Int? = nil, keyCertSign: Bool = true) throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(BasicConstraints.isCertificateAuthority(maxPathLength: pathLength))
            Critical(KeyUsage(keyCertSign: keyCertSign, cRLSign: true))
        }
    }

    static func leafExtensions() throws -> Certificate.Extensions {
        try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            KeyUsage(digitalSignature: true)
        }
    }

    static func issue(
        _ cn: String, key: Certificate.PrivateKey = .init(P384.Signing.PrivateKey()), by issuer: Issued?,
        extensions: Certificate.Extensions, issuerName: DistinguishedName? = nil,
        algorithm: Certificate.SignatureAlgorithm = .ecdsaWithSHA384,
        validity: ClosedRange<Date> = now.addingTimeInterval(-3600)...now.addingTimeInterval(3600)
    ) throws -> Issued {
        let name = try DistinguishedName { CommonName(cn) }
        let certificate = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: key.publicKey,
            notValidBefore: validity.lowerBound, notValidAfter: validity.upperBound,
            issuer: issuerName ?? issuer?.name ?? name, subject: name, signatureAlgorithm: algorithm,
            extensions: extensions, issuerPrivateKey: issuer?.key ?? key)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        return Issued(der: serializer.serializedBytes, name: name, key: key)
    }

    /// A signed document in AWS's shape, with PCR0-2 set to `pcr`.
    static func document(
        leaf: Issued, leafKey: P384.Signing.PrivateKey, bundle: [Issued], timestamp: Date = now,
        pcr: [UInt8] = pcr, signer: P384.Signing.PrivateKey? = nil
    ) throws -> [UInt8] {
        let payload = CBOREncoder.encode(
            .map([
                .init(key: .text("module_id"), value: .text("i-test-enc0")),
                .init(key: .text("digest"), value: .text("SHA384")),
                .init(key: .text("timestamp"), value: .unsigned(UInt64(timestamp.timeIntervalSince1970 * 1000))),
                .init(key: .text("pcrs"), value: .map((0...2).map { .init(key: .unsigned(UInt64($0)), value: .bytes(pcr)) })),
                .init(key: .text("certificate"), value: .bytes(leaf.der)),
                .init(key: .text("cabundle"), value: .array(bundle.map { .bytes($0.der) })),
                .init(key: .text("public_key"), value: .null),
                .init(key: .text("user_data"), value: .bytes(Array("binding".utf8))),
                .init(key: .text("nonce"), value: .bytes([1, 2, 3])),
            ]))
        let protected: [UInt8] = [0xA1, 0x01, 0x38, 0x22]
        let signed = CBOREncoder.encode(.array([.text("Signature1"), .bytes(protected), .bytes([]), .bytes(payload)]))
        let signature = try (signer ?? leafKey).signature(for: signed).rawRepresentation
        return CBOREncoder.encode(.array([.bytes(protected), .map([]), .bytes(payload), .bytes(Array(signature))]))
    }

    /// Root -> intermediate (pathLen 0) -> leaf, all well formed; `change` may alter any step.
    struct PKI {
        var root: Issued
        var bundle: [Issued]
        var leaf: Issued
        var leafKey: P384.Signing.PrivateKey
        var verifier: NitroVerifier { NitroVerifier(cache: NitroChainCache(), pinnedRoot: root.der) }
    }

    static func pki(
        intermediateExtensions: Certificate.Extensions? = nil, extraCA: Bool = false,
        leafExtensions: Certificate.Extensions? = nil, leafIssuerName: DistinguishedName? = nil,
        leafValidity: ClosedRange<Date>? = nil
    ) throws -> PKI {
        let root = try issue("Test Root", by: nil, extensions: caExtensions())
        var bundle = [root]
        if extraCA { bundle.append(try issue("Test Regional", by: root, extensions: caExtensions(pathLength: 0))) }
        bundle.append(try issue("Test Instance", by: bundle[bundle.count - 1], extensions: intermediateExtensions ?? caExtensions(pathLength: 0)))
        let leafKey = P384.Signing.PrivateKey()
        let leaf = try issue(
            "i-test-enc0", key: .init(leafKey), by: bundle[bundle.count - 1], extensions: leafExtensions ?? Self.leafExtensions(),
            issuerName: leafIssuerName, validity: leafValidity ?? now.addingTimeInterval(-60)...now.addingTimeInterval(3 * 3600))
        return PKI(root: root, bundle: bundle, leaf: leaf, leafKey: leafKey)
    }

    /// The refusal as "code: reason", or nil if accepted.
    private func verify(_ p: PKI, timestamp: Date = now, pcr: [UInt8] = pcr, signer: P384.Signing.PrivateKey? = nil) throws -> String? {
        let doc = try Self.document(leaf: p.leaf, leafKey: p.leafKey, bundle: p.bundle, timestamp: timestamp, pcr: pcr, signer: signer)
        do {
            _ = try p.verifier.verifyDocument(doc, at: Self.now)
            return nil
        } catch {
            return error.description
        }
    }

    /// Checks the refusal's code and that its reason names the rule that fired.
    private func expectRefusal(_ result: String?, _ code: AttestationError.Code, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            result?.hasPrefix(code.rawValue + ":") == true && result?.contains(words) == true,
            "expected \(code) mentioning \"\(words)\", got \(result ?? "acceptance")", sourceLocation: sourceLocation)
    }

    @Test func wellFormedTestChainIsAccepted() throws {
        let p = try Self.pki()
        let doc = try Self.document(leaf: p.leaf, leafKey: p.leafKey, bundle: p.bundle)
        let claims = try p.verifier.verifyDocument(doc, at: Self.now)
        #expect(claims.measurement == Self.pcr)
        #expect(claims.reportData == Array("binding".utf8))
        #expect(claims.publicKey == nil)
        #expect(!claims.debug)
        // The production verifier pins AWS's root and refuses the same document.
        #expect(refusal { try NitroVerifier().verifyDocument(doc, at: Self.now) } == .chainInvalid)
    }

    @Test func aCachedBundleDoesNotBypassAnotherVerifiersRoot() throws {
        let p = try Self.pki()
        let doc = try Self.document(leaf: p.leaf, leafKey: p.leafKey, bundle: p.bundle)
        let shared = NitroChainCache()
        _ = try NitroVerifier(cache: shared, pinnedRoot: p.root.der).verifyDocument(doc, at: Self.now)
        #expect(shared.count == 1)
        #expect(refusal { try NitroVerifier(cache: shared).verifyDocument(doc, at: Self.now) } == .chainInvalid)
    }

    @Test func intermediateThatIsNotACAIsRefused() throws {
        let notCA = try Certificate.Extensions { Critical(BasicConstraints.notCertificateAuthority) }
        expectRefusal(try verify(Self.pki(intermediateExtensions: notCA)), .chainInvalid, "not a CA")
        let noBasicConstraints = try Certificate.Extensions { Critical(KeyUsage(keyCertSign: true)) }
        expectRefusal(try verify(Self.pki(intermediateExtensions: noBasicConstraints)), .chainInvalid, "not a CA")
    }

    @Test func intermediateWithoutKeyCertSignIsRefused() throws {
        expectRefusal(
            try verify(Self.pki(intermediateExtensions: Self.caExtensions(pathLength: 0, keyCertSign: false))), .chainInvalid, "keyCertSign")
    }

    @Test func pathLengthConstraintIsEnforced() throws {
        // Regional CA allows no CA below it, but the instance CA is one.
        expectRefusal(try verify(Self.pki(extraCA: true)), .chainInvalid, "path length")
        // With room for one more CA the same shape is accepted.
        var p = try Self.pki(extraCA: true)
        p.bundle[1] = try Self.issue("Test Regional", key: p.bundle[1].key, by: p.root, extensions: Self.caExtensions(pathLength: 1))
        #expect(try verify(p) == nil)
    }

    @Test func unknownCriticalExtensionIsRefused() throws {
        let ext = try Certificate.Extensions {
            Critical(BasicConstraints.notCertificateAuthority)
            Certificate.Extension(oid: [1, 3, 6, 1, 4, 1, 99999, 1], critical: true, value: [0x05, 0x00])
        }
        expectRefusal(try verify(Self.pki(leafExtensions: ext)), .chainInvalid, "critical extension 1.3.6.1.4.1.99999.1")
    }

    @Test func leafRulesAreEnforced() throws {
        let ca = try Certificate.Extensions { Critical(BasicConstraints.isCertificateAuthority(maxPathLength: nil)) }
        expectRefusal(try verify(Self.pki(leafExtensions: ca)), .chainInvalid, "is a CA certificate")
        let noSigning = try Certificate.Extensions { Critical(KeyUsage(keyEncipherment: true)) }
        expectRefusal(try verify(Self.pki(leafExtensions: noSigning)), .chainInvalid, "digitalSignature")
        expectRefusal(
            try verify(Self.pki(leafIssuerName: DistinguishedName { CommonName("Someone Else") })), .chainInvalid, "names issuer CN=Someone Else")
    }

    @Test func nonP384SignaturesAreRefused() throws {
        var p = try Self.pki()
        let p256 = try Self.issue("i-test-enc0", key: .init(P256.Signing.PrivateKey()), by: p.bundle[1], extensions: Self.leafExtensions())
        p.leaf = p256
        // The document signature is irrelevant: the leaf key is already refused.
        expectRefusal(try verify(p), .algorithmNotAllowed, "P-384 key")
        var q = try Self.pki()
        q.leaf = try Self.issue("i-test-enc0", key: .init(q.leafKey), by: q.bundle[1], extensions: Self.leafExtensions(), algorithm: .ecdsaWithSHA256)
        expectRefusal(try verify(q), .algorithmNotAllowed, "ECDSA P-384 / SHA-384")
    }

    @Test func timesAreChecked() throws {
        let p = try Self.pki()
        expectRefusal(try verify(p, timestamp: Self.now.addingTimeInterval(-3600)), .timestampOutOfRange, "timestamp")
        let expired = try Self.pki(leafValidity: Self.now.addingTimeInterval(-7200)...Self.now.addingTimeInterval(-1))
        expectRefusal(try verify(expired, timestamp: Self.now.addingTimeInterval(-10)), .certificateExpired, "the document certificate")
    }

    @Test func documentSignedByAnotherKeyIsRefused() throws {
        expectRefusal(try verify(Self.pki(), signer: P384.Signing.PrivateKey()), .signatureInvalid, "COSE_Sign1")
    }

    @Test func debugDocumentVerifiesButPolicyRefusesIt() throws {
        let p = try Self.pki()
        let zero = [UInt8](repeating: 0, count: 48)
        let doc = try Self.document(leaf: p.leaf, leafKey: p.leafKey, bundle: p.bundle, pcr: zero)
        let claims = try p.verifier.verifyDocument(doc, at: Self.now)
        #expect(claims.debug)
        #expect(refusal { try NitroPolicy(pcr0: zero).check(claims) } == .debugNotAllowed)
        #expect(refusal { try NitroPolicy(pcr0: zero, allowDebug: true).check(claims) } == nil)
    }
}
