import Codecs
import Attestation
import TransparencyLog

/// A `tee: sev-snp` workload entry: an AMD SEV-SNP confidential VM.
public struct SNPWorkload: Sendable, Hashable, WorkloadRequirement {
    /// MEASUREMENT, the launch digest of the VM's initial memory (48 bytes).
    public var measurement: [UInt8]
    /// HOST_DATA the host set at launch (32 bytes), if the owner requires one.
    public var hostData: [UInt8]?
    /// ID_KEY_DIGEST, the key that signed the VM's ID block (48 bytes), if required.
    public var idKeyDigest: [UInt8]?
    public var allowDebug: Bool
    public var minimumReportedTcb: SNPPolicy.MinimumTCB?
    /// The least privileged VMPL (0-3) allowed to request the report.
    public var maxVmpl: UInt32?

    public init(
        measurement: [UInt8], hostData: [UInt8]? = nil, idKeyDigest: [UInt8]? = nil, allowDebug: Bool = false,
        minimumReportedTcb: SNPPolicy.MinimumTCB? = nil, maxVmpl: UInt32? = nil
    ) {
        self.measurement = measurement
        self.hostData = hostData
        self.idKeyDigest = idKeyDigest
        self.allowDebug = allowDebug
        self.minimumReportedTcb = minimumReportedTcb
        self.maxVmpl = maxVmpl
    }

    public var policy: SNPPolicy {
        SNPPolicy(
            measurement: measurement, hostData: hostData, idKeyDigest: idKeyDigest,
            minimumReportedTCB: minimumReportedTcb, allowDebug: allowDebug, maxVMPL: maxVmpl)
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        measurement = try r.hex("measurement", count: 48)
        hostData = try r.optionalHex("hostData", count: 32)
        idKeyDigest = try r.optionalHex("idKeyDigest", count: 48)
        allowDebug = try r.bool("allowDebug", default: false)
        maxVmpl = try r.optionalInteger("maxVmpl", range: 0...3).map { UInt32($0) }
        if let node = r.node("minimumReportedTcb") {
            var t = try ManifestReader(node, path: r.child("minimumReportedTcb"))
            let svn: ClosedRange<Int64> = 0...255
            minimumReportedTcb = SNPPolicy.MinimumTCB(
                bootloader: UInt8(try t.integer("bootloader", range: svn)),
                tee: UInt8(try t.integer("tee", range: svn)),
                snp: UInt8(try t.integer("snp", range: svn)),
                microcode: UInt8(try t.integer("microcode", range: svn)),
                fmc: try t.optionalInteger("fmc", range: svn).map { UInt8($0) })
            try t.finish()
        } else {
            minimumReportedTcb = nil
        }
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = ["measurement": .hex(measurement), "allowDebug": .bool(allowDebug)]
        f.set("hostData", hostData.map(JSONValue.hex))
        f.set("idKeyDigest", idKeyDigest.map(JSONValue.hex))
        f.set("maxVmpl", maxVmpl.map { .int(Int64($0)) })
        f.set(
            "minimumReportedTcb",
            minimumReportedTcb.map { t in
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
