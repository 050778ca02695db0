import Attestation
import Codecs

/// A `tee: nitro` workload entry: an AWS Nitro Enclave, named by its PCRs (48 bytes each):
/// PCR0 the enclave image (required), PCR1 the kernel and boot ramfs, PCR2 the application,
/// PCR3 the parent instance's IAM role, PCR4 the parent instance id, PCR8 the image's
/// signing certificate. The entry is a `NitroPolicy` in the manifest's spelling (`pcr0`..
/// `pcr4`, `pcr8`, `allowDebug`).
public struct NitroWorkload: Sendable, Hashable, WorkloadRequirement {
    public var policy: NitroPolicy

    public init(policy: NitroPolicy) {
        self.policy = policy
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        policy = NitroPolicy(
            pcr0: try r.hex("pcr0", count: 48), pcr1: try r.optionalHex("pcr1", count: 48), pcr2: try r.optionalHex("pcr2", count: 48),
            pcr3: try r.optionalHex("pcr3", count: 48), pcr4: try r.optionalHex("pcr4", count: 48), pcr8: try r.optionalHex("pcr8", count: 48),
            allowDebug: try r.bool("allowDebug", default: false))
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = ["pcr0": .hex(policy.pcr0), "allowDebug": .bool(policy.allowDebug)]
        f.set("pcr1", policy.pcr1.map(JSONValue.hex))
        f.set("pcr2", policy.pcr2.map(JSONValue.hex))
        f.set("pcr3", policy.pcr3.map(JSONValue.hex))
        f.set("pcr4", policy.pcr4.map(JSONValue.hex))
        f.set("pcr8", policy.pcr8.map(JSONValue.hex))
        return f
    }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let nitro = claims as? NitroClaims else {
            throw AttestationError(.teeNotAllowed, "this entry is for nitro, the evidence is \(claims.tee.rawValue)")
        }
        try policy.check(nitro)
    }
}
