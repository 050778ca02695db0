import Codecs
import Foundation
import Testing
@testable import Attestation

@Suite struct AMDCertificateTests {
    @Test(arguments: try SNPSample.all())
    func parsesTheVCEKAndItsAMDExtensions(_ sample: SNPSample) throws {
        let vcek = try AMDCertificate(derEncoded: sample.collateral[0])
        #expect(vcek.subjectCommonName == sample.detail("vek_subject_cn"))
        #expect(vcek.issuerCommonName == sample.detail("vek_issuer_cn"))
        // The VCEK is the shortest-lived certificate, so its validity is the sample's valid_window.
        #expect(vcek.notBefore == sample.notBefore)
        #expect(vcek.notAfter == sample.notAfter)
        guard case .p384 = vcek.publicKey else { Issue.record("VCEK key is not P-384"); return }
        let e = try AMDEndorsementExtensions(vcek.extensions)
        #expect(e.productName == sample.detail("vek_product_ext"))
        let tcb = sample.tcb("reported_tcb")
        #expect(e.bootloader.map(Int.init) == tcb["bl"])
        #expect(e.tee.map(Int.init) == tcb["tee"])
        #expect(e.snp.map(Int.init) == tcb["snp"])
        #expect(e.microcode.map(Int.init) == tcb["ucode"])
        #expect(e.hwID.map(Hex.encode) == sample.detail("chip_id"))
        #expect(e.cspID == nil && e.fmc == nil)
    }

    /// Milan VCEKs write trailerField explicitly; Genoa VCEKs omit it. Both mean trailer 1.
    @Test func acceptsExplicitAndDefaultTrailerField() throws {
        let milan = try AMDCertificate(derEncoded: SNPSample.milan.collateral[0])
        let genoa = try AMDCertificate(derEncoded: SNPSample.genoa.collateral[0])
        #expect(milan.signatureAlgorithm.explicitTrailerField)
        #expect(!genoa.signatureAlgorithm.explicitTrailerField)
    }

    /// The salt length sits at a fixed place in the VCEK's signature algorithm (`a2 03 02 01 30`);
    /// any other salt must be refused before a signature is checked.
    @Test func refusesOtherPSSParameters() throws {
        let der = try SNPSample.genoa.collateral[0]
        let salt: [UInt8] = [0xA2, 0x03, 0x02, 0x01, 0x30]
        let at = try #require((0...(der.count - salt.count)).first { Array(der[$0..<($0 + salt.count)]) == salt })
        var mutated = der
        mutated[at + 4] = 0x20  // salt 32
        #expect(throws: AttestationError.self) { try AMDCertificate(derEncoded: mutated) }
    }

    @Test func neverTrapsOnCorruptCertificates() throws {
        let der = try SNPSample.milan.collateral[0]
        for offset in stride(from: 0, to: der.count, by: 1) {
            var bytes = der
            bytes[offset] ^= 0xFF
            do { _ = try AMDCertificate(derEncoded: bytes) } catch { #expect(error.code == .chainInvalid) }
        }
        for length in [0, 1, 4, 100] {
            #expect(throws: AttestationError.self) { try AMDCertificate(derEncoded: Array(der.prefix(length))) }
        }
        #expect(throws: AttestationError.self) { try AMDCertificate.derCertificates(in: Array("-----BEGIN CERTIFICATE-----\n!!\n".utf8)) }
    }
}
