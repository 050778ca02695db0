/// An SEV-SNP ATTESTATION_REPORT, parsed strictly and fully typed.
///
/// Layout (AMD SEV-SNP ABI specification, "ATTESTATION_REPORT Structure"; all integers
/// little-endian; 0x4A0 = 1184 bytes in every version):
///
/// | offset | size | field | versions |
/// |--------|------|-------|----------|
/// | 0x000 | 4   | VERSION (2, 3, 4 or 5) | all |
/// | 0x004 | 4   | GUEST_SVN | all |
/// | 0x008 | 8   | POLICY (see `SNPGuestPolicy`) | all |
/// | 0x010 | 16  | FAMILY_ID | all |
/// | 0x020 | 16  | IMAGE_ID | all |
/// | 0x030 | 4   | VMPL (0-3) | all |
/// | 0x034 | 4   | SIGNATURE_ALGO (1 = ECDSA P-384 with SHA-384) | all |
/// | 0x038 | 8   | CURRENT_TCB (see `SNPTCB`) | all |
/// | 0x040 | 8   | PLATFORM_INFO (see `SNPPlatformInfo`) | all |
/// | 0x048 | 4   | bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_KEY, bits 4:2 SIGNING_KEY (0 VCEK, 1 VLEK, 7 none), bits 31:5 reserved | all |
/// | 0x04C | 4   | reserved | all |
/// | 0x050 | 64  | REPORT_DATA | all |
/// | 0x090 | 48  | MEASUREMENT | all |
/// | 0x0C0 | 32  | HOST_DATA | all |
/// | 0x0E0 | 48  | ID_KEY_DIGEST | all |
/// | 0x110 | 48  | AUTHOR_KEY_DIGEST | all |
/// | 0x140 | 32  | REPORT_ID | all |
/// | 0x160 | 32  | REPORT_ID_MA | all |
/// | 0x180 | 8   | REPORTED_TCB | all |
/// | 0x188 | 1   | CPUID_FAM_ID (reserved in version 2) | 3+ |
/// | 0x189 | 1   | CPUID_MOD_ID (reserved in version 2) | 3+ |
/// | 0x18A | 1   | CPUID_STEP (reserved in version 2) | 3+ |
/// | 0x18B | 21  | reserved | all |
/// | 0x1A0 | 64  | CHIP_ID (zero when MASK_CHIP_ID is set) | all |
/// | 0x1E0 | 8   | COMMITTED_TCB | all |
/// | 0x1E8 | 1   | CURRENT_BUILD | all |
/// | 0x1E9 | 1   | CURRENT_MINOR | all |
/// | 0x1EA | 1   | CURRENT_MAJOR | all |
/// | 0x1EB | 1   | reserved | all |
/// | 0x1EC | 1   | COMMITTED_BUILD | all |
/// | 0x1ED | 1   | COMMITTED_MINOR | all |
/// | 0x1EE | 1   | COMMITTED_MAJOR | all |
/// | 0x1EF | 1   | reserved | all |
/// | 0x1F0 | 8   | LAUNCH_TCB | all |
/// | 0x1F8 | 8   | LAUNCH_MIT_VECTOR (reserved before version 5) | 5 |
/// | 0x200 | 8   | CURRENT_MIT_VECTOR (reserved before version 5) | 5 |
/// | 0x208 | 152 | reserved | all |
/// | 0x2A0 | 512 | SIGNATURE: R (72, little-endian), S (72, little-endian), reserved (368) | all |
///
/// The signature covers bytes 0x000-0x29F. Reserved ranges must be zero. Version 4 has the
/// version 3 layout. TCB values are decoded with the Turin layout when CPUID names family 1Ah,
/// otherwise with the Milan/Genoa layout (version 2 reports predate Turin).
///
/// The parser decides nothing about trust: it returns what the bytes say, or `malformed`.
public struct SNPReport: Sendable, Hashable {
    public static let size = 0x4A0
    /// The length of the signed prefix.
    public static let signedLength = 0x2A0
    public static let supportedVersions: ClosedRange<UInt32> = 2...5

    public enum SigningKey: String, Sendable, Hashable, Codable {
        case vcek = "VCEK"
        case vlek = "VLEK"
        /// The firmware did not sign the report.
        case none
    }

    /// CPUID(1) family, model and stepping of the processor (report version 3 and later).
    public struct CPUID: Sendable, Hashable, Encodable {
        public var family: UInt8
        public var model: UInt8
        public var stepping: UInt8
        /// The product these name, or nil for a processor AMD does not issue VCEKs for.
        public var product: SNPProduct? { SNPProduct(cpuidFamily: family, model: model) }
    }

    /// A firmware version (major.minor, build).
    public struct FirmwareVersion: Sendable, Hashable, Encodable {
        public var major: UInt8
        public var minor: UInt8
        public var build: UInt8
    }

    /// The ECDSA P-384 signature, converted to big-endian 48-byte scalars.
    public struct Signature: Sendable, Hashable {
        public var r: [UInt8]
        public var s: [UInt8]
        /// r || s, the form `P384.Signing.ECDSASignature(rawRepresentation:)` takes.
        var rawRepresentation: [UInt8] { r + s }
    }

    public var version: UInt32
    public var guestSVN: UInt32
    public var policy: SNPGuestPolicy
    public var familyID: [UInt8]
    public var imageID: [UInt8]
    public var vmpl: UInt32
    public var signatureAlgorithm: UInt32
    public var currentTCB: SNPTCB
    public var platformInfo: SNPPlatformInfo
    public var authorKeyEnabled: Bool
    public var maskChipID: Bool
    public var signingKey: SigningKey
    public var reportData: [UInt8]
    public var measurement: [UInt8]
    public var hostData: [UInt8]
    public var idKeyDigest: [UInt8]
    public var authorKeyDigest: [UInt8]
    public var reportID: [UInt8]
    public var reportIDMA: [UInt8]
    public var reportedTCB: SNPTCB
    /// nil in version 2 reports, and in later ones whose CPUID bytes are all zero.
    public var cpuid: CPUID?
    public var chipID: [UInt8]
    public var committedTCB: SNPTCB
    public var currentVersion: FirmwareVersion
    public var committedVersion: FirmwareVersion
    public var launchTCB: SNPTCB
    /// Version 5 and later.
    public var launchMitigationVector: UInt64?
    /// Version 5 and later.
    public var currentMitigationVector: UInt64?
    public var signature: Signature
    /// Bytes 0x000-0x29F, the message the signature covers.
    public var signedBytes: [UInt8]
    /// The TCB layout the TCB fields were decoded with.
    public var tcbLayout: SNPTCB.Layout

    /// Parses exactly one report: any other length (truncated, empty, trailing bytes) is refused.
    public init(parsing bytes: [UInt8]) throws(AttestationError) {
        guard bytes.count == Self.size else {
            throw AttestationError(.malformed, "an SEV-SNP attestation report is \(Self.size) bytes, got \(bytes.count)")
        }
        var r = ByteReader(bytes, structure: "SEV-SNP attestation report")
        version = try r.u32("VERSION")
        guard Self.supportedVersions.contains(version) else {
            throw AttestationError(.malformed, "attestation report version \(version) is not supported (2 to 5)")
        }
        guestSVN = try r.u32("GUEST_SVN")
        policy = try SNPGuestPolicy(raw: r.u64("POLICY"))
        familyID = try r.take(16, "FAMILY_ID")
        imageID = try r.take(16, "IMAGE_ID")
        vmpl = try r.u32("VMPL")
        guard vmpl <= 3 else {
            throw AttestationError(.malformed, "VMPL \(vmpl) is out of range 0-3")
        }
        signatureAlgorithm = try r.u32("SIGNATURE_ALGO")
        guard signatureAlgorithm == 1 else {
            throw AttestationError(.malformed, "signature algorithm \(signatureAlgorithm) is not ECDSA P-384 with SHA-384 (1)")
        }
        let currentTCBRaw = try r.u64("CURRENT_TCB")
        platformInfo = SNPPlatformInfo(raw: try r.u64("PLATFORM_INFO"))
        let keyInfo = try r.u32("KEY_INFO")
        guard keyInfo >> 5 == 0 else {
            throw AttestationError(.malformed, "key info 0x\(String(keyInfo, radix: 16)) sets reserved bits 31:5")
        }
        authorKeyEnabled = keyInfo & 1 == 1
        maskChipID = keyInfo >> 1 & 1 == 1
        switch keyInfo >> 2 & 7 {
        case 0: signingKey = .vcek
        case 1: signingKey = .vlek
        case 7: signingKey = .none
        case let k: throw AttestationError(.malformed, "SIGNING_KEY \(k) is reserved")
        }
        try r.reserved(4, "0x04C")
        reportData = try r.take(64, "REPORT_DATA")
        measurement = try r.take(48, "MEASUREMENT")
        hostData = try r.take(32, "HOST_DATA")
        idKeyDigest = try r.take(48, "ID_KEY_DIGEST")
        authorKeyDigest = try r.take(48, "AUTHOR_KEY_DIGEST")
        reportID = try r.take(32, "REPORT_ID")
        reportIDMA = try r.take(32, "REPORT_ID_MA")
        let reportedTCBRaw = try r.u64("REPORTED_TCB")
        if version >= 3 {
            let id = CPUID(family: try r.u8("CPUID_FAM_ID"), model: try r.u8("CPUID_MOD_ID"), stepping: try r.u8("CPUID_STEP"))
            cpuid = (id.family | id.model | id.stepping) == 0 ? nil : id
        } else {
            try r.reserved(3, "0x188 (CPUID in version 3+)")
            cpuid = nil
        }
        try r.reserved(21, "0x18B")
        chipID = try r.take(64, "CHIP_ID")
        let committedTCBRaw = try r.u64("COMMITTED_TCB")
        let currentBuild = try r.u8("CURRENT_BUILD"), currentMinor = try r.u8("CURRENT_MINOR"), currentMajor = try r.u8("CURRENT_MAJOR")
        currentVersion = FirmwareVersion(major: currentMajor, minor: currentMinor, build: currentBuild)
        try r.reserved(1, "0x1EB")
        let committedBuild = try r.u8("COMMITTED_BUILD"), committedMinor = try r.u8("COMMITTED_MINOR"), committedMajor = try r.u8("COMMITTED_MAJOR")
        committedVersion = FirmwareVersion(major: committedMajor, minor: committedMinor, build: committedBuild)
        try r.reserved(1, "0x1EF")
        let launchTCBRaw = try r.u64("LAUNCH_TCB")
        if version >= 5 {
            launchMitigationVector = try r.u64("LAUNCH_MIT_VECTOR")
            currentMitigationVector = try r.u64("CURRENT_MIT_VECTOR")
        } else {
            try r.reserved(16, "0x1F8 (mitigation vectors in version 5)")
            launchMitigationVector = nil
            currentMitigationVector = nil
        }
        try r.reserved(0x2A0 - 0x208, "0x208")
        signature = try Self.parseSignature(&r)
        guard r.remaining == 0 else {
            throw AttestationError(.malformed, "attestation report has \(r.remaining) unparsed bytes")
        }
        signedBytes = Array(bytes[0..<Self.signedLength])

        tcbLayout = (cpuid?.family ?? 0) >= 0x1A ? .turin : .legacy
        currentTCB = try SNPTCB(raw: currentTCBRaw, layout: tcbLayout, field: "CURRENT_TCB")
        reportedTCB = try SNPTCB(raw: reportedTCBRaw, layout: tcbLayout, field: "REPORTED_TCB")
        committedTCB = try SNPTCB(raw: committedTCBRaw, layout: tcbLayout, field: "COMMITTED_TCB")
        launchTCB = try SNPTCB(raw: launchTCBRaw, layout: tcbLayout, field: "LAUNCH_TCB")
    }

    /// R and S are 72-byte little-endian fields holding 48-byte P-384 scalars: the top 24 bytes
    /// of each, and the 368 bytes after them, must be zero.
    private static func parseSignature(_ r: inout ByteReader) throws(AttestationError) -> Signature {
        func scalar(_ name: String) throws(AttestationError) -> [UInt8] {
            let le = try r.take(48, "SIGNATURE.\(name)")
            try r.reserved(24, "SIGNATURE.\(name) padding")
            return le.reversed()
        }
        let rValue = try scalar("R")
        let sValue = try scalar("S")
        try r.reserved(512 - 144, "SIGNATURE reserved")
        return Signature(r: rValue, s: sValue)
    }
}
