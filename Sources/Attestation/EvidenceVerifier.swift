import Foundation

/// Verifies that evidence is genuine: well formed, signed by hardware that chains to a pinned
/// vendor root, with current collateral at the given time.
///
/// A verifier decides *genuineness* only. Whether genuine evidence is *acceptable* (its
/// measurement, debug flag, TCB status) is policy, decided by `EvidencePolicy` on the CLI and
/// by the lease manifest in the broker. The time is always injected: real evidence expires,
/// and tests must be able to verify it at the moment it was valid.
public protocol EvidenceVerifier: Sendable {
    var tee: TEE { get }
    func verify(_ evidence: Evidence, at time: Date) throws(AttestationError) -> any TEEClaims
}

/// The claims of verified evidence, for policy and for the log.
///
/// Each TEE has its own concrete type (SEV-SNP, DCAP, Nitro, sandbox) with every field its
/// hardware reports; this protocol is the part policy can treat uniformly. `Encodable` gives
/// the CLI's `--json` output: implementations must encode at least `tee`, `measurement` (hex),
/// `reportData` (hex), `debug`, plus their own fields (hex for byte strings).
public protocol TEEClaims: Sendable, Encodable {
    var tee: TEE { get }
    /// The primary measurement: SNP MEASUREMENT, TDX MRTD, SGX MRENCLAVE, Nitro PCR0.
    var measurement: [UInt8] { get }
    /// The 64 bytes the workload bound into its evidence (Nitro: `user_data`, may be empty).
    var reportData: [UInt8] { get }
    /// True when the TEE runs in a debug mode in which its memory can be read by the host.
    var debug: Bool { get }
    /// DCAP's TCB status (`UpToDate`, `OutOfDate`, ...); nil for TEEs without one.
    var tcbStatus: String? { get }
    /// Nitro carries the challenge nonce in its own field; nil elsewhere.
    var nonce: [UInt8]? { get }
    /// Nitro carries the workload's public key in its own field; nil elsewhere.
    var publicKey: [UInt8]? { get }
}

extension TEEClaims {
    public var tcbStatus: String? { nil }
    public var nonce: [UInt8]? { nil }
    public var publicKey: [UInt8]? { nil }
}
