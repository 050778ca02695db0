/// What the workload wants its evidence to carry.
///
/// `reportData` is the 64-byte binding digest (`LeaseBinding.reportData` on the client side);
/// SEV-SNP, TDX and SGX put it in their report data, Nitro in `user_data`. Nitro's document
/// also carries the challenge `nonce` and the workload's `publicKey`, because the broker
/// compares those fields too (`PolicyMatcher.checkBinding`); the other TEEs ignore them.
public struct AttestationRequest: Sendable, Hashable {
    /// Exactly 64 bytes: the SEV-SNP and TDX kernels refuse anything else with EINVAL.
    public let reportData: [UInt8]
    /// The broker's challenge nonce (Nitro `nonce`), at most 1024 bytes.
    public let nonce: [UInt8]?
    /// The workload's one-time public key (Nitro `public_key`). A key longer than 1024 bytes
    /// (an X-Wing key is 1216) does not fit NSM's field; it is then left out, and the broker
    /// requires the field to be empty (the report data already covers the key).
    public let publicKey: [UInt8]?

    public static let reportDataSize = 64
    /// NSM's limit for `user_data`, `nonce` and `public_key` (nsm-api CDDL `bytes .size (0..1024)`).
    public static let nitroFieldLimit = 1024

    public init(reportData: [UInt8], nonce: [UInt8]? = nil, publicKey: [UInt8]? = nil) throws(AttesterError) {
        guard reportData.count == Self.reportDataSize else {
            throw AttesterError(.badRequest, "report data must be exactly \(Self.reportDataSize) bytes, not \(reportData.count)")
        }
        if let nonce, nonce.count > Self.nitroFieldLimit {
            throw AttesterError(.badRequest, "the nonce is \(nonce.count) bytes; NSM takes at most \(Self.nitroFieldLimit)")
        }
        self.reportData = reportData
        self.nonce = nonce
        self.publicKey = publicKey
    }
}
