/// Why the vault refused to seal, open, wrap or load something.
///
/// Same shape as `AttestationError`: a stable kebab-case `code` the broker can put in a
/// `key.denied` entry or an HTTP body, and a `reason` a person can act on. Reasons never
/// contain key material: they name lengths, files and ids only.
public struct VaultError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// Bytes (a sealed record, an encapsulated key, a ciphertext) do not have the layout the format says.
        public static let malformed = Code(rawValue: "malformed")
        /// Authentication failed: wrong key, wrong owner/key id/version/info, or tampered bytes.
        /// Deliberately one code for all of these so a caller learns nothing about which part was wrong.
        public static let decryptionFailed = Code(rawValue: "decryption-failed")
        /// A public key, private key or data key has the wrong length or is not a valid key.
        public static let invalidKey = Code(rawValue: "invalid-key")
        /// An owner or key id is empty or too long to be bound into associated data.
        public static let invalidIdentifier = Code(rawValue: "invalid-identifier")
        /// A key-wrap suite id or a record format version this build does not know.
        public static let unsupported = Code(rawValue: "unsupported")
        /// The root key could not be read, created or decoded.
        public static let rootKeyUnavailable = Code(rawValue: "root-key-unavailable")
        /// The root key file is readable or writable by group or others (or is not a regular file).
        public static let rootKeyInsecure = Code(rawValue: "root-key-insecure")
        /// The cryptographic library failed for a reason that is not the caller's input (e.g. no entropy).
        public static let cryptoFailure = Code(rawValue: "crypto-failure")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
