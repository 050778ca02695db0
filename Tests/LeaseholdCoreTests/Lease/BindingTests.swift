import Codecs
import LeaseholdAPI
import Crypto
import Testing
import TransparencyLog
@testable import LeaseholdCore

@Suite("Report-data binding and grant info")
struct BindingTests {
    static let binding = LeaseBinding(
        nonce: Array(0..<32), suiteID: "x25519-sha256-aes256gcm", publicKey: [UInt8](repeating: 0x42, count: 32),
        owner: "acme", leaseID: "lease-2026-001", manifestDigest: Array(SHA256.hash(data: Array("manifest".utf8))))

    /// The spec's formula written out byte by byte, independently of `LeaseBinding`.
    @Test func reportDataFollowsTheSpecFormula() {
        func lp(_ x: [UInt8]) -> [UInt8] {
            let n = x.count
            return [UInt8(n >> 24 & 0xFF), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)] + x
        }
        let b = Self.binding
        let message =
            lp(Array("leasehold/v1/report-data".utf8)) + lp(b.nonce) + lp(Array(b.suiteID.utf8)) + lp(b.publicKey)
            + lp(Array(b.owner.utf8)) + lp(Array(b.leaseID.utf8)) + lp(b.manifestDigest)
        #expect(b.reportData == Array(SHA512.hash(data: message)))
        #expect(b.reportData.count == 64)
    }

    /// Known answer computed with Python's hashlib/struct from the DESIGN.md definition.
    @Test func reportDataKnownAnswer() {
        #expect(
            Hex.encode(Self.binding.reportData)
                == "3d2caa7c185ede68e4e33806c8b254161dcb60c10f65ba81ddc06cb0f8473b62319cc4eae940b1dbd32f3b51acca8d6f3e34632b58ee45313b6286c43d1635b4")
    }

    @Test func grantInfoKnownAnswer() {
        let info = LeaseBinding.grantInfo(owner: "acme", leaseID: "lease-2026-001", keyID: "customer-db-key", notAfter: "2026-07-01T00:00:00Z")
        #expect(
            Hex.encode(info)
                == "000000126c65617365686f6c642f7631206772616e740000000461636d650000000e6c656173652d323032362d3030310000000f637573746f6d65722d64622d6b657900000014323032362d30372d30315430303a30303a30305a"
        )
    }

    @Test func shiftingBytesBetweenFieldsChangesTheBinding() {
        var a = Self.binding
        a.owner = "ab"; a.leaseID = "c"
        var b = Self.binding
        b.owner = "a"; b.leaseID = "bc"
        #expect(a.reportData != b.reportData)
        #expect(
            LeaseBinding.grantInfo(owner: "ab", leaseID: "c", keyID: "k", notAfter: "t")
                != LeaseBinding.grantInfo(owner: "a", leaseID: "bc", keyID: "k", notAfter: "t"))
    }

    @Test func everyFieldIsBound() {
        let base = Self.binding.reportData
        var x = Self.binding; x.nonce[0] ^= 1; #expect(x.reportData != base)
        x = Self.binding; x.suiteID = "xwing-sha256-aes256gcm"; #expect(x.reportData != base)
        x = Self.binding; x.publicKey[31] ^= 1; #expect(x.reportData != base)
        x = Self.binding; x.manifestDigest[0] ^= 1; #expect(x.reportData != base)
    }
}
