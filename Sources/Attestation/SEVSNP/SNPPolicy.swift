import Codecs

/// What a lease manifest (or the operator) requires of verified SEV-SNP claims.
///
/// Applied only to claims `SNPVerifier` produced, so every value compared here was signed by
/// the AMD secure processor. Identity values are compared in constant time: the broker answers
/// attackers, and a timing difference must not reveal how much of a measurement matched.
public struct SNPPolicy: Sendable, Hashable {
    /// Minimum security version per TCB component; each must be met on its own (a newer
    /// microcode does not make up for an older SNP firmware).
    public struct MinimumTCB: Sendable, Hashable {
        public var bootloader: UInt8
        public var tee: UInt8
        public var snp: UInt8
        public var microcode: UInt8
        /// Turin only; a report without an FMC component fails a policy that names one.
        public var fmc: UInt8?

        public init(bootloader: UInt8, tee: UInt8, snp: UInt8, microcode: UInt8, fmc: UInt8? = nil) {
            self.bootloader = bootloader
            self.tee = tee
            self.snp = snp
            self.microcode = microcode
            self.fmc = fmc
        }
    }

    /// The launch MEASUREMENT the workload must have (48 bytes).
    public var measurement: [UInt8]
    /// HOST_DATA the host must have set at launch (32 bytes), if the manifest names one.
    public var hostData: [UInt8]?
    /// ID_KEY_DIGEST of the ID block signer (48 bytes), if the manifest names one.
    public var idKeyDigest: [UInt8]?
    public var minimumReportedTCB: MinimumTCB?
    /// Accept a guest whose policy allows debugging. Off by default: the host can read a
    /// debuggable guest's memory, so keys released to it are not protected.
    public var allowDebug: Bool
    /// The least privileged VMPL allowed to request the report; nil accepts any.
    public var maxVMPL: UInt32?

    public init(
        measurement: [UInt8], hostData: [UInt8]? = nil, idKeyDigest: [UInt8]? = nil,
        minimumReportedTCB: MinimumTCB? = nil, allowDebug: Bool = false, maxVMPL: UInt32? = nil
    ) {
        self.measurement = measurement
        self.hostData = hostData
        self.idKeyDigest = idKeyDigest
        self.minimumReportedTCB = minimumReportedTCB
        self.allowDebug = allowDebug
        self.maxVMPL = maxVMPL
    }

    public func check(_ claims: SNPClaims) throws(AttestationError) {
        guard ConstantTime.equal(claims.measurement, measurement) else {
            throw AttestationError(
                .measurementMismatch,
                "the SNP MEASUREMENT \(Hex.encode(claims.measurement)) is not the one the policy names (\(Hex.encode(measurement)))")
        }
        if let hostData, !ConstantTime.equal(claims.hostData, hostData) {
            throw AttestationError(.measurementMismatch, "the SNP HOST_DATA \(Hex.encode(claims.hostData)) is not the one the policy names")
        }
        if let idKeyDigest, !ConstantTime.equal(claims.idKeyDigest, idKeyDigest) {
            throw AttestationError(.measurementMismatch, "the SNP ID_KEY_DIGEST \(Hex.encode(claims.idKeyDigest)) is not the one the policy names")
        }
        if claims.debug && !allowDebug {
            throw AttestationError(
                .debugNotAllowed, "the SNP guest policy allows debugging (bit 19), so the host can read its memory; allow debug only for development")
        }
        if let maxVMPL, claims.vmpl > maxVMPL {
            throw AttestationError(.vmplNotAllowed, "the report was requested at VMPL \(claims.vmpl); the policy allows VMPL \(maxVMPL) at most")
        }
        if let minimum = minimumReportedTCB {
            try Self.check(claims.reportedTCB, meets: minimum)
        }
    }

    private static func check(_ tcb: SNPTCB, meets minimum: MinimumTCB) throws(AttestationError) {
        var low: [String] = []
        if tcb.bootloader < minimum.bootloader { low.append("bootloader \(tcb.bootloader) < \(minimum.bootloader)") }
        if tcb.tee < minimum.tee { low.append("tee \(tcb.tee) < \(minimum.tee)") }
        if tcb.snp < minimum.snp { low.append("snp \(tcb.snp) < \(minimum.snp)") }
        if tcb.microcode < minimum.microcode { low.append("microcode \(tcb.microcode) < \(minimum.microcode)") }
        if let fmc = minimum.fmc {
            if let reported = tcb.fmc {
                if reported < fmc { low.append("fmc \(reported) < \(fmc)") }
            } else {
                low.append("fmc absent (not a Turin report) < \(fmc)")
            }
        }
        guard low.isEmpty else {
            throw AttestationError(
                .tcbTooLow, "the reported TCB is below the policy minimum: \(low.joined(separator: ", ")); update the host firmware")
        }
    }
}
