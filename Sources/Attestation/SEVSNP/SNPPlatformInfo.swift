/// PLATFORM_INFO: the platform's state when the report was made (SEV-SNP ABI spec).
///
/// | bit | field |
/// |-----|-------|
/// | 0   | SMT_EN: SMT is enabled on the host |
/// | 1   | TSME_EN: transparent SME is enabled |
/// | 2   | ECC_EN: the platform uses ECC memory |
/// | 3   | RAPL_DIS: RAPL is disabled |
/// | 4   | CIPHERTEXT_HIDING_EN: ciphertext hiding is enabled for DRAM |
/// | 5   | ALIAS_CHECK_COMPLETE: the memory alias check completed (report version 3+) |
/// | 7   | SEV_TIO_EN: SEV-TIO is enabled (report version 5) |
///
/// Unlike the guest policy, these bits describe the host rather than constrain the guest,
/// and AMD adds new ones as features ship; the raw value is kept and unknown bits are not
/// refused, so a firmware update on the host does not break attestation.
public struct SNPPlatformInfo: Sendable, Hashable {
    public var raw: UInt64
    public var smtEnabled: Bool { bit(0) }
    public var tsmeEnabled: Bool { bit(1) }
    public var eccEnabled: Bool { bit(2) }
    public var raplDisabled: Bool { bit(3) }
    public var ciphertextHidingEnabled: Bool { bit(4) }
    public var aliasCheckComplete: Bool { bit(5) }
    public var tioEnabled: Bool { bit(7) }

    private func bit(_ n: UInt64) -> Bool { raw >> n & 1 == 1 }
}

extension SNPPlatformInfo: Encodable {
    private enum CodingKeys: String, CodingKey {
        case raw, smtEnabled, tsmeEnabled, eccEnabled, raplDisabled, ciphertextHidingEnabled, aliasCheckComplete, tioEnabled
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SNPHex.u64(raw), forKey: .raw)
        try c.encode(smtEnabled, forKey: .smtEnabled)
        try c.encode(tsmeEnabled, forKey: .tsmeEnabled)
        try c.encode(eccEnabled, forKey: .eccEnabled)
        try c.encode(raplDisabled, forKey: .raplDisabled)
        try c.encode(ciphertextHidingEnabled, forKey: .ciphertextHidingEnabled)
        try c.encode(aliasCheckComplete, forKey: .aliasCheckComplete)
        try c.encode(tioEnabled, forKey: .tioEnabled)
    }
}
