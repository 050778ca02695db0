/// The guest policy the hypervisor launched the VM with (SEV-SNP ABI spec, "Guest Policy").
///
/// | bits  | field |
/// |-------|-------|
/// | 7:0   | ABI_MINOR: minimum firmware ABI minor version |
/// | 15:8  | ABI_MAJOR: minimum firmware ABI major version |
/// | 16    | SMT: simultaneous multithreading allowed |
/// | 17    | reserved, must be one |
/// | 18    | MIGRATE_MA: a migration agent may be associated |
/// | 19    | DEBUG: the host may read and write guest memory with SNP_DBG_* commands |
/// | 20    | SINGLE_SOCKET: the guest may run on one socket only |
/// | 21    | CXL_ALLOW: CXL memory may back guest memory |
/// | 22    | MEM_AES_256_XTS: AES-256-XTS memory encryption required |
/// | 23    | RAPL_DIS: running average power limit must be disabled |
/// | 24    | CIPHERTEXT_HIDING_DRAM: ciphertext hiding required |
/// | 25    | PAGE_SWAP_DISABLE: guest page swap commands are refused |
/// | 63:26 | reserved, must be zero |
///
/// A policy bit this parser does not know could relax a guarantee the broker relies on, so
/// unknown bits are refused rather than ignored.
public struct SNPGuestPolicy: Sendable, Hashable {
    public var raw: UInt64
    public var abiMinor: UInt8 { UInt8(truncatingIfNeeded: raw) }
    public var abiMajor: UInt8 { UInt8(truncatingIfNeeded: raw >> 8) }
    public var smt: Bool { bit(16) }
    public var migrationAgent: Bool { bit(18) }
    public var debug: Bool { bit(19) }
    public var singleSocket: Bool { bit(20) }
    public var cxlAllowed: Bool { bit(21) }
    public var memAES256XTS: Bool { bit(22) }
    public var raplDisabled: Bool { bit(23) }
    public var ciphertextHiding: Bool { bit(24) }
    public var pageSwapDisabled: Bool { bit(25) }

    private func bit(_ n: UInt64) -> Bool { raw >> n & 1 == 1 }

    init(raw: UInt64) throws(AttestationError) {
        self.raw = raw
        guard raw >> 17 & 1 == 1 else {
            throw AttestationError(.malformed, "guest policy \(SNPHex.u64(raw)) has reserved bit 17 clear; the ABI requires it set")
        }
        guard raw >> 26 == 0 else {
            throw AttestationError(.malformed, "guest policy \(SNPHex.u64(raw)) sets reserved bits 63:26")
        }
    }
}

extension SNPGuestPolicy: Encodable {
    private enum CodingKeys: String, CodingKey {
        case raw, abiMajor, abiMinor, smt, migrationAgent, debug, singleSocket, cxlAllowed, memAES256XTS
        case raplDisabled, ciphertextHiding, pageSwapDisabled
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SNPHex.u64(raw), forKey: .raw)
        try c.encode(abiMajor, forKey: .abiMajor)
        try c.encode(abiMinor, forKey: .abiMinor)
        try c.encode(smt, forKey: .smt)
        try c.encode(migrationAgent, forKey: .migrationAgent)
        try c.encode(debug, forKey: .debug)
        try c.encode(singleSocket, forKey: .singleSocket)
        try c.encode(cxlAllowed, forKey: .cxlAllowed)
        try c.encode(memAES256XTS, forKey: .memAES256XTS)
        try c.encode(raplDisabled, forKey: .raplDisabled)
        try c.encode(ciphertextHiding, forKey: .ciphertextHiding)
        try c.encode(pageSwapDisabled, forKey: .pageSwapDisabled)
    }
}
