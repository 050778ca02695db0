/// Attestation evidence as received from a workload, before any verification.
///
/// `bytes` is the report, quote or attestation document exactly as produced by the hardware.
/// `collateral` is everything else the workload or operator supplied for verifying it:
/// certificates (DER or PEM), CRLs, TCB info and QE identity JSON. Each verifier recognises
/// the pieces it needs by content, so callers never have to label them.
public struct Evidence: Sendable, Hashable {
    public var tee: TEE
    public var bytes: [UInt8]
    public var collateral: [[UInt8]]

    public init(tee: TEE, bytes: [UInt8], collateral: [[UInt8]] = []) {
        self.tee = tee
        self.bytes = bytes
        self.collateral = collateral
    }
}
