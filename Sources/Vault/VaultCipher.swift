import Codecs
import Crypto

/// Envelope encryption of owner data keys under the broker root key.
///
/// AES-256-GCM with a key derived once from the root key (HKDF-SHA256, label
/// `leasehold/v1 vault record aes-256-gcm`) and
/// `AAD = lp(owner) || lp(keyId) || version as 8 big-endian bytes`, so a record only opens for
/// the row it was written for: swapping records between owners, key ids or versions fails.
///
/// Derive once and reuse: `init` runs HKDF, `seal`/`open` are one AES-GCM call each, which is
/// also the shape `leasehold bench` wants (build one cipher, call it in a loop).
public struct VaultCipher: Sendable, CustomStringConvertible, CustomReflectable {
    private let recordKey: SymmetricKey

    public init(rootKey: RootKey) {
        self.recordKey = rootKey.derive(RootKey.Label.recordKey)
    }

    /// Encrypts `key` for (owner, keyId, version) under a fresh random nonce.
    public func seal(_ key: DataKey, owner: String, keyId: String, version: UInt64) throws(VaultError) -> [UInt8] {
        let aad = try Self.associatedData(owner: owner, keyId: keyId, version: version)
        let box: AES.GCM.SealedBox
        do {
            box = try key.withUnsafeBytes { plaintext in
                try AES.GCM.seal(plaintext, using: recordKey, nonce: AES.GCM.Nonce(), authenticating: aad)
            }
        } catch {
            throw VaultError(.cryptoFailure, "AES-GCM seal failed: \(error)")
        }
        return SealedKeyRecord(nonce: box.nonce.withUnsafeBytes { Array($0) }, ciphertext: Array(box.ciphertext), tag: Array(box.tag)).serialized
    }

    /// Parses and decrypts a record written by `seal` for the same (owner, keyId, version).
    public func open(_ record: [UInt8], owner: String, keyId: String, version: UInt64) throws(VaultError) -> DataKey {
        let aad = try Self.associatedData(owner: owner, keyId: keyId, version: version)
        let parsed = try SealedKeyRecord(parsing: record)
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(nonce: AES.GCM.Nonce(data: parsed.nonce), ciphertext: parsed.ciphertext, tag: parsed.tag)
        } catch {
            throw VaultError(.malformed, "sealed key record does not form an AES-GCM box")
        }
        let plaintext: SymmetricKey
        do {
            plaintext = SymmetricKey(data: try AES.GCM.open(box, using: recordKey, authenticating: aad))
        } catch {
            throw VaultError(
                .decryptionFailed,
                "sealed key record for owner '\(owner)', key '\(keyId)', version \(version) does not authenticate: wrong root key, wrong row, or tampered"
            )
        }
        return try DataKey(bytes: plaintext)
    }

    /// `lp(owner) || lp(keyId) || version (8 bytes, big-endian)`.
    static func associatedData(owner: String, keyId: String, version: UInt64) throws(VaultError) -> [UInt8] {
        let ownerBytes = try LengthPrefixed.identifier(owner, "owner")
        let keyIdBytes = try LengthPrefixed.identifier(keyId, "key id")
        var out = [UInt8]()
        out.reserveCapacity(16 + ownerBytes.count + keyIdBytes.count)
        LengthPrefixed.append(ownerBytes, to: &out)
        LengthPrefixed.append(keyIdBytes, to: &out)
        LengthPrefixed.appendBigEndian(version, to: &out)
        return out
    }

    public var description: String { "VaultCipher(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["recordKey": "<redacted>"]) }
}
