import Codecs
import Crypto
import Foundation
import Testing
@testable import Attestation

/// `NitroVerifier` against the real Nitro documents in ../shared/vectors, always at the
/// EXPECTED.json `valid_at` (or a time derived from its `valid_window`).
@Suite struct NitroVerifierTests {
    let verifier = NitroVerifier()

    @Test func vectorsArePresent() {
        #expect(NitroVector.loaded.count >= 2, "EXPECTED.json lists two Nitro samples")
    }

    @Test(arguments: NitroVector.loaded)
    func acceptsEachVectorAtItsValidTime(_ v: NitroVector) throws {
        let claims = try verifier.verifyDocument(v.bytes, at: v.validAt)
        #expect(Hex.encode(claims.measurement) == v.measurement)
        #expect(Hex.encode(try #require(claims.pcr0)) == v.measurement)
        #expect(claims.pcrs.count == v.pcrs.count)
        for (index, value) in v.pcrs {
            #expect(claims.pcrs[index].map { Hex.encode($0) } == value, "PCR\(index)")
        }
        #expect(claims.debug == v.debug)
        #expect(claims.moduleID == v.moduleID)
        #expect(claims.timestampMilliseconds == v.timestampMs)
        #expect(claims.digest == "SHA384")
        #expect(claims.userData.map { Hex.encode($0) } == v.userData)
        #expect(claims.nonce.map { Hex.encode($0) } == v.nonce)
        #expect(claims.publicKey.map { Hex.encode($0) } == v.publicKey)
        #expect(Hex.encode(claims.reportData) == (v.userData ?? ""))

        // Through the protocol, as the CLI and broker call it.
        let generic = try verifier.verify(Evidence(tee: .nitro, bytes: v.bytes), at: v.validAt)
        #expect(generic.tee == .nitro)
        #expect(Hex.encode(generic.measurement) == v.measurement)
        #expect(generic.nonce.map { Hex.encode($0) } == v.nonce)
    }

    @Test(arguments: NitroVector.loaded)
    func validityWindowEdges(_ v: NitroVector) {
        // Inclusive at both ends of the leaf's window (RFC 5280 §4.1.2.5), which also holds the timestamp.
        #expect(refusal { try verifier.verifyDocument(v.bytes, at: v.notAfter) } == nil)
        #expect(
            refusal { try verifier.verifyDocument(v.bytes, at: v.notAfter.addingTimeInterval(60)) } == .certificateExpired,
            "a minute after the leaf certificate expires")
        #expect(
            refusal { try verifier.verifyDocument(v.bytes, at: v.notBefore.addingTimeInterval(-60)) } == .certificateExpired,
            "a minute before the leaf certificate is valid")
        #expect(
            refusal { try verifier.verifyDocument(v.bytes, at: Vectors.time("2026-11-01T00:00:00Z")) } == .certificateExpired,
            "today's wall clock")
    }

    @Test(arguments: NitroVector.loaded)
    func taggedCOSESign1IsAccepted(_ v: NitroVector) throws {
        // RFC 9052 §2: the same message with the COSE_Sign1 tag (18) prefixed.
        let claims = try verifier.verifyDocument([0xD2] + v.bytes, at: v.validAt)
        #expect(Hex.encode(claims.measurement) == v.measurement)
        #expect(refusal { try verifier.verifyDocument([0xD1] + v.bytes, at: v.validAt) } == .malformed, "tag 17 is COSE_Mac0")
    }

    @Test func emptyAndTruncatedInputsAreRefused() throws {
        #expect(refusal { try verifier.verifyDocument([], at: Date()) } == .malformed)
        let v = try #require(NitroVector.loaded.first)
        for n in 1..<v.bytes.count {
            #expect(refusal { try verifier.verifyDocument(Array(v.bytes.prefix(n)), at: v.validAt) } == .malformed, "prefix of \(n) bytes")
        }
        #expect(refusal { try verifier.verifyDocument(v.bytes + [0x00], at: v.validAt) } == .malformed, "one trailing byte")
    }

    @Test(arguments: NitroVector.loaded)
    func everyBitOfTheProtectedHeaderAndSignatureIsCovered(_ v: NitroVector) throws {
        let cose = try v.cose
        let protectedStart = try #require(firstIndex(of: cose.protectedBytes, in: v.bytes))
        let signatureStart = v.bytes.count - 96
        #expect(Array(v.bytes[signatureStart...]) == cose.signature)
        for byte in Array(protectedStart..<(protectedStart + cose.protectedBytes.count)) + Array(signatureStart..<v.bytes.count) {
            for bit in 0..<8 {
                var mutated = v.bytes
                mutated[byte] ^= 1 << bit
                let code = refusal { try verifier.verifyDocument(mutated, at: v.validAt) }
                #expect(
                    code == .signatureInvalid || code == .malformed || code == .algorithmNotAllowed,
                    "byte \(byte) bit \(bit): \(String(describing: code))")
            }
        }
    }

    @Test(arguments: NitroVector.loaded)
    func flippedBitsInThePayloadAreRefused(_ v: NitroVector) throws {
        let cose = try v.cose
        let payloadStart = try #require(firstIndex(of: cose.payload, in: v.bytes))
        // Every byte of the payload, one seeded random bit each.
        var rng = SeededGenerator(state: 0x4E17_0001)
        for byte in payloadStart..<(payloadStart + cose.payload.count) {
            var mutated = v.bytes
            mutated[byte] ^= 1 << UInt8.random(in: 0..<8, using: &rng)
            #expect(refusal { try verifier.verifyDocument(mutated, at: v.validAt) } != nil, "byte \(byte)")
        }
    }

    @Test(arguments: NitroVector.loaded)
    func flippedBitInEachCertificateIsRefused(_ v: NitroVector) throws {
        let document = try v.document
        let certificates = document.cabundle + [document.certificate]
        for (i, der) in certificates.enumerated() {
            let start = try #require(firstIndex(of: der, in: v.bytes))
            // Inside the signed TBSCertificate (validity, names, key) and inside the signature value.
            for offset in [der.count / 3, der.count / 2, der.count - 20] {
                var mutated = v.bytes
                mutated[start + offset] ^= 0x01
                let code = refusal { try verifier.verifyDocument(mutated, at: v.validAt) }
                let expected: Set<AttestationError.Code> =
                    i == 0
                    ? [.chainInvalid]  // no longer the pinned root
                    : [.signatureInvalid, .chainInvalid, .certificateExpired, .algorithmNotAllowed]
                #expect(code.map { expected.contains($0) } == true, "certificate \(i) offset \(offset): \(String(describing: code))")
            }
        }
    }

    @Test(arguments: NitroVector.loaded)
    func bundleRootedElsewhereIsRefused(_ v: NitroVector) throws {
        let otherRoot = try derFromPEM(Vectors.bytes("roots/intel_sgx_root_ca.pem"))
        let payload = try v.cose.payload
        #expect(
            refusal {
                try verifier.verifyDocument(
                    try v.withPayload(replacingBundle(in: payload) { [CBOR.bytes(otherRoot)] + $0.dropFirst() }), at: v.validAt)
            } == .chainInvalid)
        #expect(
            refusal { try verifier.verifyDocument(try v.withPayload(replacingBundle(in: payload) { Array($0.dropFirst()) }), at: v.validAt) }
                == .chainInvalid,
            "a bundle that starts at the regional CA")
        #expect(
            refusal {
                try verifier.verifyDocument(
                    try v.withPayload(replacingBundle(in: payload) { Array($0.prefix(2)) + Array($0.suffix(1)) }), at: v.validAt)
            } == .chainInvalid,
            "a bundle with the zonal CA left out")
        // The untouched payload re-wrapped by our encoder is byte-identical and still verifies.
        #expect(try v.withPayload(payload) == v.bytes)
    }

    @Test(arguments: NitroVector.loaded)
    func nonCanonicalCBORIsRefusedBeforeTheSignature(_ v: NitroVector) throws {
        let payload = try v.cose.payload
        // PCR index 0 written as 0x18 0x00 instead of 0x00.
        let pcrs = try #require(firstIndex(of: Array("pcrs".utf8), in: payload)) + 4
        #expect(payload[pcrs] == 0xB0 && payload[pcrs + 1] == 0x00, "pcrs is a 16-entry map starting with key 0")
        var longer = payload
        longer.replaceSubrange((pcrs + 1)...(pcrs + 1), with: [0x18, 0x00])
        try expectMalformed(v, longer, mentioning: "shortest")

        // The document map as an indefinite-length map.
        #expect(payload[0] & 0xE0 == 0xA0 && payload[0] & 0x1F < 24)
        var indefinite = payload
        indefinite[0] = 0xBF
        indefinite.append(0xFF)
        try expectMalformed(v, indefinite, mentioning: "indefinite")

        // A second "digest" entry.
        var duplicate = payload
        duplicate[0] += 1
        duplicate += CBOREncoder.encode(.text("digest")) + CBOREncoder.encode(.text("SHA384"))
        try expectMalformed(v, duplicate, mentioning: "duplicate")

        // The envelope's array head in two bytes.
        var envelope = v.bytes
        envelope.replaceSubrange(0...0, with: [0x98, 0x04])
        #expect(refusal { try verifier.verifyDocument(envelope, at: v.validAt) } == .malformed)
    }

    @Test(arguments: NitroVector.loaded)
    func schemaViolationsAreRefused(_ v: NitroVector) throws {
        guard case .map(let pairs) = try CBORDecoder.decode(try v.cose.payload) else { Issue.record("not a map"); return }
        func edited(_ change: (inout [CBOR.Pair]) -> Void) throws -> [UInt8] {
            var p = pairs
            change(&p)
            return try v.withPayload(CBOREncoder.encode(.map(p)))
        }
        let cases: [(String, [UInt8])] = [
            ("unknown key", try edited { $0.append(.init(key: .text("extra"), value: .null)) }),
            ("missing module_id", try edited { $0.removeAll { $0.key == .text("module_id") } }),
            ("missing cabundle", try edited { $0.removeAll { $0.key == .text("cabundle") } }),
            ("digest SHA256", try edited { p in p = p.map { $0.key == .text("digest") ? .init(key: $0.key, value: .text("SHA256")) : $0 } }),
            ("timestamp as text", try edited { p in p = p.map { $0.key == .text("timestamp") ? .init(key: $0.key, value: .text("now")) : $0 } }),
            (
                "nonce of 1025 bytes",
                try edited { p in
                    p = p.filter { $0.key != .text("nonce") } + [.init(key: .text("nonce"), value: .bytes(.init(repeating: 1, count: 1025)))]
                }
            ),
            (
                "empty public_key",
                try edited { p in p = p.filter { $0.key != .text("public_key") } + [.init(key: .text("public_key"), value: .bytes([]))] }
            ),
            (
                "PCR of 47 bytes",
                try edited { p in
                    p = p.map {
                        $0.key == .text("pcrs")
                            ? .init(key: $0.key, value: .map([.init(key: .unsigned(0), value: .bytes(.init(repeating: 1, count: 47)))])) : $0
                    }
                }
            ),
            (
                "PCR index 32",
                try edited { p in
                    p = p.map {
                        $0.key == .text("pcrs")
                            ? .init(key: $0.key, value: .map([.init(key: .unsigned(32), value: .bytes(.init(repeating: 1, count: 48)))])) : $0
                    }
                }
            ),
            (
                "no PCR1",
                try edited { p in
                    p = p.map {
                        $0.key == .text("pcrs")
                            ? .init(key: $0.key, value: .map([.init(key: .unsigned(0), value: .bytes(.init(repeating: 1, count: 48)))])) : $0
                    }
                }
            ),
            ("empty cabundle", try edited { p in p = p.map { $0.key == .text("cabundle") ? .init(key: $0.key, value: .array([])) : $0 } }),
        ]
        for (name, bytes) in cases {
            #expect(refusal { try verifier.verifyDocument(bytes, at: v.validAt) } == .malformed, "\(name)")
        }
    }

    @Test(arguments: NitroVector.loaded)
    func wrongAlgorithmOrSignatureLengthIsRefused(_ v: NitroVector) throws {
        let c = try v.cose
        func rebuilt(protected: CBOR, signature: [UInt8]) -> [UInt8] {
            CBOREncoder.encode(.array([.bytes(CBOREncoder.encode(protected)), .map([]), .bytes(c.payload), .bytes(signature)]))
        }
        let es256 = CBOR.map([.init(key: .unsigned(1), value: .negative(6))])
        #expect(refusal { try verifier.verifyDocument(rebuilt(protected: es256, signature: c.signature), at: v.validAt) } == .algorithmNotAllowed)
        #expect(refusal { try verifier.verifyDocument(rebuilt(protected: .map([]), signature: c.signature), at: v.validAt) } == .malformed)
        #expect(
            refusal { try verifier.verifyDocument(rebuilt(protected: es256, signature: Array(c.signature.prefix(64))), at: v.validAt) }
                == .algorithmNotAllowed)
        let es384 = CBOR.map([.init(key: .unsigned(1), value: .negative(34))])
        #expect(rebuilt(protected: es384, signature: c.signature) == v.bytes, "the protected header is exactly {1: -35}")
        #expect(
            refusal { try verifier.verifyDocument(rebuilt(protected: es384, signature: Array(c.signature.prefix(95))), at: v.validAt) } == .malformed)
        // alg moved to the unprotected header, where the signature would not cover it.
        let unprotectedAlg = CBOREncoder.encode(
            .array([.bytes([]), .map([.init(key: .unsigned(1), value: .negative(34))]), .bytes(c.payload), .bytes(c.signature)]))
        #expect(refusal { try verifier.verifyDocument(unprotectedAlg, at: v.validAt) } == .malformed)
    }

    @Test func otherTEEEvidenceIsRefused() throws {
        let v = try #require(NitroVector.loaded.first)
        #expect(refusal { try verifier.verify(Evidence(tee: .sevSNP, bytes: v.bytes), at: v.validAt) } == .teeNotAllowed)
    }

    @Test func claimsEncodeAsJSONWithHexFields() throws {
        let v = try #require(NitroVector.loaded.first)
        let claims = try verifier.verifyDocument(v.bytes, at: v.validAt)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(claims)) as? [String: Any] ?? [:]
        #expect(json["tee"] as? String == "nitro")
        #expect(json["measurement"] as? String == v.measurement)
        #expect(json["reportData"] as? String == (v.userData ?? ""))
        #expect(json["debug"] as? Bool == v.debug)
        #expect(json["moduleId"] as? String == v.moduleID)
        #expect((json["timestampMs"] as? NSNumber)?.uint64Value == v.timestampMs)
        #expect((json["pcrs"] as? [String: String])?["8"] == v.pcrs[8])
        #expect(json["nonce"] as? String == v.nonce)
    }

    // MARK: helpers

    private func expectMalformed(_ v: NitroVector, _ payload: [UInt8], mentioning word: String) throws {
        do {
            _ = try verifier.verifyDocument(try v.withPayload(payload), at: v.validAt)
            Issue.record("accepted a document with \(word) CBOR")
        } catch let error as AttestationError {
            #expect(error.code == .malformed)
            #expect(error.reason.contains(word), "\(error.reason)")
        }
    }

    private func replacingBundle(in payload: [UInt8], _ change: ([CBOR]) -> [CBOR]) throws -> [UInt8] {
        guard case .map(let pairs) = try CBORDecoder.decode(payload) else { return [] }
        return CBOREncoder.encode(
            .map(
                pairs.map { pair in
                    guard pair.key == .text("cabundle"), case .array(let items) = pair.value else { return pair }
                    return .init(key: pair.key, value: .array(change(items)))
                }))
    }
}
