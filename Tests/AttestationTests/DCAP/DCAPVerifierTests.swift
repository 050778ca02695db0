import Codecs
import Crypto
import Foundation
import SwiftASN1
import Testing
import X509
@testable import Attestation

@Suite("DCAP verifier against the real vectors")
struct DCAPVerifierTests {
    @Test("each vector verifies at valid_at with EXPECTED.json's TCB status and advisories", arguments: DCAPSample.ids)
    func verifiesVectors(id: String) throws {
        let sample = try DCAPSample.load(id)
        let claims = try sample.verifier().verify(sample.evidence, at: sample.validAt)
        #expect(claims.tee == sample.tee)
        #expect(Hex.encode(claims.measurement) == sample.entry["measurement"] as? String)
        #expect(Hex.encode(claims.reportData) == sample.entry["report_data"] as? String)
        #expect(claims.debug == sample.entry["debug"] as? Bool)
        #expect(claims.tcbStatus == sample.computed["status"] as? String)
        let advisories = (claims as? SGXClaims)?.advisoryIds ?? (claims as? TDXClaims)?.advisoryIds
        #expect(advisories == sample.computed["advisory_ids"] as? [String])
        let fmspc = (claims as? SGXClaims)?.fmspc ?? (claims as? TDXClaims)?.fmspc ?? []
        #expect(Hex.encode(fmspc) == sample.details["fmspc"] as? String)
    }

    @Test("claims encode the shared fields as lower-case hex")
    func claimsJSON() throws {
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        let claims = try sample.verifier().verify(sample.evidence, at: sample.validAt)
        let json = try JSONSerialization.jsonObject(with: JSONEncoder().encode(claims)) as? [String: Any] ?? [:]
        #expect(json["tee"] as? String == "tdx")
        #expect(json["measurement"] as? String == sample.entry["measurement"] as? String)
        #expect(json["reportData"] as? String == sample.entry["report_data"] as? String)
        #expect(json["debug"] as? Bool == false)
        #expect(json["tcbStatus"] as? String == "UpToDate")
        #expect(json["rtmr0"] as? String == sample.details["rtmr0"] as? String)
    }

    @Test("the pinned root is the Intel SGX Root CA in vectors/roots")
    func pinnedRoot() throws {
        let pem = String(decoding: try Vectors.bytes("roots/intel_sgx_root_ca.pem"), as: UTF8.self)
        let fromVectors = try Certificate(pemEncoded: pem)
        let pinned = try IntelRootCA.require()
        var serializer = DER.Serializer()
        try serializer.serialize(pinned)
        #expect(
            Hex.encode(Array(SHA256.hash(data: serializer.serializedBytes))) == "44a0196b2b99f889b8e149e95b807a350e7424964399e885a7cbb8ccfab674d3")
        #expect(pinned == fromVectors)
    }

    // MARK: - refusals

    @Test("a flipped bit in the body, quote signature or QE report is signature-invalid", arguments: DCAPSample.ids)
    func flippedBits(id: String) throws {
        let sample = try DCAPSample.load(id)
        let verifier = try sample.verifier()
        let quote = try DCAPQuote.parse(sample.quote)
        let sigData = quote.signedBytes.count + 4
        let qeReport = sigData + (quote.header.version == 3 ? 128 : 134)
        for (what, index) in [
            ("body", QuoteHeader.size + 70), ("header user data", 40), ("quote signature", sigData + 5),
            ("attestation key", sigData + 64 + 7), ("QE report", qeReport + 70),
            ("QE report signature", qeReport + 384 + 3),
        ] {
            var evidence = sample.evidence
            evidence.bytes = flipBit(sample.quote, at: index)
            let code = dcapErrorCode { _ = try verifier.verify(evidence, at: sample.validAt) }
            #expect(code == .signatureInvalid, "\(what)")
        }
    }

    @Test("a flipped bit in the PCK certificate is refused", arguments: DCAPSample.ids)
    func flippedPCK(id: String) throws {
        let sample = try DCAPSample.load(id)
        var evidence = sample.evidence
        evidence.bytes = try flipInFirstPEMCertificate(sample.quote, derOffset: 18)
        let code = dcapErrorCode { _ = try sample.verifier().verify(evidence, at: sample.validAt) }
        #expect(code == .signatureInvalid)
    }

    @Test("a changed digit in the signed TCB info JSON is signature-invalid")
    func alteredTCBInfo() throws {
        let sample = try DCAPSample.load("tdx-trustee-q4-debug-50806f")
        let path = "tdx/trustee-q4-lunal-collateral/tcb_info_50806f000000.json"
        let original = try Vectors.bytes(path)
        let marker = Array("\"tcbEvaluationDataNumber\":18".utf8)
        let index = try #require(firstIndex(of: marker, in: original)) + marker.count - 1
        var altered = original
        altered[index] = UInt8(ascii: "9")
        var evidence = sample.evidence
        evidence.collateral = sample.collateral.map { $0 == original ? altered : $0 }
        #expect(evidence.collateral != sample.collateral)
        #expect(dcapErrorCode { _ = try sample.verifier().verify(evidence, at: sample.validAt) } == .signatureInvalid)
    }

    @Test("past a CRL's nextUpdate is crl-stale")
    func staleCRL() throws {
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        // PCK CRL nextUpdate 2025-07-19T10:00:35Z; TCB info and QE identity still current until 10:16.
        let code = dcapErrorCode { _ = try sample.verifier().verify(sample.evidence, at: Vectors.time("2025-07-19T10:05:00Z")) }
        #expect(code == .crlStale)
    }

    @Test("past the QE identity's nextUpdate, or before TCB info's issueDate, is collateral-expired")
    func expiredCollateral() throws {
        let trustee = try DCAPSample.load("tdx-trustee-q4-debug-50806f")
        // QE identity nextUpdate 2026-04-15T22:16:03Z; TCB info until 22:21:30, PCK CRL until 22:34:05.
        #expect(dcapErrorCode { _ = try trustee.verifier().verify(trustee.evidence, at: Vectors.time("2026-04-15T22:18:00Z")) } == .collateralExpired)
        let oasis = try DCAPSample.load("sgx-oasis-00606a000000")
        // oasis-core: 1671194735 (2022-12-16T12:45:35Z) is before the collateral's issue dates.
        #expect(dcapErrorCode { _ = try oasis.verifier().verify(oasis.evidence, at: Date(timeIntervalSince1970: 1671194735)) } == .collateralExpired)
    }

    @Test("outside the PCK certificate's validity is certificate-expired")
    func expiredPCK() throws {
        let oasis = try DCAPSample.load("sgx-oasis-00606a000000")
        // oasis-core's own test times: PCK expired (1891163522) and not yet valid (1670238720).
        for t in [1891163522.0, 1670238720.0] {
            #expect(dcapErrorCode { _ = try oasis.verifier().verify(oasis.evidence, at: Date(timeIntervalSince1970: t)) } == .certificateExpired)
        }
    }

    @Test("missing CRLs are collateral-missing unless allowMissingCRL")
    func missingCRL() throws {
        let oasis = try DCAPSample.load("sgx-oasis-00606a000000")
        #expect(dcapErrorCode { _ = try oasis.verifier(allowMissingCRL: false).verify(oasis.evidence, at: oasis.validAt) } == .collateralMissing)
        let phala = try DCAPSample.load("sgx-phala-00a067110000")
        #expect(throws: Never.self) { _ = try phala.verifier(allowMissingCRL: false).verify(phala.evidence, at: phala.validAt) }
    }

    @Test("no collateral at all is collateral-missing; junk collateral is collateral-invalid")
    func collateralPresence() throws {
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        var bare = sample.evidence
        bare.collateral = []
        #expect(dcapErrorCode { _ = try sample.verifier().verify(bare, at: sample.validAt) } == .collateralMissing)
        var junk = sample.evidence
        junk.collateral.append(Array("not collateral".utf8))
        #expect(dcapErrorCode { _ = try sample.verifier().verify(junk, at: sample.validAt) } == .collateralInvalid)
    }

    @Test("TCB info for another FMSPC only is collateral-missing")
    func wrongFMSPC() throws {
        let trustee = try DCAPSample.load("tdx-trustee-q4-debug-50806f")
        let ownTCBInfo = try Vectors.bytes("tdx/trustee-q4-lunal-collateral/tcb_info_50806f000000.json")
        var evidence = trustee.evidence
        // Keep its CRLs, chains and QE identity; swap its TCB info for the B0C06F platform's bundle.
        evidence.collateral =
            trustee.collateral.filter { $0 != ownTCBInfo }
            + [try Vectors.bytes("tdx/phala-dcap-qvl/tdx_quote_collateral.json")]
        #expect(dcapErrorCode { _ = try trustee.verifier().verify(evidence, at: trustee.validAt) } == .collateralMissing)
    }

    @Test("an SGX quote is refused by a TDX verifier and vice versa")
    func wrongTEE() throws {
        let sgx = try DCAPSample.load("sgx-phala-00a067110000")
        let tdxVerifier = try DCAPVerifier(tee: .tdx)
        var evidence = sgx.evidence
        evidence.tee = .tdx
        #expect(dcapErrorCode { _ = try tdxVerifier.verify(evidence, at: sgx.validAt) } == .malformed)
        #expect(dcapErrorCode { _ = try tdxVerifier.verify(sgx.evidence, at: sgx.validAt) } == .teeNotAllowed)
        #expect(dcapErrorCode { _ = try DCAPVerifier(tee: .nitro) } == .teeNotAllowed)
    }

    @Test("the PCK CRLs parse with the revoked-entry counts EXPECTED.json gives, and do not list the vectors' PCKs")
    func crlParsing() throws {
        let phala = try Vectors.bytes("tdx/phala-dcap-qvl/tdx_quote_collateral.json")
        let collateral = try DCAPCollateral.recognise([phala])
        let pck = try #require(collateral.crls.first { DCAPCertificates.commonName($0.issuer) == "Intel SGX PCK Platform CA" })
        #expect(pck.revokedSerials.count == 44)
        let trustee = try CertificateRevocationList.parse(der: Vectors.bytes("tdx/trustee-q4-lunal-collateral/pck_crl_platform.der"))
        #expect(trustee.revokedSerials.count == 57)
        #expect(Hex.encode([UInt8](trustee.der)) == Hex.encode(try Vectors.bytes("tdx/trustee-q4-lunal-collateral/pck_crl_platform.der")))
    }

    // MARK: - cache

    @Test("a repeated verification hits the cache and gives the same claims")
    func cache() throws {
        let sample = try DCAPSample.load("sgx-phala-00a067110000")
        let cache = DCAPCache()
        let verifier = try sample.verifier(cache: cache)
        let first = try verifier.verifySGX(sample.evidence, at: sample.validAt)
        let remembered = cache.verifiedSignatureCount
        #expect(remembered >= 5)  // PCK, PCK CA, TCB signing links, CRLs, TCB info, QE identity, QE report
        let second = try verifier.verifySGX(sample.evidence, at: sample.validAt)
        #expect(first == second)
        #expect(cache.verifiedSignatureCount == remembered)
        // The memo never lets an altered quote through.
        var altered = sample.evidence
        altered.bytes = flipBit(sample.quote, at: QuoteHeader.size + 70)
        #expect(dcapErrorCode { _ = try verifier.verify(altered, at: sample.validAt) } == .signatureInvalid)
        // ... nor a time outside the collateral's validity.
        #expect(dcapErrorCode { _ = try verifier.verify(sample.evidence, at: Vectors.time("2025-08-01T00:00:00Z")) } != nil)
    }

    @Test("collateral can come from an operator's directory")
    func collateralDirectory() throws {
        let sample = try DCAPSample.load("tdx-trustee-q4-debug-50806f")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dcap-collateral-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (i, piece) in sample.collateral.enumerated() {
            try Data(piece).write(to: dir.appendingPathComponent("piece\(i)"))
        }
        let verifier = try DCAPVerifier(tee: .tdx, collateralDirectory: dir)
        let claims = try verifier.verifyTDX(Evidence(tee: .tdx, bytes: sample.quote), at: sample.validAt)
        #expect(claims.tcbStatus == sample.computed["status"] as? String)
    }
}

/// Flips one bit of the DER of the first PEM certificate inside `bytes`, keeping the PEM layout
/// (same base64 length, same line breaks), so only the certificate's content changes.
private func flipInFirstPEMCertificate(_ bytes: [UInt8], derOffset: Int) throws -> [UInt8] {
    let begin = Array("-----BEGIN CERTIFICATE-----".utf8), end = Array("-----END CERTIFICATE-----".utf8)
    let start = try #require(firstIndex(of: begin, in: bytes)) + begin.count
    let stop = try #require(firstIndex(of: end, in: Array(bytes[start...]))) + start
    let region = Array(bytes[start..<stop])
    let b64 = region.filter { $0 != 0x0A && $0 != 0x0D }
    var der = try #require(Data(base64Encoded: Data(b64)))
    der[derOffset] ^= 0x01
    let newB64 = Array(der.base64EncodedString().utf8)
    #expect(newB64.count == b64.count)
    var out = bytes, k = 0
    for i in start..<stop where bytes[i] != 0x0A && bytes[i] != 0x0D {
        out[i] = newB64[k]; k += 1
    }
    return out
}
