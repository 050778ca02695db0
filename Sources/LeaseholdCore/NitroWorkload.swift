import Codecs
import Attestation
import TransparencyLog

/// A `tee: nitro` workload entry: an AWS Nitro Enclave, named by its PCRs (48 bytes each):
/// PCR0 the enclave image (required), PCR1 the kernel and boot ramfs, PCR2 the application,
/// PCR3 the parent instance's IAM role, PCR4 the parent instance id, PCR8 the image's
/// signing certificate.
public struct NitroWorkload: Sendable, Hashable, WorkloadRequirement {
    public var pcr0: [UInt8]
    public var pcr1: [UInt8]?
    public var pcr2: [UInt8]?
    public var pcr3: [UInt8]?
    public var pcr4: [UInt8]?
    public var pcr8: [UInt8]?
    public var allowDebug: Bool

    public init(
        pcr0: [UInt8], pcr1: [UInt8]? = nil, pcr2: [UInt8]? = nil, pcr3: [UInt8]? = nil, pcr4: [UInt8]? = nil,
        pcr8: [UInt8]? = nil, allowDebug: Bool = false
    ) {
        self.pcr0 = pcr0
        self.pcr1 = pcr1
        self.pcr2 = pcr2
        self.pcr3 = pcr3
        self.pcr4 = pcr4
        self.pcr8 = pcr8
        self.allowDebug = allowDebug
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        pcr0 = try r.hex("pcr0", count: 48)
        pcr1 = try r.optionalHex("pcr1", count: 48)
        pcr2 = try r.optionalHex("pcr2", count: 48)
        pcr3 = try r.optionalHex("pcr3", count: 48)
        pcr4 = try r.optionalHex("pcr4", count: 48)
        pcr8 = try r.optionalHex("pcr8", count: 48)
        allowDebug = try r.bool("allowDebug", default: false)
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = ["pcr0": .hex(pcr0), "allowDebug": .bool(allowDebug)]
        f.set("pcr1", pcr1.map(JSONValue.hex))
        f.set("pcr2", pcr2.map(JSONValue.hex))
        f.set("pcr3", pcr3.map(JSONValue.hex))
        f.set("pcr4", pcr4.map(JSONValue.hex))
        f.set("pcr8", pcr8.map(JSONValue.hex))
        return f
    }

    /// The manifest's PCRs become a `NitroPolicy`; claims from any other TEE never match.
    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let nitro = claims as? NitroClaims else {
            throw AttestationError(.teeNotAllowed, "this entry is for nitro, the evidence is \(claims.tee.rawValue)")
        }
        try NitroPolicy(pcr0: pcr0, pcr1: pcr1, pcr2: pcr2, pcr3: pcr3, pcr4: pcr4, pcr8: pcr8, allowDebug: allowDebug).check(nitro)
    }
}
