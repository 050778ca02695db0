import Codecs
extension SNPReport: Encodable {
    private enum CodingKeys: String, CodingKey {
        case measurement, reportData, version, guestSVN, policy, familyID, imageID, vmpl
        case signatureAlgorithm, currentTCB, reportedTCB, committedTCB, launchTCB, platformInfo
        case authorKeyEnabled, maskChipID, signingKey, hostData, idKeyDigest, authorKeyDigest, reportID, reportIDMA
        case chipID, cpuid, currentVersion, committedVersion, launchMitigationVector, currentMitigationVector
    }

    /// Every field except the signature and the signed bytes; byte strings as lower-case hex.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        let hex: [(CodingKeys, [UInt8])] = [
            (.measurement, measurement), (.reportData, reportData), (.familyID, familyID), (.imageID, imageID),
            (.hostData, hostData), (.idKeyDigest, idKeyDigest), (.authorKeyDigest, authorKeyDigest),
            (.reportID, reportID), (.reportIDMA, reportIDMA), (.chipID, chipID),
        ]
        for (key, bytes) in hex { try c.encode(Hex.encode(bytes), forKey: key) }
        let tcbs: [(CodingKeys, SNPTCB)] = [
            (.currentTCB, currentTCB), (.reportedTCB, reportedTCB), (.committedTCB, committedTCB), (.launchTCB, launchTCB),
        ]
        for (key, tcb) in tcbs { try c.encode(tcb, forKey: key) }
        try c.encode(version, forKey: .version)
        try c.encode(guestSVN, forKey: .guestSVN)
        try c.encode(policy, forKey: .policy)
        try c.encode(vmpl, forKey: .vmpl)
        try c.encode(signatureAlgorithm, forKey: .signatureAlgorithm)
        try c.encode(platformInfo, forKey: .platformInfo)
        try c.encode(authorKeyEnabled, forKey: .authorKeyEnabled)
        try c.encode(maskChipID, forKey: .maskChipID)
        try c.encode(signingKey, forKey: .signingKey)
        try c.encodeIfPresent(cpuid, forKey: .cpuid)
        try c.encode(currentVersion, forKey: .currentVersion)
        try c.encode(committedVersion, forKey: .committedVersion)
        try c.encodeIfPresent(launchMitigationVector.map(SNPHex.u64), forKey: .launchMitigationVector)
        try c.encodeIfPresent(currentMitigationVector.map(SNPHex.u64), forKey: .currentMitigationVector)
    }
}
