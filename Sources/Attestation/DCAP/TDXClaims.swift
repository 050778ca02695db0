/// The claims of a verified TDX DCAP quote: the TD's measurements from the TD report body, and
/// the platform's TCB status from Intel's collateral.
public struct TDXClaims: TEEClaims, Hashable {
    public var tee: TEE { .tdx }
    public var mrTd: [UInt8]
    public var rtmr0: [UInt8]
    public var rtmr1: [UInt8]
    public var rtmr2: [UInt8]
    public var rtmr3: [UInt8]
    public var mrConfigId: [UInt8]
    public var mrOwner: [UInt8]
    public var mrOwnerConfig: [UInt8]
    /// TD_ATTRIBUTES (8 bytes, little-endian bit order).
    public var tdAttributes: [UInt8]
    /// TD_ATTRIBUTES bit 0 (TUD.DEBUG).
    public var debug: Bool
    /// TEE_TCB_SVN (16 bytes; byte 0 TDX module SVN, byte 1 module major version).
    public var teeTcbSvn: [UInt8]
    public var mrSeam: [UInt8]
    public var reportData: [UInt8]
    public var status: DCAPTCBStatus
    /// Intel security advisories for the platform TCB level, TDX module and QE, sorted.
    public var advisoryIds: [String]
    public var fmspc: [UInt8]

    public var measurement: [UInt8] { mrTd }
    public var tcbStatus: String? { status.rawValue }
    public var rtmrs: [[UInt8]] { [rtmr0, rtmr1, rtmr2, rtmr3] }

    public func encode(to encoder: any Encoder) throws {
        try DCAPClaimsEncoding.encode(
            self, to: encoder,
            hex: [("mrTd", mrTd), ("rtmr0", rtmr0), ("rtmr1", rtmr1), ("rtmr2", rtmr2), ("rtmr3", rtmr3),
                  ("mrConfigId", mrConfigId), ("mrOwner", mrOwner), ("mrOwnerConfig", mrOwnerConfig),
                  ("tdAttributes", tdAttributes), ("teeTcbSvn", teeTcbSvn), ("mrSeam", mrSeam), ("fmspc", fmspc)],
            advisoryIds: advisoryIds)
    }
}
