import Testing
@testable import Vault

@Suite struct VaultPutTests {
    let root = RootKey.generate()

    @Test(arguments: KeyWrapSuite.allCases)
    func ownerSealsBrokerOpens(suite: KeyWrapSuite) throws {
        let broker = try VaultPut.Recipient(rootKey: root)
        let key = try DataKey.generate()
        let wrapped = try VaultPut.seal(key, owner: "acme", keyId: "orders", vaultPublicKey: broker.publicKey(for: suite), suite: suite)
        #expect(try broker.open(wrapped, suite: suite, owner: "acme", keyId: "orders") == key)
        #expect(vaultErrorCode { try broker.open(wrapped, suite: suite, owner: "acme2", keyId: "orders") } == .decryptionFailed)
        #expect(vaultErrorCode { try broker.open(wrapped, suite: suite, owner: "acme", keyId: "orders2") } == .decryptionFailed)
        #expect(vaultErrorCode { try broker.open(wrapped, suite: suite, owner: "acm", keyId: "eorders") } == .decryptionFailed)
    }

    @Test func defaultSuiteIsX25519() throws {
        let broker = try VaultPut.Recipient(rootKey: root)
        let key = try DataKey.generate()
        let wrapped = try VaultPut.seal(key, owner: "acme", keyId: "k", vaultPublicKey: broker.publicKey(for: .x25519SHA256AES256GCM))
        #expect(wrapped.encapsulatedKey.count == 32)
        #expect(try broker.open(wrapped, suite: .default, owner: "acme", keyId: "k") == key)
    }

    /// Vault keys are derived from the root key: stable across restarts, different per root key,
    /// and different per suite label.
    @Test func vaultKeysAreDerivedFromTheRootKey() throws {
        let rootBytes = [UInt8](repeating: 0x11, count: 32)
        let a = try VaultPut.Recipient(rootKey: RootKey(bytes: rootBytes))
        let b = try VaultPut.Recipient(rootKey: RootKey(bytes: rootBytes))
        let c = try VaultPut.Recipient(rootKey: RootKey.generate())
        for suite in KeyWrapSuite.allCases {
            #expect(a.publicKey(for: suite) == b.publicKey(for: suite))
            #expect(a.publicKey(for: suite) != c.publicKey(for: suite))
            #expect(a.publicKey(for: suite).count == suite.publicKeyByteCount)
        }
        let key = try DataKey.generate()
        let wrapped = try VaultPut.seal(
            key, owner: "o", keyId: "k", vaultPublicKey: a.publicKey(for: .xwingSHA256AES256GCM), suite: .xwingSHA256AES256GCM)
        #expect(try b.open(wrapped, suite: .xwingSHA256AES256GCM, owner: "o", keyId: "k") == key)
        #expect(vaultErrorCode { try c.open(wrapped, suite: .xwingSHA256AES256GCM, owner: "o", keyId: "k") } == .decryptionFailed)
    }

    /// The vault-put key must not be the record key or the other suite's key in disguise.
    @Test func derivedKeysAreSeparated() throws {
        let labels = [RootKey.Label.recordKey, RootKey.Label.vaultPutX25519, RootKey.Label.vaultPutXWing]
        let derived = labels.map { label in root.derive(label).withUnsafeBytes { Array($0) } }
        #expect(Set(derived).count == labels.count)
    }

    @Test func infoLayout() throws {
        let info = try VaultPut.info(owner: "o", keyId: "key")
        #expect(info == Array("leasehold/v1 vault put".utf8) + [0, 0, 0, 1, 0x6f, 0, 0, 0, 3] + Array("key".utf8))
        #expect(vaultErrorCode { try VaultPut.info(owner: "", keyId: "k") } == .invalidIdentifier)
    }
}
