import Codecs

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
    /// Intel's verdict: the TCB level's status with the TDX module's, the TD 1.5 relaunch
    /// check's and the QE's folded in (see `DCAPVerifier.evaluateTDX`). What policies check.
    public var status: DCAPTCBStatus
    /// Intel security advisories for the platform TCB level, TDX module and QE, sorted.
    public var advisoryIds: [String]
    public var fmspc: [UInt8]
    /// The status of the platform's TDX TCB level alone, before the module and QE.
    public var tcbLevelStatus: DCAPTCBStatus
    /// The TCB info's TDX module identity judged (`TDX_01`, ...), nil when the module's major
    /// version (TEE_TCB_SVN byte 1) is 0 and the TCB level covers the module.
    public var tdxModuleIdentity: String?
    /// That identity's level status for the module's SVN (UpToDate, OutOfDate; Revoked is refused).
    public var tdxModuleStatus: DCAPTCBStatus?
    /// TD 1.5 quotes only: TEE_TCB_SVN_2, the TCB of the TDX module the platform runs now (it
    /// may be newer than the one the TD was launched on, TEE_TCB_SVN).
    public var teeTcbSvn2: [UInt8]?

    /// Intel advises relaunching the TD (status TDRelaunchAdvised or
    /// TDRelaunchAdvisedConfigurationNeeded): it was launched on an out-of-date TDX module and
    /// relaunching on the current one would bring it up to date. A policy accepts such a TD
    /// only if its accepted statuses name that status (the default, UpToDate only, refuses it).
    public var relaunchAdvised: Bool { status == .tdRelaunchAdvised || status == .tdRelaunchAdvisedConfigurationNeeded }

    public var measurement: [UInt8] { mrTd }
    public var tcbStatus: String? { status.rawValue }
    public var rtmrs: [[UInt8]] { [rtmr0, rtmr1, rtmr2, rtmr3] }

    public func encode(to encoder: any Encoder) throws {
        try DCAPClaimsEncoding.encode(
            self, to: encoder,
            hex: [
                ("mrTd", mrTd), ("rtmr0", rtmr0), ("rtmr1", rtmr1), ("rtmr2", rtmr2), ("rtmr3", rtmr3),
                ("mrConfigId", mrConfigId), ("mrOwner", mrOwner), ("mrOwnerConfig", mrOwnerConfig),
                ("tdAttributes", tdAttributes), ("teeTcbSvn", teeTcbSvn), ("mrSeam", mrSeam), ("fmspc", fmspc),
            ],
            advisoryIds: advisoryIds
        ) { c in
            try c.encode(tcbLevelStatus, forKey: .init("tcbLevelStatus"))
            try c.encode(tdxModuleIdentity, forKey: .init("tdxModuleIdentity"))
            try c.encode(tdxModuleStatus, forKey: .init("tdxModuleStatus"))
            try c.encode(relaunchAdvised, forKey: .init("relaunchAdvised"))
            try c.encode(teeTcbSvn2.map { Hex.encode($0) }, forKey: .init("teeTcbSvn2"))
        }
    }
}
