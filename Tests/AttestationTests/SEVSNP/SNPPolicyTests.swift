import Codecs
import Foundation
import Testing
@testable import Attestation

@Suite struct SNPPolicyTests {
    func claims(_ sample: SNPSample) throws -> SNPClaims {
        try SNPVerifier().verifyReport(sample.evidence, at: sample.validAt)
    }

    func code(_ policy: SNPPolicy, _ claims: SNPClaims) -> AttestationError.Code? {
        do { try policy.check(claims); return nil } catch { return error.code }
    }

    @Test(arguments: try SNPSample.all())
    func acceptsTheExpectedMeasurementAndRefusesAnother(_ sample: SNPSample) throws {
        let c = try claims(sample)
        let measurement = try #require(Hex.decode(sample.measurement))
        #expect(code(SNPPolicy(measurement: measurement), c) == nil)
        #expect(code(SNPPolicy(measurement: measurement.flipping(byte: 47)), c) == .measurementMismatch)
        #expect(code(SNPPolicy(measurement: Array(measurement.prefix(32))), c) == .measurementMismatch)
        let hostData = try #require(Hex.decode(sample.detail("host_data")))
        let idKeyDigest = try #require(Hex.decode(sample.detail("id_key_digest")))
        #expect(code(SNPPolicy(measurement: measurement, hostData: hostData, idKeyDigest: idKeyDigest), c) == nil)
        #expect(code(SNPPolicy(measurement: measurement, hostData: hostData.flipping(byte: 0)), c) == .measurementMismatch)
        #expect(code(SNPPolicy(measurement: measurement, idKeyDigest: idKeyDigest.flipping(byte: 0)), c) == .measurementMismatch)
    }

    @Test func refusesDebugUnlessAllowed() throws {
        var c = try claims(SNPSample.milan)
        c.policy = try SNPGuestPolicy(raw: c.policy.raw | 1 << 19)
        #expect(c.debug)
        let measurement = c.measurement
        #expect(code(SNPPolicy(measurement: measurement), c) == .debugNotAllowed)
        #expect(code(SNPPolicy(measurement: measurement, allowDebug: true), c) == nil)
        // The CLI's default policy refuses it too.
        #expect(throws: AttestationError.self) { try EvidencePolicy().check(c) }
    }

    @Test(arguments: try SNPSample.all())
    func enforcesEachMinimumTCBComponent(_ sample: SNPSample) throws {
        let c = try claims(sample)
        let t = c.reportedTCB
        let exact = SNPPolicy.MinimumTCB(bootloader: t.bootloader, tee: t.tee, snp: t.snp, microcode: t.microcode)
        #expect(code(SNPPolicy(measurement: c.measurement, minimumReportedTCB: exact), c) == nil)
        var raised = [exact, exact, exact, exact]
        raised[0].bootloader += 1
        raised[1].tee += 1
        raised[2].snp += 1
        raised[3].microcode += 1
        for minimum in raised {
            #expect(code(SNPPolicy(measurement: c.measurement, minimumReportedTCB: minimum), c) == .tcbTooLow)
        }
        var fmc = exact
        fmc.fmc = 0
        #expect(code(SNPPolicy(measurement: c.measurement, minimumReportedTCB: fmc), c) == .tcbTooLow)  // not Turin
    }

    @Test func enforcesMaximumVMPL() throws {
        var c = try claims(SNPSample.genoa)
        #expect(code(SNPPolicy(measurement: c.measurement, maxVMPL: 0), c) == nil)
        c.vmpl = 2
        #expect(code(SNPPolicy(measurement: c.measurement, maxVMPL: 1), c) == .vmplNotAllowed)
        #expect(code(SNPPolicy(measurement: c.measurement), c) == nil)
    }
}
