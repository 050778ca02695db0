import Crypto

/// The HPKE (RFC 9180) suites a key can be wrapped with, by stable wire id.
///
/// The ids travel in grant requests (`suite`), are bound into report data (`lp(suiteId)`) and are
/// written in logs, so they are never renamed. Both suites use base mode, HKDF-SHA256 and
/// AES-256-GCM; they differ in the KEM:
///
/// | wire id                   | KEM (RFC 9180 / draft id)                     | KDF    | AEAD   | pk bytes | enc bytes |
/// |---------------------------|-----------------------------------------------|--------|--------|----------|-----------|
/// | `x25519-sha256-aes256gcm` | DHKEM(X25519, HKDF-SHA256), 0x0020            | 0x0001 | 0x0002 | 32       | 32        |
/// | `xwing-sha256-aes256gcm`  | X-Wing (ML-KEM-768 + X25519), 0x647a          | 0x0001 | 0x0002 | 1216     | 1120      |
///
/// X-Wing is the post-quantum choice (draft-connolly-cfrg-xwing-kem, as swift-crypto 4.5.2
/// implements it): a key wrapped today stays secret even if X25519 falls later.
public enum KeyWrapSuite: String, Sendable, CaseIterable, Codable {
    case x25519SHA256AES256GCM = "x25519-sha256-aes256gcm"
    case xwingSHA256AES256GCM = "xwing-sha256-aes256gcm"

    /// The default of DESIGN.md: DHKEM(X25519, HKDF-SHA256) / HKDF-SHA256 / AES-256-GCM.
    public static let `default`: KeyWrapSuite = .x25519SHA256AES256GCM

    /// The wire id (`rawValue`), spelled out for call sites that build report data.
    public var id: String { rawValue }

    /// Parses a wire id; unknown ids are an error, never a fallback to the default.
    public init(id: String) throws(VaultError) {
        guard let suite = KeyWrapSuite(rawValue: id) else {
            let known = KeyWrapSuite.allCases.map(\.rawValue).joined(separator: ", ")
            throw VaultError(.unsupported, "unknown key-wrap suite '\(id)'; known: \(known)")
        }
        self = suite
    }

    /// Length of a recipient public key in its HPKE serialization (`SerializePublicKey`).
    public var publicKeyByteCount: Int {
        switch self {
        case .x25519SHA256AES256GCM: 32
        case .xwingSHA256AES256GCM: 1216
        }
    }

    /// Length of the encapsulated key (`enc`) a seal produces.
    public var encapsulatedKeyByteCount: Int {
        switch self {
        case .x25519SHA256AES256GCM: 32
        case .xwingSHA256AES256GCM: 1120
        }
    }

    /// AES-GCM tag added to every ciphertext.
    static let tagByteCount = 16

    var ciphersuite: HPKE.Ciphersuite {
        switch self {
        case .x25519SHA256AES256GCM: HPKE.Ciphersuite(kem: .Curve25519_HKDF_SHA256, kdf: .HKDF_SHA256, aead: .AES_GCM_256)
        case .xwingSHA256AES256GCM: .XWingMLKEM768X25519_SHA256_AES_GCM_256
        }
    }
}
