import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A recipient HPKE key pair for one suite: the workload's one-time key (LeaseholdClient makes
/// one per grant request and binds its public key into the evidence), or the broker's vault key
/// (derived from the root key, see `VaultPut.Recipient`).
///
/// The private key never leaves this value and is not serializable on purpose: a one-time key
/// that can be written out is no longer one-time. `description` is redacted.
public struct KeyWrapKeyPair: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    enum PrivateKey: Sendable {
        case x25519(Curve25519.KeyAgreement.PrivateKey)
        case xwing(XWingMLKEM768X25519.PrivateKey)
    }

    public let suite: KeyWrapSuite
    /// The public key in the suite's HPKE serialization (`suite.publicKeyByteCount` bytes):
    /// what goes into report data and the grant request.
    public let publicKey: [UInt8]
    let privateKey: PrivateKey

    init(_ privateKey: PrivateKey) {
        self.privateKey = privateKey
        switch privateKey {
        case .x25519(let key):
            self.suite = .x25519SHA256AES256GCM
            self.publicKey = Array(key.publicKey.rawRepresentation)
        case .xwing(let key):
            self.suite = .xwingSHA256AES256GCM
            self.publicKey = Array(key.publicKey.rawRepresentation)
        }
    }

    /// A fresh key pair from the system's CSPRNG.
    public static func generate(suite: KeyWrapSuite = .default) throws(VaultError) -> KeyWrapKeyPair {
        switch suite {
        case .x25519SHA256AES256GCM:
            return KeyWrapKeyPair(.x25519(Curve25519.KeyAgreement.PrivateKey()))
        case .xwingSHA256AES256GCM:
            do {
                return KeyWrapKeyPair(.xwing(try XWingMLKEM768X25519.PrivateKey.generate()))
            } catch {
                throw VaultError(.cryptoFailure, "X-Wing key generation failed: \(error)")
            }
        }
    }

    /// A key pair determined by 32 secret bytes (X25519 scalar, or X-Wing seed), used for keys
    /// derived from the root key so the broker needs no second secret file.
    static func derived(suite: KeyWrapSuite, seed: SymmetricKey) throws(VaultError) -> KeyWrapKeyPair {
        do {
            switch suite {
            case .x25519SHA256AES256GCM:
                return KeyWrapKeyPair(.x25519(try seed.withUnsafeBytes { try Curve25519.KeyAgreement.PrivateKey(rawRepresentation: $0) }))
            case .xwingSHA256AES256GCM:
                return KeyWrapKeyPair(.xwing(try seed.withUnsafeBytes { try XWingMLKEM768X25519.PrivateKey(seedRepresentation: $0, publicKey: nil) }))
            }
        } catch {
            throw VaultError(.cryptoFailure, "cannot derive a \(suite.id) key pair: \(error)")
        }
    }

    /// Opens a key sealed to this public key with exactly this `info`.
    public func open(_ wrapped: WrappedKey, info: [UInt8]) throws(VaultError) -> DataKey {
        try open(wrapped, info: info, export: nil).key
    }

    /// Opens as `open(_:info:)` does, and derives the secret the sender exported under
    /// `context` from the same context (`KeyWrap.seal(_:to:suite:info:exporting:)`).
    public func open(_ wrapped: WrappedKey, info: [UInt8], exporting context: [UInt8]) throws(VaultError) -> (key: DataKey, exported: DataKey) {
        let (key, exported) = try open(wrapped, info: info, export: context)
        guard let exported else { throw VaultError(.cryptoFailure, "the HPKE export is missing") }
        return (key, exported)
    }

    private func open(_ wrapped: WrappedKey, info: [UInt8], export context: [UInt8]?) throws(VaultError) -> (key: DataKey, exported: DataKey?) {
        try KeyWrap.checkShape(wrapped, suite: suite)
        if case .x25519(let key) = privateKey {
            // RFC 9180 §7.1.4, recipient side (see `KeyWrap.isLowOrder`).
            let enc = try? Curve25519.KeyAgreement.PublicKey(rawRepresentation: wrapped.encapsulatedKey)
            guard let enc, !KeyWrap.isLowOrder(enc, scalar: key) else {
                throw VaultError(.malformed, "the x25519 encapsulated key is a low-order point")
            }
        }
        let opened: (plaintext: Data, exported: SymmetricKey?)
        do {
            switch privateKey {
            case .x25519(let key):
                opened = try KeyWrap.open(
                    privateKey: key, ciphersuite: suite.ciphersuite, encapsulatedKey: wrapped.encapsulatedKey, ciphertext: wrapped.ciphertext,
                    info: info, export: context)
            case .xwing(let key):
                opened = try KeyWrap.open(
                    privateKey: key, ciphersuite: suite.ciphersuite, encapsulatedKey: wrapped.encapsulatedKey, ciphertext: wrapped.ciphertext,
                    info: info, export: context)
            }
        } catch {
            throw VaultError(
                .decryptionFailed, "the \(suite.id) wrapped key does not open with this key and info: wrong recipient, wrong info, or tampered")
        }
        return (try DataKey(bytes: SymmetricKey(data: opened.plaintext)), try opened.exported.map { k throws(VaultError) in try DataKey(bytes: k) })
    }

    public var description: String { "KeyWrapKeyPair(\(suite.id), private key <redacted>)" }
    public var debugDescription: String { description }
    public var customMirror: Mirror { Mirror(self, children: ["suite": suite.id, "privateKey": "<redacted>"]) }
}
