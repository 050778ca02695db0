import Codecs

/// Vault put: an owner hands a data key to the broker without it ever crossing the wire in clear.
///
/// The owner HPKE-seals the key (X25519 suite by default) to the broker's vault public key
/// (published at `GET /v1/broker`) with
/// `info = "leasehold/v1 vault put" || lp(owner) || lp(keyId)`, so a sealed key captured from
/// one request cannot be replayed under another owner or key id. (The request as a whole is
/// also signed with the owner key; that signature is the broker's business, not the vault's.)
public enum VaultPut {
    static let infoLabel = Array("leasehold/v1 vault put".utf8)

    /// `"leasehold/v1 vault put" || lp(owner) || lp(keyId)`.
    public static func info(owner: String, keyId: String) throws(VaultError) -> [UInt8] {
        let ownerBytes = try LengthPrefixed.identifier(owner, "owner")
        let keyIdBytes = try LengthPrefixed.identifier(keyId, "key id")
        var out = infoLabel
        LengthPrefixed.append(ownerBytes, to: &out)
        LengthPrefixed.append(keyIdBytes, to: &out)
        return out
    }

    /// Owner side: seals `key` for (owner, keyId) to the broker's vault public key.
    public static func seal(_ key: DataKey, owner: String, keyId: String, vaultPublicKey: [UInt8], suite: KeyWrapSuite = .default) throws(VaultError)
        -> WrappedKey
    {
        try KeyWrap.seal(key, to: vaultPublicKey, suite: suite, info: info(owner: owner, keyId: keyId))
    }

    /// Broker side: the vault key pairs, one per suite, derived from the root key
    /// (HKDF-SHA256 labels `leasehold/v1 vault put x25519` / `... xwing`). Deriving instead of
    /// storing means the root key file is the broker's only secret, and the public keys stay
    /// the same across restarts and replicas that share the root key.
    public struct Recipient: Sendable, CustomStringConvertible, CustomReflectable {
        private let x25519: KeyWrapKeyPair
        private let xwing: KeyWrapKeyPair

        public init(rootKey: RootKey) throws(VaultError) {
            self.x25519 = try KeyWrapKeyPair.derived(suite: .x25519SHA256AES256GCM, seed: rootKey.derive(RootKey.Label.vaultPutX25519))
            self.xwing = try KeyWrapKeyPair.derived(suite: .xwingSHA256AES256GCM, seed: rootKey.derive(RootKey.Label.vaultPutXWing))
        }

        private func keyPair(_ suite: KeyWrapSuite) -> KeyWrapKeyPair {
            switch suite {
            case .x25519SHA256AES256GCM: x25519
            case .xwingSHA256AES256GCM: xwing
            }
        }

        /// The vault public key to publish for `suite`.
        public func publicKey(for suite: KeyWrapSuite) -> [UInt8] { keyPair(suite).publicKey }

        /// Opens a vault put for (owner, keyId) sealed with `suite`.
        public func open(_ wrapped: WrappedKey, suite: KeyWrapSuite, owner: String, keyId: String) throws(VaultError) -> DataKey {
            try keyPair(suite).open(wrapped, info: VaultPut.info(owner: owner, keyId: keyId))
        }

        public var description: String { "VaultPut.Recipient(<redacted>)" }
        public var customMirror: Mirror { Mirror(self, children: ["keyPairs": "<redacted>"]) }
    }
}
