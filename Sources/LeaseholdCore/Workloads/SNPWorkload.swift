import Attestation
import Codecs

/// A `tee: sev-snp` workload entry: an AMD SEV-SNP confidential VM. The entry is an
/// `SNPPolicy` in the manifest's spelling; this type only reads and writes that spelling:
///
/// | manifest key | policy field |
/// |---|---|
/// | `measurement` (48 bytes hex) | `measurement` |
/// | `hostData` (32) | `hostData` |
/// | `idKeyDigest` (48) | `idKeyDigest` |
/// | `allowDebug` | `allowDebug` |
/// | `maxVmpl` (0-3) | `maxVMPL` |
/// | `minimumReportedTcb` {bootloader, tee, snp, microcode, fmc} | `minimumReportedTCB` |
public struct SNPWorkload: Sendable, Hashable, WorkloadRequirement {
    public var policy: SNPPolicy

    public init(policy: SNPPolicy) {
        self.policy = policy
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        let measurement = try r.hex("measurement", count: 48)
        let hostData = try r.optionalHex("hostData", count: 32)
        let idKeyDigest = try r.optionalHex("idKeyDigest", count: 48)
        let allowDebug = try r.bool("allowDebug", default: false)
        let maxVMPL = try r.optionalInteger("maxVmpl", range: 0...3).map { UInt32($0) }
        var minimum: SNPPolicy.MinimumTCB?
        if let node = r.node("minimumReportedTcb") {
            var t = try ManifestReader(node, path: r.child("minimumReportedTcb"))
            let svn: ClosedRange<Int64> = 0...255
            minimum = SNPPolicy.MinimumTCB(
                bootloader: UInt8(try t.integer("bootloader", range: svn)),
                tee: UInt8(try t.integer("tee", range: svn)),
                snp: UInt8(try t.integer("snp", range: svn)),
                microcode: UInt8(try t.integer("microcode", range: svn)),
                fmc: try t.optionalInteger("fmc", range: svn).map { UInt8($0) })
            try t.finish()
        }
        policy = SNPPolicy(
            measurement: measurement, hostData: hostData, idKeyDigest: idKeyDigest, minimumReportedTCB: minimum, allowDebug: allowDebug,
            maxVMPL: maxVMPL)
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = ["measurement": .hex(policy.measurement), "allowDebug": .bool(policy.allowDebug)]
        f.set("hostData", policy.hostData.map(JSONValue.hex))
        f.set("idKeyDigest", policy.idKeyDigest.map(JSONValue.hex))
        f.set("maxVmpl", policy.maxVMPL.map { .int(Int64($0)) })
        f.set(
            "minimumReportedTcb",
            policy.minimumReportedTCB.map { t in
                var m: [String: JSONValue] = [
                    "bootloader": .int(Int64(t.bootloader)), "tee": .int(Int64(t.tee)),
                    "snp": .int(Int64(t.snp)), "microcode": .int(Int64(t.microcode)),
                ]
                m.set("fmc", t.fmc.map { .int(Int64($0)) })
                return .dict(m)
            })
        return f
    }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let snp = claims as? SNPClaims else {
            throw AttestationError(.teeNotAllowed, "an sev-snp entry cannot judge \(claims.tee.rawValue) evidence")
        }
        try policy.check(snp)
    }
}
