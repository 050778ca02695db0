import Testing
@testable import Vault

@Suite struct VaultCipherTests {
    let cipher = VaultCipher(rootKey: RootKey.generate())
    let key = try! DataKey.generate()

    @Test func roundTrip() throws {
        let record = try cipher.seal(key, owner: "acme", keyId: "orders", version: 3)
        #expect(record.count == 1 + 12 + 32 + 16)
        #expect(record[0] == 0x01)
        let opened = try cipher.open(record, owner: "acme", keyId: "orders", version: 3)
        #expect(opened == key)
    }

    @Test func freshNoncePerSeal() throws {
        let a = try cipher.seal(key, owner: "acme", keyId: "orders", version: 1)
        let b = try cipher.seal(key, owner: "acme", keyId: "orders", version: 1)
        #expect(a != b)
        #expect(Array(a[1..<13]) != Array(b[1..<13]))
    }

    @Test func aadBindsOwnerKeyIdAndVersion() throws {
        let record = try cipher.seal(key, owner: "acme", keyId: "orders", version: 7)
        #expect(vaultErrorCode { try cipher.open(record, owner: "acmf", keyId: "orders", version: 7) } == .decryptionFailed)
        #expect(vaultErrorCode { try cipher.open(record, owner: "acme", keyId: "order", version: 7) } == .decryptionFailed)
        #expect(vaultErrorCode { try cipher.open(record, owner: "acme", keyId: "orders", version: 8) } == .decryptionFailed)
        #expect(vaultErrorCode { try cipher.open(record, owner: "acme", keyId: "orders", version: 7 | 1 << 63) } == .decryptionFailed)
    }

    /// Without length prefixes ("ab","c") and ("a","bc") would give the same AAD.
    @Test func aadFieldBoundariesMatter() throws {
        let record = try cipher.seal(key, owner: "ab", keyId: "c", version: 1)
        #expect(vaultErrorCode { try cipher.open(record, owner: "a", keyId: "bc", version: 1) } == .decryptionFailed)
    }

    @Test func aadLayoutIsLengthPrefixedBigEndian() throws {
        let aad = try VaultCipher.associatedData(owner: "acme", keyId: "k1", version: 0x0102030405060708)
        #expect(aad == [0, 0, 0, 4] + Array("acme".utf8) + [0, 0, 0, 2] + Array("k1".utf8) + [1, 2, 3, 4, 5, 6, 7, 8])
    }

    @Test func otherRootKeyCannotOpen() throws {
        let record = try cipher.seal(key, owner: "acme", keyId: "orders", version: 1)
        let other = VaultCipher(rootKey: RootKey.generate())
        #expect(vaultErrorCode { try other.open(record, owner: "acme", keyId: "orders", version: 1) } == .decryptionFailed)
    }

    @Test func sameRootKeyBytesOpenAcrossInstances() throws {
        let rootBytes = [UInt8](repeating: 0x5a, count: 32)
        let record = try VaultCipher(rootKey: RootKey(bytes: rootBytes)).seal(key, owner: "acme", keyId: "orders", version: 1)
        let reopened = try VaultCipher(rootKey: RootKey(bytes: rootBytes)).open(record, owner: "acme", keyId: "orders", version: 1)
        #expect(reopened == key)
    }

    @Test func everyFlippedBitIsRefused() throws {
        let record = try cipher.seal(key, owner: "acme", keyId: "orders", version: 1)
        for index in 1..<record.count {
            for bit in [UInt8(0x01), 0x80] {
                let code = vaultErrorCode { try cipher.open(flipped(record, at: index, bit: bit), owner: "acme", keyId: "orders", version: 1) }
                #expect(code == .decryptionFailed, "byte \(index) bit \(bit)")
            }
        }
    }

    @Test func strictRecordParsing() throws {
        let record = try cipher.seal(key, owner: "acme", keyId: "orders", version: 1)
        let open = { (bytes: [UInt8]) in vaultErrorCode { try cipher.open(bytes, owner: "acme", keyId: "orders", version: 1) } }
        #expect(open([]) == .malformed)
        #expect(open([0x01]) == .malformed)
        #expect(open(Array(record.prefix(1 + 12 + 15 + 16))) == .malformed)  // ciphertext shorter than any key
        #expect(open(record + [0x00]) == .decryptionFailed)  // still a valid shape (33-byte key): tag fails
        #expect(open(record + [UInt8](repeating: 0, count: 33)) == .malformed)  // longer than the longest key
        #expect(open([0x02] + record.dropFirst()) == .unsupported)
        #expect(open([0x00] + record.dropFirst()) == .unsupported)
    }

    @Test func keySizesAtTheBounds() throws {
        for size in [16, 64] {
            let k = try DataKey.generate(byteCount: size)
            let record = try cipher.seal(k, owner: "o", keyId: "k", version: 0)
            #expect(try cipher.open(record, owner: "o", keyId: "k", version: 0) == k)
        }
        #expect(vaultErrorCode { try DataKey.generate(byteCount: 15) } == .invalidKey)
        #expect(vaultErrorCode { try DataKey.generate(byteCount: 65) } == .invalidKey)
        #expect(vaultErrorCode { try DataKey(bytes: [UInt8]()) } == .invalidKey)
    }

    @Test func identifiersAreChecked() throws {
        #expect(vaultErrorCode { try cipher.seal(key, owner: "", keyId: "k", version: 0) } == .invalidIdentifier)
        #expect(vaultErrorCode { try cipher.seal(key, owner: "o", keyId: "", version: 0) } == .invalidIdentifier)
        let long = String(repeating: "x", count: 1025)
        #expect(vaultErrorCode { try cipher.seal(key, owner: long, keyId: "k", version: 0) } == .invalidIdentifier)
        #expect(throws: Never.self) { try cipher.seal(key, owner: String(repeating: "x", count: 1024), keyId: "k", version: 0) }
    }
}
