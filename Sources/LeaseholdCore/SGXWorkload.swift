import Codecs
import Attestation
import TransparencyLog

/// A `tee: sgx` workload entry: an Intel SGX enclave, named by its exact code (`mrEnclave`)
/// and/or by its signer and product (`mrSigner` + `isvProdId`, for enclaves updated under
/// one signing key).
public struct SGXWorkload: Sendable, Hashable, WorkloadRequirement {
    public var mrEnclave: [UInt8]?
    public var mrSigner: [UInt8]?
    public var isvProdId: UInt16?
    public var minimumIsvSvn: UInt16
    public var allowDebug: Bool
    public var acceptTcb: [String]

    public init(
        mrEnclave: [UInt8]? = nil, mrSigner: [UInt8]? = nil, isvProdId: UInt16? = nil, minimumIsvSvn: UInt16 = 0,
        allowDebug: Bool = false, acceptTcb: [String] = [DCAPTCBStatus.upToDate.rawValue]
    ) {
        self.mrEnclave = mrEnclave
        self.mrSigner = mrSigner
        self.isvProdId = isvProdId
        self.minimumIsvSvn = minimumIsvSvn
        self.allowDebug = allowDebug
        self.acceptTcb = acceptTcb
    }

    public var policy: SGXPolicy {
        SGXPolicy(
            mrEnclave: mrEnclave, mrSigner: mrSigner, isvProdId: isvProdId, minimumIsvSvn: minimumIsvSvn,
            allowDebug: allowDebug, acceptedTCBStatuses: Set(acceptTcb))
    }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        mrEnclave = try r.optionalHex("mrEnclave", count: 32)
        mrSigner = try r.optionalHex("mrSigner", count: 32)
        isvProdId = try r.optionalInteger("isvProdId", range: 0...65535).map { UInt16($0) }
        minimumIsvSvn = UInt16(try r.optionalInteger("minimumIsvSvn", range: 0...65535) ?? 0)
        allowDebug = try r.bool("allowDebug", default: false)
        acceptTcb = try TDXWorkload.readAcceptTcb(&r)
        // A signer alone would accept every enclave that key ever signed, for any product.
        if (mrSigner == nil) != (isvProdId == nil) {
            throw ManifestError(r.child(mrSigner == nil ? "mrSigner" : "isvProdId"), "mrSigner and isvProdId go together: name both or neither")
        }
        if mrEnclave == nil && mrSigner == nil {
            throw ManifestError(r.path, "name the enclave: mrEnclave, or mrSigner with isvProdId (or all three)")
        }
    }

    var fields: [String: JSONValue] {
        var f: [String: JSONValue] = [
            "minimumIsvSvn": .int(Int64(minimumIsvSvn)), "allowDebug": .bool(allowDebug),
            "acceptTcb": .array(acceptTcb.map(JSONValue.string)),
        ]
        f.set("mrEnclave", mrEnclave.map(JSONValue.hex))
        f.set("mrSigner", mrSigner.map(JSONValue.hex))
        f.set("isvProdId", isvProdId.map { .int(Int64($0)) })
        return f
    }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard let sgx = claims as? SGXClaims else {
            throw AttestationError(.teeNotAllowed, "an sgx entry cannot judge \(claims.tee.rawValue) evidence")
        }
        try policy.check(sgx)
    }
}
