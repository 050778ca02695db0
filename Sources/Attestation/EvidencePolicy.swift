/// The default acceptance policy for verified evidence outside any lease: what
/// `leasehold evidence verify` applies. The broker applies the manifest's policy instead.
public struct EvidencePolicy: Sendable, Hashable {
    /// Accept evidence from a debug TEE. Off by default: a debug TEE's memory is readable.
    public var allowDebug: Bool
    /// DCAP TCB statuses to accept. Default: `UpToDate` only.
    public var acceptedTCBStatuses: Set<String>

    public init(allowDebug: Bool = false, acceptedTCBStatuses: Set<String> = ["UpToDate"]) {
        self.allowDebug = allowDebug
        self.acceptedTCBStatuses = acceptedTCBStatuses
    }

    public func check(_ claims: any TEEClaims) throws(AttestationError) {
        if claims.debug && !allowDebug {
            throw AttestationError(
                .debugNotAllowed,
                "the \(claims.tee.rawValue) evidence comes from a debug TEE, whose memory the host can read; pass --allow-debug only for development")
        }
        if let status = claims.tcbStatus, !acceptedTCBStatuses.contains(status) {
            throw AttestationError(
                .tcbStatusNotAccepted, "TCB status \(status) is not in the accepted list (\(acceptedTCBStatuses.sorted().joined(separator: ",")))")
        }
    }
}
