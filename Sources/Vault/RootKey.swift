import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The broker's root key: 32 random bytes from which every vault key is derived.
///
/// Nothing is ever encrypted under the root key directly. Each use gets its own key from
/// HKDF-SHA256 with a fixed label, so the same root key file can later serve other purposes
/// (another cipher, a MAC key) without any two uses sharing key material.
public struct RootKey: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public static let byteCount = 32

    let key: SymmetricKey

    public init<D: ContiguousBytes>(bytes: D) throws(VaultError) {
        let count = bytes.withUnsafeBytes { $0.count }
        guard count == Self.byteCount else {
            throw VaultError(.rootKeyUnavailable, "the root key must be exactly \(Self.byteCount) bytes, got \(count)")
        }
        self.key = SymmetricKey(data: bytes)
    }

    /// A fresh root key from the system's CSPRNG.
    public static func generate() -> RootKey {
        RootKey(SymmetricKey(size: .bits256))
    }

    private init(_ key: SymmetricKey) { self.key = key }

    /// Labels of the derived keys. Stable: changing one makes every stored record unreadable.
    enum Label {
        static let recordKey = "leasehold/v1 vault record aes-256-gcm"
        static let vaultPutX25519 = "leasehold/v1 vault put x25519"
        static let vaultPutXWing = "leasehold/v1 vault put xwing"
        static let challenge = "leasehold/v1 challenge hmac-sha256"
        static let rowMAC = "leasehold/v1 row mac hmac-sha256"
    }

    /// The key that authenticates challenge nonces (`ChallengeToken`): derived, so replicas
    /// sharing the root key accept each other's challenges, and a restart keeps them valid.
    public func challengeKey() -> SymmetricKey { derive(Label.challenge) }

    /// The key that authenticates the broker's mutable rows (the broker's `RowMAC`): lease
    /// state and counters, which no owner signature covers.
    public func rowMACKey() -> SymmetricKey { derive(Label.rowMAC) }

    /// HKDF-SHA256(ikm: root key, salt: none, info: label), 32 bytes.
    func derive(_ label: String) -> SymmetricKey {
        HKDF<SHA256>.deriveKey(inputKeyMaterial: key, info: Array(label.utf8), outputByteCount: 32)
    }

    /// Writes the raw bytes somewhere (the loader's first-start file). Scoped, not returned.
    func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try key.withUnsafeBytes(body)
    }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "RootKey(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["key": "<redacted>"]) }
}
