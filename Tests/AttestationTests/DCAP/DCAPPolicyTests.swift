import Foundation
import Testing
@testable import Attestation

@Suite("SGX and TDX policies")
struct DCAPPolicyTests {
    @Test("the debug TD with OutOfDate TCB is refused by default and accepted only when both are allowed")
    func debugTD() throws {
        let sample = try DCAPSample.load("tdx-trustee-q4-debug-50806f")
        let claims = try sample.verifier().verifyTDX(sample.evidence, at: sample.validAt)
        #expect(claims.debug)
        #expect(dcapErrorCode { try TDXPolicy(mrTd: claims.mrTd).check(claims) } == .debugNotAllowed)
        #expect(dcapErrorCode { try EvidencePolicy().check(claims) } == .debugNotAllowed)
        #expect(dcapErrorCode { try TDXPolicy(mrTd: claims.mrTd, allowDebug: true).check(claims) } == .tcbStatusNotAccepted)
        #expect(throws: Never.self) {
            try TDXPolicy(mrTd: claims.mrTd, allowDebug: true, acceptedTCBStatuses: ["UpToDate", "OutOfDate"]).check(claims)
        }
    }

    @Test("TDX policy: MRTD, RTMR, MRCONFIGID and TEE_TCB_SVN")
    func tdxMeasurements() throws {
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        let claims = try sample.verifier().verifyTDX(sample.evidence, at: sample.validAt)
        let ok = TDXPolicy(
            mrTd: claims.mrTd, rtmrs: [0: claims.rtmr0, 3: claims.rtmr3], mrConfigId: claims.mrConfigId,
            minimumTeeTcbSvn: claims.teeTcbSvn)
        #expect(throws: Never.self) { try ok.check(claims) }
        #expect(throws: Never.self) { try EvidencePolicy().check(claims) }
        #expect(dcapErrorCode { try TDXPolicy(mrTd: flipBit(claims.mrTd, at: 0)).check(claims) } == .measurementMismatch)
        #expect(dcapErrorCode { try TDXPolicy(mrTd: claims.mrTd, rtmrs: [1: flipBit(claims.rtmr1, at: 47)]).check(claims) } == .measurementMismatch)
        #expect(
            dcapErrorCode { try TDXPolicy(mrTd: claims.mrTd, mrConfigId: flipBit(claims.mrConfigId, at: 0)).check(claims) } == .measurementMismatch)
        var higher = claims.teeTcbSvn
        higher[0] &+= 1
        #expect(dcapErrorCode { try TDXPolicy(mrTd: claims.mrTd, minimumTeeTcbSvn: higher).check(claims) } == .tcbTooLow)
    }

    @Test("SGX policy: status outside the accepted list, identity, ISVSVN")
    func sgx() throws {
        let sample = try DCAPSample.load("sgx-phala-00a067110000")
        let claims = try sample.verifier().verifySGX(sample.evidence, at: sample.validAt)
        #expect(dcapErrorCode { try SGXPolicy(mrEnclave: claims.mrEnclave).check(claims) } == .tcbStatusNotAccepted)
        let accepted: [String] = ["UpToDate", "ConfigurationAndSWHardeningNeeded"]
        #expect(throws: Never.self) { try SGXPolicy(mrEnclave: claims.mrEnclave, acceptedTCBStatuses: accepted).check(claims) }
        #expect(throws: Never.self) {
            try SGXPolicy(mrSigner: claims.mrSigner, isvProdId: claims.isvProdId, acceptedTCBStatuses: accepted).check(claims)
        }
        #expect(
            dcapErrorCode { try SGXPolicy(mrEnclave: flipBit(claims.mrEnclave, at: 31), acceptedTCBStatuses: accepted).check(claims) }
                == .measurementMismatch)
        #expect(dcapErrorCode { try SGXPolicy(mrSigner: claims.mrSigner, acceptedTCBStatuses: accepted).check(claims) } == .measurementMismatch)
        #expect(
            dcapErrorCode { try SGXPolicy(mrSigner: claims.mrSigner, isvProdId: claims.isvProdId &+ 1, acceptedTCBStatuses: accepted).check(claims) }
                == .measurementMismatch)
        #expect(
            dcapErrorCode {
                try SGXPolicy(mrEnclave: claims.mrEnclave, minimumIsvSvn: claims.isvSvn &+ 1, acceptedTCBStatuses: accepted).check(claims)
            } == .tcbTooLow)
    }

    @Test("a debug enclave is refused under the default SGX policy")
    func sgxDebug() throws {
        let sample = try DCAPSample.load("sgx-oasis-00606a000000")
        var claims = try sample.verifier().verifySGX(sample.evidence, at: sample.validAt)
        claims.attributes[0] |= 0x02
        claims.debug = true
        #expect(
            dcapErrorCode { try SGXPolicy(mrEnclave: claims.mrEnclave, acceptedTCBStatuses: ["SWHardeningNeeded"]).check(claims) } == .debugNotAllowed
        )
        #expect(throws: Never.self) {
            try SGXPolicy(mrEnclave: claims.mrEnclave, allowDebug: true, acceptedTCBStatuses: ["SWHardeningNeeded"]).check(claims)
        }
    }

    @Test("TCB status convergence follows Intel's QVL")
    func convergence() {
        #expect(DCAPTCBStatus.upToDate.converged(with: .outOfDate) == .outOfDate)
        #expect(DCAPTCBStatus.swHardeningNeeded.converged(with: .outOfDate) == .outOfDate)
        #expect(DCAPTCBStatus.configurationNeeded.converged(with: .outOfDate) == .outOfDateConfigurationNeeded)
        #expect(DCAPTCBStatus.configurationAndSWHardeningNeeded.converged(with: .outOfDate) == .outOfDateConfigurationNeeded)
        #expect(DCAPTCBStatus.configurationNeeded.converged(with: .upToDate) == .configurationNeeded)
        #expect(DCAPTCBStatus.upToDate.converged(with: .revoked) == .revoked)
    }
}
