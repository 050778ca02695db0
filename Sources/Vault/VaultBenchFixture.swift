/// Ready-made inputs for `leasehold bench vault`: every operation the broker does per request,
/// callable in a loop with all set-up (HKDF derivations, key generation) done once in `init`.
///
/// Each method does exactly one operation of the real path and returns something derived from
/// its output so the optimizer cannot drop the call. Timing is the caller's business.
public struct VaultBenchFixture: Sendable {
    public let suite: KeyWrapSuite
    private let cipher: VaultCipher
    private let key: DataKey
    private let record: [UInt8]
    private let recipient: KeyWrapKeyPair
    private let info: [UInt8]
    private let wrapped: WrappedKey

    public init(suite: KeyWrapSuite = .default) throws(VaultError) {
        self.suite = suite
        self.cipher = VaultCipher(rootKey: RootKey.generate())
        self.key = try DataKey.generate()
        self.record = try cipher.seal(key, owner: "bench-owner", keyId: "bench-key", version: 1)
        self.recipient = try KeyWrapKeyPair.generate(suite: suite)
        self.info = Array("leasehold/v1 grant bench".utf8)
        self.wrapped = try KeyWrap.seal(key, to: recipient.publicKey, suite: suite, info: info)
    }

    /// AES-256-GCM seal of a 32-byte key into a stored record (vault put, server side).
    public func sealRecord() throws(VaultError) -> Int {
        try cipher.seal(key, owner: "bench-owner", keyId: "bench-key", version: 1).count
    }

    /// Parse + AES-256-GCM open of a stored record (every grant, once per key).
    public func openRecord() throws(VaultError) -> Int {
        try cipher.open(record, owner: "bench-owner", keyId: "bench-key", version: 1).byteCount
    }

    /// HPKE seal of a key to the workload's public key (every grant, once per key).
    public func wrap() throws(VaultError) -> Int {
        try KeyWrap.seal(key, to: recipient.publicKey, suite: suite, info: info).ciphertext.count
    }

    /// HPKE open on the workload side (LeaseholdClient).
    public func unwrap() throws(VaultError) -> Int {
        try recipient.open(wrapped, info: info).byteCount
    }

    /// One-time key pair generation on the workload side.
    public func generateKeyPair() throws(VaultError) -> Int {
        try KeyWrapKeyPair.generate(suite: suite).publicKey.count
    }
}
