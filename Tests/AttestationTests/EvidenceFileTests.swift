import Codecs
import Testing
@testable import Attestation

@Suite struct EvidenceFileTests {
    @Test func rawBytesPassThrough() {
        let raw: [UInt8] = [0x02, 0x00, 0xFF, 0x10]
        #expect(EvidenceFile.decode(raw) == raw)
    }

    @Test func hexAndBase64TextDecode() {
        let expected: [UInt8] = [0xde, 0xad, 0xbe, 0xef]
        #expect(EvidenceFile.decode(Array("DEADbeef\n".utf8)) == expected)
        #expect(EvidenceFile.decode(Array("3q2+7w==\n".utf8)) == expected)
        #expect(EvidenceFile.decode(Array("3q2+7w".utf8)) == expected)
    }

    @Test func hexRoundTripAndRejects() {
        #expect(Hex.encode([0x00, 0x0f, 0xf0]) == "000ff0")
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode("abc") == nil)
    }

    @Test func policyRefusesDebugAndUnacceptedStatus() {
        struct Fake: TEEClaims {
            var tee: TEE = .sgx
            var measurement: [UInt8] = []
            var reportData: [UInt8] = []
            var debug: Bool
            var tcbStatus: String?
        }
        #expect(throws: AttestationError.self) { try EvidencePolicy().check(Fake(debug: true, tcbStatus: "UpToDate")) }
        #expect(throws: AttestationError.self) { try EvidencePolicy().check(Fake(debug: false, tcbStatus: "OutOfDate")) }
        #expect(throws: Never.self) { try EvidencePolicy(acceptedTCBStatuses: ["OutOfDate"]).check(Fake(debug: false, tcbStatus: "OutOfDate")) }
        #expect(throws: Never.self) { try EvidencePolicy(allowDebug: true).check(Fake(debug: true, tcbStatus: "UpToDate")) }
    }
}
