import Codecs

/// Which Nitro enclaves a lease accepts: the PCRs that must match, and whether debug-mode
/// enclaves are allowed. Applied to `NitroClaims` after `NitroVerifier` has established the
/// document is genuine.
///
/// PCR0 is required because it identifies the enclave image; the others narrow the match:
/// PCR1 kernel/bootstrap, PCR2 application, PCR3 parent instance IAM role, PCR4 parent
/// instance ID, PCR8 the image's signing certificate.
public struct NitroPolicy: Sendable, Hashable {
    public var pcr0: [UInt8]
    public var pcr1: [UInt8]?
    public var pcr2: [UInt8]?
    public var pcr3: [UInt8]?
    public var pcr4: [UInt8]?
    public var pcr8: [UInt8]?
    /// Accept a debug-mode enclave (PCR0/1/2 all zero). Off by default: its console is
    /// readable from the parent instance, and its PCRs no longer identify any image.
    public var allowDebug: Bool

    public init(
        pcr0: [UInt8], pcr1: [UInt8]? = nil, pcr2: [UInt8]? = nil, pcr3: [UInt8]? = nil,
        pcr4: [UInt8]? = nil, pcr8: [UInt8]? = nil, allowDebug: Bool = false
    ) {
        self.pcr0 = pcr0
        self.pcr1 = pcr1
        self.pcr2 = pcr2
        self.pcr3 = pcr3
        self.pcr4 = pcr4
        self.pcr8 = pcr8
        self.allowDebug = allowDebug
    }

    public func check(_ claims: NitroClaims) throws(AttestationError) {
        // Debug first: a debug enclave's PCRs are zero, so it would also fail the PCR match,
        // but "debug" is the reason a person can act on.
        if claims.debug && !allowDebug {
            throw AttestationError(
                .debugNotAllowed,
                "the Nitro enclave runs in debug mode (PCR0, PCR1 and PCR2 are zero), so the parent instance can read its console; allow debug only for development"
            )
        }
        let expected: [(Int, [UInt8]?)] = [(0, pcr0), (1, pcr1), (2, pcr2), (3, pcr3), (4, pcr4), (8, pcr8)]
        for (index, value) in expected {
            guard let value else { continue }
            guard let actual = claims.pcrs[index] else {
                throw AttestationError(.measurementMismatch, "the Nitro document has no PCR\(index), which the policy requires")
            }
            guard ConstantTime.equal(actual, value) else {
                throw AttestationError(.measurementMismatch, "Nitro PCR\(index) is \(Hex.encode(actual)), the policy requires \(Hex.encode(value))")
            }
        }
    }
}
