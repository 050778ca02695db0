/// A data key HPKE-sealed to one recipient: what a grant response or a vault put carries.
///
/// Plain values, no secrets: without the recipient's private key and the exact `info` they are
/// useless. Lengths are checked when opened, against the suite the caller expects.
public struct WrappedKey: Sendable, Hashable {
    /// HPKE `enc`: the sender's ephemeral public key (X25519) or the KEM ciphertext (X-Wing).
    public var encapsulatedKey: [UInt8]
    /// The AES-256-GCM ciphertext of the data key, tag included (key length + 16 bytes).
    public var ciphertext: [UInt8]

    public init(encapsulatedKey: [UInt8], ciphertext: [UInt8]) {
        self.encapsulatedKey = encapsulatedKey
        self.ciphertext = ciphertext
    }
}
