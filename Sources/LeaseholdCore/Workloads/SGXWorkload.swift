import Attestation
import Codecs

/// A `tee: sgx` workload entry: an Intel SGX enclave, named by its exact code (`mrEnclave`)
/// and/or by its signer and product (`mrSigner` + `isvProdId`, for enclaves updated under
/// one signing key).
///
/// The entry is an `SGXPolicy` in the manifest's spelling: `mrEnclave`, `mrSigner` (32 bytes
/// hex each), `isvProdId`, `minimumIsvSvn` (default 0), `allowDebug`, and `acceptTcb`
/// (default `[UpToDate]`) for `acceptedTCBStatuses`.
public struct SGXWorkload: Sendable, Hashable, WorkloadRequirement {
    public var policy: SGXPolicy

    public init(policy: SGXPolicy) {
        self.policy = policy
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        let mrEnclave = try r.optionalHex("mrEnclave", count: 32)
        let mrSigner = try r.optionalHex("mrSigner", count: 32)
        let isvProdId = try r.optionalInteger("isvProdId", range: 0...65535).map { UInt16($0) }
        let minimumIsvSvn = UInt16(try r.optionalInteger("minimumIsvSvn", range: 0...65535) ?? 0)
        let allowDebug = try r.bool("allowDebug", default: false)
        let accepted = try TDXWorkload.readAcceptTcb(&r)
        // A signer alone would accept every enclave that key ever signed, for any product.
        if (mrSigner == nil) != (isvProdId == nil) {
            throw ManifestError(r.child(mrSigner == nil ? "mrSigner" : "isvProdId"), "mrSigner and isvProdId go together: name both or neither")
        }
        if mrEnclave == nil && mrSigner == nil {
            throw ManifestError(r.path, "name the enclave: mrEnclave, or mrSigner with isvProdId (or all three)")
        }
        policy = SGXPolicy(
            mrEnclave: mrEnclave, mrSigner: mrSigner, isvProdId: isvProdId, minimumIsvSvn: minimumIsvSvn, allowDebug: allowDebug,
            acceptedTCBStatuses: accepted)
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = [
            "minimumIsvSvn": .int(Int64(policy.minimumIsvSvn)), "allowDebug": .bool(policy.allowDebug),
            "acceptTcb": .array(policy.acceptedTCBStatuses.map(JSONValue.string)),
        ]
        f.set("mrEnclave", policy.mrEnclave.map(JSONValue.hex))
        f.set("mrSigner", policy.mrSigner.map(JSONValue.hex))
        f.set("isvProdId", policy.isvProdId.map { .int(Int64($0)) })
        return f
    }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let sgx = claims as? SGXClaims else {
            throw AttestationError(.teeNotAllowed, "an sgx entry cannot judge \(claims.tee.rawValue) evidence")
        }
        try policy.check(sgx)
    }
}
