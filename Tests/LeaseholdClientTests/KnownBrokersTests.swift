import LeaseholdOwnerClient
import Broker
import LeaseholdAPI
import Foundation
import LeaseholdClient
import Testing

/// CRYPTO-REVIEW-2026-12, M2: an owner seals data keys only to a broker whose keys it knows.
@Suite struct KnownBrokersTests {
    static let a = BrokerIdentity(
        logKey: "leasehold.local/log+0a1b2c3d+AQID", vaultPublicKeys: ["x25519-sha256-aes256gcm": "AAAA", "xwing-sha256-aes256gcm": "BBBB"])

    func file() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("kb-\(UUID().uuidString)/known_brokers").path
    }

    @Test func aBrokerIsRecordedOnFirstUseAndRefusedWhenItsKeysChange() throws {
        let known = KnownBrokers(path: file())
        #expect(try known.check(Self.a, for: "http://127.0.0.1:8443/") == true)
        #expect(try known.check(Self.a, for: "http://127.0.0.1:8443") == false)
        let mode = try FileManager.default.attributesOfItem(atPath: known.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        var mitm = Self.a
        mitm.vaultPublicKeys["x25519-sha256-aes256gcm"] = "CCCC"
        #expect(throws: LeaseholdClientError.self) { try known.check(mitm, for: "http://127.0.0.1:8443") }
        var relogged = Self.a
        relogged.logKey = "leasehold.local/log+ffffffff+AQID"
        do {
            try known.check(relogged, for: "http://127.0.0.1:8443")
            Issue.record("a broker with another log key was accepted")
        } catch {
            #expect(error.reason == LeaseholdClientError.brokerChanged)
        }
        // Another URL is another broker: recorded separately, the first line kept.
        #expect(try known.check(mitm, for: "https://other.example") == true)
        #expect(try known.identity(for: "http://127.0.0.1:8443") == Self.a)
    }

    @Test func aPinnedIdentityDecidesAndRecordsNothing() throws {
        let known = KnownBrokers(path: file())
        #expect(try known.check(Self.a, for: "http://b", pinned: Self.a) == false)
        #expect(!FileManager.default.fileExists(atPath: known.path))
        var other = Self.a
        other.logKey = "x"
        #expect(throws: LeaseholdClientError.self) { try known.check(other, for: "http://b", pinned: Self.a) }
    }

    @Test func aMalformedFileIsAnErrorNotAnEmptyList() throws {
        let path = file()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data("http://x onlyone\nhttp://y key broken-field\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: LeaseholdClientError.self) { try KnownBrokers(path: path).identity(for: "http://z") }
    }
}
