import Codecs
import Testing
@testable import Vault

/// Secret-holding values must never print their bytes: not via `description`, string
/// interpolation, `debugDescription`, `dump`, nor inside an error's reason.
@Suite struct RedactionTests {
    /// Key bytes chosen so their hex and base64 are easy to spot in any output.
    static let secret = [UInt8](repeating: 0xAB, count: 32)

    private func assertRedacted(_ value: Any) {
        var dumped = ""
        dump(value, to: &dumped)
        for text in [String(describing: value), String(reflecting: value), dumped] {
            #expect(!text.lowercased().contains("abababab"), "\(text)")
            #expect(!text.contains(Base64.encode(Self.secret).prefix(12)), "\(text)")
            #expect(!text.contains("171, 171"), "\(text)")
        }
    }

    @Test func secretTypesPrintRedacted() throws {
        let key = try DataKey(bytes: Self.secret)
        #expect(key.description == "<redacted>")
        #expect("\(key)" == "<redacted>")
        assertRedacted(key)
        let root = try RootKey(bytes: Self.secret)
        #expect(root.description == "<redacted>")
        assertRedacted(root)
        assertRedacted(VaultCipher(rootKey: root))
        assertRedacted(try VaultPut.Recipient(rootKey: root))
        let pair = KeyWrapKeyPair(.x25519(try .init(rawRepresentation: Self.secret)))
        #expect(pair.description.contains("<redacted>"))
        assertRedacted(pair)
    }

    @Test func errorsDoNotCarryKeyMaterial() throws {
        let cipher = VaultCipher(rootKey: try RootKey(bytes: Self.secret))
        let record = try cipher.seal(try DataKey(bytes: Self.secret), owner: "o", keyId: "k", version: 1)
        do {
            _ = try cipher.open(record, owner: "o", keyId: "k", version: 2)
            Issue.record("expected refusal")
        } catch {
            #expect(!error.description.lowercased().contains("abab"))
            #expect(!error.description.contains(Hex.encode(record)))
        }
    }

    /// Equality of secrets is swift-crypto's constant-time comparison; check it is real equality
    /// (same length and bytes), including keys that differ only in the last byte or in length.
    @Test func dataKeyEqualityComparesAllBytes() throws {
        var other = Self.secret
        other[31] ^= 1
        #expect(try DataKey(bytes: Self.secret) == DataKey(bytes: Self.secret))
        #expect(try DataKey(bytes: Self.secret) != DataKey(bytes: other))
        #expect(try DataKey(bytes: Self.secret) != DataKey(bytes: Array(Self.secret.prefix(16))))
    }
}
