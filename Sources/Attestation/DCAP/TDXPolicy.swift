import Codecs

/// What a TD must be for a lease: MRTD (required), optionally RTMR0..3 and MRCONFIGID, a minimum
/// TEE_TCB_SVN (component-wise), debug, and the DCAP TCB statuses accepted.
///
/// The status checked is Intel's verdict (`TDXClaims.status`), which already folds in the TDX
/// module identity and, for TD 1.5 quotes, the relaunch check. By default only UpToDate is
/// accepted, so a TD for which Intel advises a relaunch (TDRelaunchAdvised,
/// TDRelaunchAdvisedConfigurationNeeded) is refused until it is relaunched, exactly as the
/// OutOfDate it would be without TEE_TCB_SVN_2; naming TDRelaunchAdvised in the accepted list
/// accepts it.
public struct TDXPolicy: Sendable, Hashable {
    public var mrTd: [UInt8]
    /// Expected RTMR values by index 0...3; indices not present are not checked.
    public var rtmrs: [Int: [UInt8]]
    public var mrConfigId: [UInt8]?
    /// 16 bytes compared component by component (each byte an SVN).
    public var minimumTeeTcbSvn: [UInt8]?
    public var allowDebug: Bool
    /// Intel TCB statuses accepted, in the order the manifest lists them.
    public var acceptedTCBStatuses: [String]

    public init(
        mrTd: [UInt8], rtmrs: [Int: [UInt8]] = [:], mrConfigId: [UInt8]? = nil,
        minimumTeeTcbSvn: [UInt8]? = nil, allowDebug: Bool = false,
        acceptedTCBStatuses: [String] = ["UpToDate"]
    ) {
        self.mrTd = mrTd
        self.rtmrs = rtmrs
        self.mrConfigId = mrConfigId
        self.minimumTeeTcbSvn = minimumTeeTcbSvn
        self.allowDebug = allowDebug
        self.acceptedTCBStatuses = acceptedTCBStatuses
    }

    public func check(_ claims: TDXClaims) throws(AttestationError) {
        guard ConstantTime.equal(mrTd, claims.mrTd) else {
            throw AttestationError(.measurementMismatch, "MRTD \(Hex.encode(claims.mrTd)) is not the expected \(Hex.encode(mrTd))")
        }
        let actual = claims.rtmrs
        for (index, expected) in rtmrs.sorted(by: { $0.key < $1.key }) {
            guard (0..<4).contains(index) else {
                throw AttestationError(.measurementMismatch, "the TDX policy names RTMR\(index); only RTMR0..3 exist")
            }
            guard ConstantTime.equal(expected, actual[index]) else {
                throw AttestationError(.measurementMismatch, "RTMR\(index) \(Hex.encode(actual[index])) is not the expected \(Hex.encode(expected))")
            }
        }
        if let mrConfigId, !ConstantTime.equal(mrConfigId, claims.mrConfigId) {
            throw AttestationError(.measurementMismatch, "MRCONFIGID \(Hex.encode(claims.mrConfigId)) is not the expected \(Hex.encode(mrConfigId))")
        }
        if claims.debug && !allowDebug {
            throw AttestationError(.debugNotAllowed, "the TD runs in debug mode (TD_ATTRIBUTES.DEBUG), the host can read its memory")
        }
        if let minimum = minimumTeeTcbSvn {
            guard minimum.count == claims.teeTcbSvn.count,
                zip(claims.teeTcbSvn, minimum).allSatisfy({ $0 >= $1 })
            else {
                throw AttestationError(.tcbTooLow, "TEE_TCB_SVN \(Hex.encode(claims.teeTcbSvn)) is below the minimum \(Hex.encode(minimum))")
            }
        }
        try claims.status.check(accepted: Set(acceptedTCBStatuses), advisoryIds: claims.advisoryIds)
    }
}
