import Codecs
import Foundation
import SwiftASN1
import Testing
@testable import Attestation

@Suite struct SNPVerifierTests {
    /// Verifies and returns the refusal code, or nil when accepted.
    func code(_ evidence: Evidence, at time: Date, verifier: SNPVerifier = SNPVerifier()) -> AttestationError.Code? {
        do {
            _ = try verifier.verifyReport(evidence, at: time)
            return nil
        } catch {
            return error.code
        }
    }

    @Test(arguments: try SNPSample.all())
    func acceptsEverySampleAtItsValidTime(_ sample: SNPSample) throws {
        let claims = try SNPVerifier().verifyReport(sample.evidence, at: sample.validAt)
        #expect(Hex.encode(claims.measurement) == sample.measurement)
        #expect(Hex.encode(claims.reportData) == sample.reportData)
        #expect(claims.debug == false)
        #expect(claims.product.rawValue == sample.product)
        #expect(claims.signingKey == .vcek)
        #expect(Hex.encode(claims.chipID) == sample.detail("chip_id"))
        // Through the protocol too, as the CLI calls it.
        let any = try SNPVerifier().verify(sample.evidence, at: sample.validAt)
        #expect(any.tee == .sevSNP && Hex.encode(any.measurement) == sample.measurement)
        #expect(throws: Never.self) { try EvidencePolicy().check(any) }
    }

    @Test(arguments: try SNPSample.all())
    func acceptsCollateralInAnyOrderAndForm(_ sample: SNPSample) throws {
        let vcekPEM = Array(PEMDocument(type: "CERTIFICATE", derBytes: sample.collateral[0]).pemString.utf8)
        let chainPEM = sample.collateral[1]
        let ders = try AMDCertificate.derCertificates(in: chainPEM)
        let variants: [[[UInt8]]] = [
            [chainPEM, sample.collateral[0]],
            [vcekPEM, chainPEM],
            [ders[1], vcekPEM, ders[0]],
            [sample.collateral[0], ders[0]],  // no ARK: the pinned one is used
        ]
        for collateral in variants {
            let evidence = Evidence(tee: .sevSNP, bytes: sample.report, collateral: collateral)
            #expect(code(evidence, at: sample.validAt) == nil)
        }
    }

    @Test(arguments: try SNPSample.all())
    func refusesTamperedReports(_ sample: SNPSample) throws {
        let at = sample.validAt
        func with(_ bytes: [UInt8]) -> Evidence { Evidence(tee: .sevSNP, bytes: bytes, collateral: sample.collateral) }
        #expect(code(with(sample.report.flipping(byte: 0x090)), at: at) == .signatureInvalid)  // measurement
        #expect(code(with(sample.report.flipping(byte: 0x050, bit: 7)), at: at) == .signatureInvalid)  // report data
        #expect(code(with(sample.report.flipping(byte: 0x02A)), at: at) == .signatureInvalid)  // trustee's byte 42 (IMAGE_ID)
        #expect(code(with(sample.report.flipping(byte: 0x180)), at: at) == .tcbMismatch)  // trustee's byte 384 (REPORTED_TCB)
        #expect(code(with(sample.report.flipping(byte: 0x187)), at: at) == .tcbMismatch)  // reported microcode
        #expect(code(with(sample.report.flipping(byte: 0x1A0)), at: at) == .tcbMismatch)  // CHIP_ID
        #expect(code(with(sample.report.flipping(byte: 0x2A0)), at: at) == .signatureInvalid)  // signature R
        #expect(code(with(sample.report.flipping(byte: 0x2E8 + 10)), at: at) == .signatureInvalid)  // signature S
        // The debug bit is signed: setting it breaks the signature. SNPPolicyTests covers debug claims.
        #expect(code(with(sample.report.flipping(byte: 0x00A, bit: 3)), at: at) == .signatureInvalid)
        #expect(code(with([]), at: at) == .malformed)
        #expect(code(with(Array(sample.report.dropLast(1))), at: at) == .malformed)
        #expect(code(with(Array(sample.report.prefix(0x2A0))), at: at) == .malformed)
        #expect(code(with(sample.report + [0]), at: at) == .malformed)
    }

    @Test(arguments: try SNPSample.all())
    func refusesATamperedVCEK(_ sample: SNPSample) throws {
        let vcek = sample.collateral[0]
        let hwID = try #require(AMDEndorsementExtensions(AMDCertificate(derEncoded: vcek).extensions).hwID)
        let hwIDAt = try #require((0...(vcek.count - 64)).first { Array(vcek[$0..<($0 + 64)]) == hwID })
        for tampered in [vcek.flipping(byte: vcek.count - 1), vcek.flipping(byte: hwIDAt), vcek.flipping(byte: vcek.count - 200)] {
            let evidence = Evidence(tee: .sevSNP, bytes: sample.report, collateral: [tampered, sample.collateral[1]])
            #expect(code(evidence, at: sample.validAt) == .signatureInvalid)
        }
        let truncated = Evidence(tee: .sevSNP, bytes: sample.report, collateral: [Array(vcek.dropLast(3)), sample.collateral[1]])
        #expect(code(truncated, at: sample.validAt) == .chainInvalid)
    }

    @Test(arguments: try SNPSample.all())
    func refusesTimesOutsideTheChainValidity(_ sample: SNPSample) throws {
        let verifier = SNPVerifier()
        #expect(code(sample.evidence, at: sample.notBefore, verifier: verifier) == nil)
        #expect(code(sample.evidence, at: sample.notAfter, verifier: verifier) == nil)
        // The chain is cached now; the validity window must still be enforced on a hit.
        #expect(verifier.cache.count == 1)
        #expect(code(sample.evidence, at: sample.notBefore.addingTimeInterval(-1), verifier: verifier) == .certificateExpired)
        #expect(code(sample.evidence, at: sample.notAfter.addingTimeInterval(1), verifier: verifier) == .certificateExpired)
        #expect(code(sample.evidence, at: Date(timeIntervalSince1970: 0), verifier: verifier) == .certificateExpired)
    }

    @Test func cachesOneChainPerCertificateSet() throws {
        let cache = SNPChainCache(capacity: 1)
        let verifier = SNPVerifier(cache: cache)
        let milan = try SNPSample.milan, genoa = try SNPSample.genoa
        #expect(code(milan.evidence, at: milan.validAt, verifier: verifier) == nil)
        #expect(code(milan.evidence, at: milan.validAt, verifier: verifier) == nil)
        #expect(cache.count == 1)
        #expect(code(genoa.evidence, at: genoa.validAt, verifier: verifier) == nil)
        #expect(cache.count == 1)  // capacity 1: Milan evicted
        // A cached chain does not vouch for another report's TCB: still checked on a hit.
        let bad = Evidence(tee: .sevSNP, bytes: genoa.report.flipping(byte: 0x180), collateral: genoa.collateral)
        #expect(code(bad, at: genoa.validAt, verifier: verifier) == .tcbMismatch)
        // A failed chain is never cached.
        cache.removeAll()
        let broken = Evidence(tee: .sevSNP, bytes: genoa.report, collateral: [genoa.collateral[0].flipping(byte: 1000), genoa.collateral[1]])
        #expect(code(broken, at: genoa.validAt, verifier: verifier) != nil)
        #expect(cache.count == 0)
    }

    @Test func refusesTheWrongProductsChain() throws {
        let milan = try SNPSample.milan, genoa = try SNPSample.genoa
        // Milan report and VCEK with the Genoa ASK/ARK: nothing issued the Milan VCEK.
        let milanWithGenoaChain = Evidence(tee: .sevSNP, bytes: milan.report, collateral: [milan.collateral[0], genoa.collateral[1]])
        #expect(code(milanWithGenoaChain, at: milan.validAt) == .chainInvalid)
        // Milan report with the whole Genoa chain: the Genoa VCEK vouches for another TCB and chip.
        let milanWithGenoaVCEK = Evidence(tee: .sevSNP, bytes: milan.report, collateral: genoa.collateral)
        #expect(code(milanWithGenoaVCEK, at: genoa.validAt) == .tcbMismatch)
        // Genoa report (CPUID says Genoa) with the Milan chain.
        let genoaWithMilanChain = Evidence(tee: .sevSNP, bytes: genoa.report, collateral: milan.collateral)
        #expect(code(genoaWithMilanChain, at: genoa.validAt) == .productMismatch)
    }

    @Test func refusesAnUnpinnedRoot() throws {
        let sample = try SNPSample.milan
        var ders = try AMDCertificate.derCertificates(in: sample.collateral[1])
        // A root that is not byte-identical to the pinned ARK-Milan (one signature bit changed).
        ders[1] = ders[1].flipping(byte: ders[1].count - 1)
        let evidence = Evidence(tee: .sevSNP, bytes: sample.report, collateral: [sample.collateral[0], ders[0], ders[1]])
        let error = #expect(throws: AttestationError.self) { try SNPVerifier().verifyReport(evidence, at: sample.validAt) }
        #expect(error?.code == .chainInvalid)
        #expect(error?.reason.contains("not a pinned AMD ARK") == true)
        // The Genoa ARK is pinned, but does not issue the Milan ASK.
        let genoaARK = try #require(AMDRoots.pinned[.genoa]).der
        let wrongRoot = Evidence(tee: .sevSNP, bytes: sample.report, collateral: [sample.collateral[0], ders[0], genoaARK])
        #expect(code(wrongRoot, at: sample.validAt) == nil)  // the pinned ARK-Milan still anchors it
    }

    @Test func refusesMissingCollateralAndOtherTEEs() throws {
        let sample = try SNPSample.genoa
        #expect(code(Evidence(tee: .sevSNP, bytes: sample.report), at: sample.validAt) == .collateralMissing)
        #expect(code(Evidence(tee: .sevSNP, bytes: sample.report, collateral: [sample.collateral[0]]), at: sample.validAt) == .collateralMissing)
        #expect(code(Evidence(tee: .sevSNP, bytes: sample.report, collateral: [sample.collateral[1]]), at: sample.validAt) == .collateralMissing)
        let twoVCEKs = Evidence(
            tee: .sevSNP, bytes: sample.report, collateral: [sample.collateral[0], try SNPSample.milan.collateral[0], sample.collateral[1]])
        #expect(code(twoVCEKs, at: sample.validAt) == .chainInvalid)
        #expect(code(Evidence(tee: .tdx, bytes: sample.report, collateral: sample.collateral), at: sample.validAt) == .teeNotAllowed)
    }

    /// A report that says a VLEK signed it cannot be verified with a VCEK (the key info is signed,
    /// but the kind check comes first and names the problem).
    @Test func refusesASigningKeyKindMismatch() throws {
        let sample = try SNPSample.genoa
        var bytes = sample.report
        bytes[0x048] = 1 << 2
        #expect(code(Evidence(tee: .sevSNP, bytes: bytes, collateral: sample.collateral), at: sample.validAt) == .chainInvalid)
        bytes[0x048] = 7 << 2
        #expect(code(Evidence(tee: .sevSNP, bytes: bytes, collateral: sample.collateral), at: sample.validAt) == .signatureInvalid)
    }

    @Test func claimsEncodeAsHexJSON() throws {
        let sample = try SNPSample.genoa
        let claims = try SNPVerifier().verify(sample.evidence, at: sample.validAt)
        let data = try JSONEncoder().encode(claims)
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["tee"] as? String == "sev-snp")
        #expect(json["measurement"] as? String == sample.measurement)
        #expect(json["reportData"] as? String == sample.reportData)
        #expect(json["debug"] as? Bool == false)
        #expect(json["chipID"] as? String == sample.detail("chip_id"))
        #expect(json["product"] as? String == "Genoa")
        #expect(json["signingKey"] as? String == "VCEK")
        #expect((json["reportedTCB"] as? [String: Any])?["raw"] as? String == sample.detail("reported_tcb_raw"))
        #expect((json["policy"] as? [String: Any])?["raw"] as? String == "0x0000000000030000")
        #expect((json["cpuid"] as? [String: Any])?["family"] as? Int == 0x19)
    }
}
