/// The claims of a verified SGX DCAP quote: the enclave's identity from the report body, and
/// the platform's TCB status from Intel's collateral.
public struct SGXClaims: TEEClaims, Hashable {
    public var tee: TEE { .sgx }
    public var mrEnclave: [UInt8]
    public var mrSigner: [UInt8]
    public var isvProdId: UInt16
    public var isvSvn: UInt16
    /// ATTRIBUTES (FLAGS ‖ XFRM, 16 bytes).
    public var attributes: [UInt8]
    /// ATTRIBUTES.FLAGS bit 1.
    public var debug: Bool
    public var reportData: [UInt8]
    public var cpuSvn: [UInt8]
    public var status: DCAPTCBStatus
    /// Intel security advisories that apply to the platform's TCB level and its QE, sorted.
    public var advisoryIds: [String]
    /// The platform's family-model-stepping-platform-custom-SKU (from the PCK certificate).
    public var fmspc: [UInt8]

    public var measurement: [UInt8] { mrEnclave }
    public var tcbStatus: String? { status.rawValue }

    public func encode(to encoder: any Encoder) throws {
        try DCAPClaimsEncoding.encode(
            self, to: encoder,
            hex: [
                ("mrEnclave", mrEnclave), ("mrSigner", mrSigner), ("attributes", attributes), ("cpuSvn", cpuSvn),
                ("fmspc", fmspc),
            ],
            numbers: [("isvProdId", isvProdId), ("isvSvn", isvSvn)], advisoryIds: advisoryIds)
    }
}
