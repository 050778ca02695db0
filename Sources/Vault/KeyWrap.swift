import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// HPKE (RFC 9180, base mode, single shot) sealing of data keys to a recipient public key.
///
/// The sender side: the broker sealing a key to a workload's one-time key in a grant, or an owner
/// sealing a key to the broker's vault key in a vault put. The recipient side is
/// `KeyWrapKeyPair.open`. The HPKE `aad` is empty: everything the seal must be bound to goes in
/// `info`, which both sides derive from the request (lease, key id, ...), so there is one place
/// to get the binding right.
public enum KeyWrap {
    /// Seals `key` to `recipientPublicKey` (the suite's HPKE serialization, length checked).
    public static func seal(_ key: DataKey, to recipientPublicKey: [UInt8], suite: KeyWrapSuite, info: [UInt8]) throws(VaultError) -> WrappedKey {
        try seal(key, to: recipientPublicKey, suite: suite, info: info, export: nil).wrapped
    }

    /// Seals `key` as `seal` does, and exports a secret from the same HPKE context (RFC 9180
    /// §5.3, `Export(exporter_context, L)`): a second key for the recipient without a second
    /// encapsulation. Only the holder of the recipient's private key can derive it
    /// (`KeyWrapKeyPair.open(_:info:exporting:)`), and it is bound to `info` like the seal.
    public static func seal(
        _ key: DataKey, to recipientPublicKey: [UInt8], suite: KeyWrapSuite, info: [UInt8],
        exporting context: [UInt8]
    ) throws(VaultError) -> (wrapped: WrappedKey, exported: DataKey) {
        let (wrapped, exported) = try seal(key, to: recipientPublicKey, suite: suite, info: info, export: context)
        guard let exported else { throw VaultError(.cryptoFailure, "the HPKE export is missing") }
        return (wrapped, exported)
    }

    private static func seal(
        _ key: DataKey, to recipientPublicKey: [UInt8], suite: KeyWrapSuite, info: [UInt8],
        export context: [UInt8]?
    ) throws(VaultError) -> (wrapped: WrappedKey, exported: DataKey?) {
        guard recipientPublicKey.count == suite.publicKeyByteCount else {
            throw VaultError(.invalidKey, "a \(suite.id) public key is \(suite.publicKeyByteCount) bytes, got \(recipientPublicKey.count)")
        }
        do {
            var sender: HPKE.Sender
            switch suite {
            case .x25519SHA256AES256GCM:
                let pk = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: recipientPublicKey)
                guard !isLowOrder(pk) else {
                    throw VaultError(.invalidKey, "the x25519 public key is a low-order point: anything sealed to it could be read by anyone")
                }
                sender = try HPKE.Sender(recipientKey: pk, ciphersuite: suite.ciphersuite, info: Data(info))
            case .xwingSHA256AES256GCM:
                let pk = try XWingMLKEM768X25519.PublicKey(rawRepresentation: recipientPublicKey)
                sender = try HPKE.Sender(recipientKey: pk, ciphersuite: suite.ciphersuite, info: Data(info))
            }
            let ciphertext = try key.withUnsafeBytes { try sender.seal($0) }
            let exported = try context.map { try DataKey(bytes: try sender.exportSecret(context: $0, outputByteCount: exportByteCount)) }
            return (WrappedKey(encapsulatedKey: Array(sender.encapsulatedKey), ciphertext: Array(ciphertext)), exported)
        } catch let error as VaultError {
            throw error
        } catch {
            throw VaultError(.invalidKey, "cannot seal to this \(suite.id) public key: \(error)")
        }
    }

    /// The scalar `isLowOrder` multiplies by when the caller has none of its own.
    static let lowOrderProbe = Curve25519.KeyAgreement.PrivateKey()

    /// RFC 9180 §7.1.4: X25519 senders and recipients MUST abort when the DH output is all
    /// zeros. swift-crypto 4.5.2 (Linux/BoringSSL) does not: it seals to the all-zero point
    /// without complaint, and the "secret" is then computable by anyone. A point gives an
    /// all-zero output with every clamped scalar exactly when it is of low order, so one
    /// agreement with `scalar` (a throwaway key, or the recipient's own) decides it. The point
    /// is public, so the comparison need not be constant-time; it is anyway (OR-accumulate).
    /// Any clamped scalar decides it, so the sender's check reuses one process-wide scalar
    /// (`lowOrderProbe`) rather than generating a key per seal; it protects nothing, so it
    /// need not be secret or fresh.
    static func isLowOrder(_ point: Curve25519.KeyAgreement.PublicKey, scalar: Curve25519.KeyAgreement.PrivateKey = lowOrderProbe) -> Bool {
        guard let shared = try? scalar.sharedSecretFromKeyAgreement(with: point) else { return true }
        return shared.withUnsafeBytes { bytes in bytes.reduce(UInt8(0)) { $0 | $1 } == 0 }
    }

    /// Checks the shape of `wrapped` for `suite` before any cryptography runs, so a truncated or
    /// padded value is reported as malformed rather than as a failed decryption.
    static func checkShape(_ wrapped: WrappedKey, suite: KeyWrapSuite) throws(VaultError) {
        guard wrapped.encapsulatedKey.count == suite.encapsulatedKeyByteCount else {
            throw VaultError(
                .malformed, "a \(suite.id) encapsulated key is \(suite.encapsulatedKeyByteCount) bytes, got \(wrapped.encapsulatedKey.count)")
        }
        let range = (DataKey.byteCountRange.lowerBound + KeyWrapSuite.tagByteCount)...(DataKey.byteCountRange.upperBound + KeyWrapSuite.tagByteCount)
        guard range.contains(wrapped.ciphertext.count) else {
            throw VaultError(
                .malformed, "a wrapped key's ciphertext is \(range.lowerBound)...\(range.upperBound) bytes, got \(wrapped.ciphertext.count)")
        }
    }

    /// The length of an exported secret: 32 bytes, an HMAC-SHA256 or AES-256 key.
    public static let exportByteCount = 32

    /// RFC 9180 base-mode single-shot open with a DHKEM private key and any ciphersuite.
    /// Internal so the RFC's own test vectors (other AEADs) can exercise the same code path.
    static func open<SK: HPKEDiffieHellmanPrivateKey>(
        privateKey: SK, ciphersuite: HPKE.Ciphersuite, encapsulatedKey: [UInt8], ciphertext: [UInt8], info: [UInt8], aad: [UInt8] = []
    ) throws -> Data {
        try open(
            privateKey: privateKey, ciphersuite: ciphersuite, encapsulatedKey: encapsulatedKey, ciphertext: ciphertext, info: info, aad: aad,
            export: nil
        ).plaintext
    }

    /// The open, and the secret exported under `export` from the same context (if asked).
    static func open<SK: HPKEDiffieHellmanPrivateKey>(
        privateKey: SK, ciphersuite: HPKE.Ciphersuite, encapsulatedKey: [UInt8], ciphertext: [UInt8], info: [UInt8], aad: [UInt8] = [],
        export: [UInt8]?
    ) throws -> (plaintext: Data, exported: SymmetricKey?) {
        var recipient = try HPKE.Recipient(privateKey: privateKey, ciphersuite: ciphersuite, info: Data(info), encapsulatedKey: Data(encapsulatedKey))
        let plaintext = try recipient.open(ciphertext, authenticating: aad)
        return (plaintext, try export.map { try recipient.exportSecret(context: $0, outputByteCount: exportByteCount) })
    }

    /// The same for a KEM private key (X-Wing).
    static func open<SK: HPKEKEMPrivateKey>(
        privateKey: SK, ciphersuite: HPKE.Ciphersuite, encapsulatedKey: [UInt8], ciphertext: [UInt8], info: [UInt8], aad: [UInt8] = [],
        export: [UInt8]?
    ) throws -> (plaintext: Data, exported: SymmetricKey?) {
        var recipient = try HPKE.Recipient(privateKey: privateKey, ciphersuite: ciphersuite, info: Data(info), encapsulatedKey: Data(encapsulatedKey))
        let plaintext = try recipient.open(ciphertext, authenticating: aad)
        return (plaintext, try export.map { try recipient.exportSecret(context: $0, outputByteCount: exportByteCount) })
    }
}
