/// A stable, machine-readable kebab-case reason: the `reason` of HTTP error bodies and of
/// `key.denied` log entries, relied on by scripts, so never renamed once shipped. One
/// vocabulary for the broker and its clients: the key-release refusals are declared here, in
/// the wire module, so a workload client can name them without linking the rules that decide
/// them (LeaseholdCore's `LeaseRefusal`); the broker adds its own codes in an extension.
public struct ReasonCode: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
    public var rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }
    public init(_ raw: String) { rawValue = raw }
    public var description: String { rawValue }

    /// No lease with this owner and id (decided by the broker's store, not here).
    public static let leaseNotFound = ReasonCode("lease-not-found")
    public static let leaseNotYetValid = ReasonCode("lease-not-yet-valid")
    public static let leaseExpired = ReasonCode("lease-expired")
    public static let leaseRevoked = ReasonCode("lease-revoked")
    public static let leaseExhausted = ReasonCode("lease-exhausted")
    public static let leaseReleased = ReasonCode("lease-released")
    /// The nonce is unknown, already used, expired, or was issued for another lease.
    public static let nonceInvalid = ReasonCode("nonce-invalid")
    /// The evidence did not verify (the verifier's own code is in the reason).
    public static let evidenceInvalid = ReasonCode("evidence-invalid")
    public static let teeNotAllowed = ReasonCode("tee-not-allowed")
    public static let measurementMismatch = ReasonCode("measurement-mismatch")
    public static let debugNotAllowed = ReasonCode("debug-not-allowed")
    public static let tcbTooLow = ReasonCode("tcb-too-low")
    public static let tcbStatusNotAccepted = ReasonCode("tcb-status-not-accepted")
    public static let reportDataMismatch = ReasonCode("report-data-mismatch")
}
