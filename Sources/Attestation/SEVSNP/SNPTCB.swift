/// A decoded TCB_VERSION: the security version numbers of the firmware components the
/// platform runs (SEV-SNP ABI spec, "TCB_VERSION Structure").
///
/// The 64-bit value is stored little-endian; its byte layout depends on the product:
///
/// | byte | Milan, Genoa (legacy) | Turin |
/// |------|-----------------------|-------|
/// | 0    | BOOT_LOADER           | FMC |
/// | 1    | TEE                   | BOOT_LOADER |
/// | 2    | reserved (0)          | TEE |
/// | 3    | reserved (0)          | SNP |
/// | 4-5  | reserved (0)          | reserved (0) |
/// | 6    | SNP                   | reserved (0) |
/// | 7    | MICROCODE             | MICROCODE |
///
/// The VCEK is issued for one exact TCB, and policy compares each component separately, so
/// the components are typed fields and the raw value is kept only for display.
public struct SNPTCB: Sendable, Hashable {
    public enum Layout: String, Sendable, Hashable {
        case legacy
        case turin
    }

    /// The raw 64-bit value as the firmware reported it.
    public var raw: UInt64
    /// FMC SVN; present on Turin only.
    public var fmc: UInt8?
    public var bootloader: UInt8
    public var tee: UInt8
    public var snp: UInt8
    public var microcode: UInt8

    /// Decodes `raw` for the given layout, refusing a non-zero reserved byte.
    init(raw: UInt64, layout: Layout, field: String) throws(AttestationError) {
        func byte(_ i: Int) -> UInt8 { UInt8(truncatingIfNeeded: raw >> (8 * UInt64(i))) }
        let reserved: [Int]
        switch layout {
        case .legacy:
            fmc = nil
            bootloader = byte(0); tee = byte(1); snp = byte(6); microcode = byte(7)
            reserved = [2, 3, 4, 5]
        case .turin:
            fmc = byte(0)
            bootloader = byte(1); tee = byte(2); snp = byte(3); microcode = byte(7)
            reserved = [4, 5, 6]
        }
        self.raw = raw
        if let i = reserved.first(where: { byte($0) != 0 }) {
            throw AttestationError(.malformed, "\(field) \(SNPHex.u64(raw)) has non-zero reserved byte \(i) for the \(layout.rawValue) TCB layout")
        }
    }

    public init(fmc: UInt8? = nil, bootloader: UInt8, tee: UInt8, snp: UInt8, microcode: UInt8) {
        self.fmc = fmc
        self.bootloader = bootloader
        self.tee = tee
        self.snp = snp
        self.microcode = microcode
        let b: [UInt8] = fmc.map { [$0, bootloader, tee, snp, 0, 0, 0, microcode] } ?? [bootloader, tee, 0, 0, 0, 0, snp, microcode]
        self.raw = b.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }
}

extension SNPTCB: CustomStringConvertible {
    public var description: String {
        let base = "bootloader=\(bootloader) tee=\(tee) snp=\(snp) microcode=\(microcode)"
        return fmc.map { "fmc=\($0) " + base } ?? base
    }
}

extension SNPTCB: Encodable {
    private enum CodingKeys: String, CodingKey { case raw, fmc, bootloader, tee, snp, microcode }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(SNPHex.u64(raw), forKey: .raw)
        try c.encodeIfPresent(fmc, forKey: .fmc)
        try c.encode(bootloader, forKey: .bootloader)
        try c.encode(tee, forKey: .tee)
        try c.encode(snp, forKey: .snp)
        try c.encode(microcode, forKey: .microcode)
    }
}
