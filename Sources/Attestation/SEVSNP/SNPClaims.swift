/// The claims of a verified SEV-SNP attestation report: every report field, typed, plus what
/// the report chained to (product, VCEK or VLEK).
///
/// Produced only by `SNPVerifier` after the signature, chain and TCB checks passed; policy
/// (`SNPPolicy`, `EvidencePolicy`) decides whether they are acceptable.
public struct SNPClaims: TEEClaims, Hashable {
    public var tee: TEE { .sevSNP }
    public var version: UInt32
    public var guestSVN: UInt32
    public var policy: SNPGuestPolicy
    public var familyID: [UInt8]
    public var imageID: [UInt8]
    public var vmpl: UInt32
    public var signatureAlgorithm: UInt32
    public var currentTCB: SNPTCB
    public var reportedTCB: SNPTCB
    public var committedTCB: SNPTCB
    public var launchTCB: SNPTCB
    public var platformInfo: SNPPlatformInfo
    public var authorKeyEnabled: Bool
    public var maskChipID: Bool
    public var reportData: [UInt8]
    public var measurement: [UInt8]
    public var hostData: [UInt8]
    public var idKeyDigest: [UInt8]
    public var authorKeyDigest: [UInt8]
    public var reportID: [UInt8]
    public var reportIDMA: [UInt8]
    public var chipID: [UInt8]
    /// Report version 3 and later; nil when absent.
    public var cpuid: SNPReport.CPUID?
    public var currentVersion: SNPReport.FirmwareVersion
    public var committedVersion: SNPReport.FirmwareVersion
    public var launchMitigationVector: UInt64?
    public var currentMitigationVector: UInt64?
    /// The processor generation whose pinned ARK the chain ended at.
    public var product: SNPProduct
    /// Which endorsement key signed the report: `.vcek` or `.vlek`.
    public var signingKey: SNPReport.SigningKey

    /// SNP's debug flag is guest policy bit 19.
    public var debug: Bool { policy.debug }

    init(report: SNPReport, product: SNPProduct) {
        version = report.version
        guestSVN = report.guestSVN
        policy = report.policy
        familyID = report.familyID
        imageID = report.imageID
        vmpl = report.vmpl
        signatureAlgorithm = report.signatureAlgorithm
        currentTCB = report.currentTCB
        reportedTCB = report.reportedTCB
        committedTCB = report.committedTCB
        launchTCB = report.launchTCB
        platformInfo = report.platformInfo
        authorKeyEnabled = report.authorKeyEnabled
        maskChipID = report.maskChipID
        reportData = report.reportData
        measurement = report.measurement
        hostData = report.hostData
        idKeyDigest = report.idKeyDigest
        authorKeyDigest = report.authorKeyDigest
        reportID = report.reportID
        reportIDMA = report.reportIDMA
        chipID = report.chipID
        cpuid = report.cpuid
        currentVersion = report.currentVersion
        committedVersion = report.committedVersion
        launchMitigationVector = report.launchMitigationVector
        currentMitigationVector = report.currentMitigationVector
        self.product = product
        signingKey = report.signingKey
    }
}

extension SNPClaims {
    private enum CodingKeys: String, CodingKey {
        case tee, measurement, reportData, debug, version, guestSVN, policy, familyID, imageID, vmpl
        case signatureAlgorithm, currentTCB, reportedTCB, committedTCB, launchTCB, platformInfo
        case authorKeyEnabled, maskChipID, hostData, idKeyDigest, authorKeyDigest, reportID, reportIDMA
        case chipID, cpuid, currentVersion, committedVersion, launchMitigationVector, currentMitigationVector
        case product, signingKey
    }

    /// Byte strings are lower-case hex, as the CLI's `--json` output requires.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tee, forKey: .tee)
        try c.encode(Hex.encode(measurement), forKey: .measurement)
        try c.encode(Hex.encode(reportData), forKey: .reportData)
        try c.encode(debug, forKey: .debug)
        try c.encode(version, forKey: .version)
        try c.encode(guestSVN, forKey: .guestSVN)
        try c.encode(policy, forKey: .policy)
        try c.encode(Hex.encode(familyID), forKey: .familyID)
        try c.encode(Hex.encode(imageID), forKey: .imageID)
        try c.encode(vmpl, forKey: .vmpl)
        try c.encode(signatureAlgorithm, forKey: .signatureAlgorithm)
        try c.encode(currentTCB, forKey: .currentTCB)
        try c.encode(reportedTCB, forKey: .reportedTCB)
        try c.encode(committedTCB, forKey: .committedTCB)
        try c.encode(launchTCB, forKey: .launchTCB)
        try c.encode(platformInfo, forKey: .platformInfo)
        try c.encode(authorKeyEnabled, forKey: .authorKeyEnabled)
        try c.encode(maskChipID, forKey: .maskChipID)
        try c.encode(Hex.encode(hostData), forKey: .hostData)
        try c.encode(Hex.encode(idKeyDigest), forKey: .idKeyDigest)
        try c.encode(Hex.encode(authorKeyDigest), forKey: .authorKeyDigest)
        try c.encode(Hex.encode(reportID), forKey: .reportID)
        try c.encode(Hex.encode(reportIDMA), forKey: .reportIDMA)
        try c.encode(Hex.encode(chipID), forKey: .chipID)
        try c.encodeIfPresent(cpuid, forKey: .cpuid)
        try c.encode(currentVersion, forKey: .currentVersion)
        try c.encode(committedVersion, forKey: .committedVersion)
        try c.encodeIfPresent(launchMitigationVector.map(SNPHex.u64), forKey: .launchMitigationVector)
        try c.encodeIfPresent(currentMitigationVector.map(SNPHex.u64), forKey: .currentMitigationVector)
        try c.encode(product, forKey: .product)
        try c.encode(signingKey, forKey: .signingKey)
    }
}
