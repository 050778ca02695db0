import Codecs
import Foundation
import Testing
@testable import Attestation

/// `NitroPolicy` on claims from the real documents, and on debug-mode claims derived from them
/// (no debug-mode Nitro document is in the vectors: AWS signs them the same way, with PCR0-2 zero).
@Suite struct NitroPolicyTests {
    private func claims(_ v: NitroVector) throws -> NitroClaims {
        try NitroVerifier().verifyDocument(v.bytes, at: v.validAt)
    }

    private func pcr(_ v: NitroVector, _ i: Int) -> [UInt8]? { v.pcrs[i].flatMap { Hex.decode($0) } }

    @Test(arguments: NitroVector.loaded)
    func acceptsTheExpectedPCRs(_ v: NitroVector) throws {
        let c = try claims(v)
        let measurement = try #require(Hex.decode(v.measurement))
        #expect(throws: Never.self) { try NitroPolicy(pcr0: measurement).check(c) }
        #expect(throws: Never.self) {
            try NitroPolicy(pcr0: measurement, pcr1: pcr(v, 1), pcr2: pcr(v, 2), pcr3: pcr(v, 3), pcr4: pcr(v, 4), pcr8: pcr(v, 8)).check(c)
        }
        #expect(throws: Never.self) { try EvidencePolicy().check(c) }
    }

    @Test(arguments: NitroVector.loaded)
    func refusesAnyMismatchingPCR(_ v: NitroVector) throws {
        let c = try claims(v)
        let measurement = try #require(Hex.decode(v.measurement))
        var wrong = measurement
        wrong[wrong.count - 1] ^= 0x01
        #expect(refusal { try NitroPolicy(pcr0: wrong).check(c) } == .measurementMismatch)
        #expect(refusal { try NitroPolicy(pcr0: Array(measurement.prefix(32))).check(c) } == .measurementMismatch, "a SHA-256-sized prefix")
        for index in [1, 2, 3, 4, 8] {
            var bad = try #require(pcr(v, index))
            bad[0] ^= 0x80
            var policy = NitroPolicy(pcr0: measurement)
            switch index {
            case 1: policy.pcr1 = bad
            case 2: policy.pcr2 = bad
            case 3: policy.pcr3 = bad
            case 4: policy.pcr4 = bad
            default: policy.pcr8 = bad
            }
            #expect(refusal { try policy.check(c) } == .measurementMismatch, "PCR\(index)")
        }
    }

    @Test(arguments: NitroVector.loaded)
    func debugDocumentsNeedAllowDebug(_ v: NitroVector) throws {
        var document = try v.document
        let zero = [UInt8](repeating: 0, count: 48)
        for i in 0...2 { document.pcrs[i] = zero }
        let debug = NitroClaims(document)
        #expect(debug.debug)
        #expect(refusal { try NitroPolicy(pcr0: zero).check(debug) } == .debugNotAllowed)
        #expect(throws: Never.self) { try NitroPolicy(pcr0: zero, allowDebug: true).check(debug) }
        #expect(refusal { try EvidencePolicy().check(debug) } == .debugNotAllowed)
        #expect(refusal { try NitroPolicy(pcr0: try #require(Hex.decode(v.measurement)), allowDebug: true).check(debug) } == .measurementMismatch)

        // Only PCR0 zero (the other two genuine) is not debug mode.
        var partial = try v.document
        partial.pcrs[0] = zero
        #expect(!NitroClaims(partial).debug)
    }
}
