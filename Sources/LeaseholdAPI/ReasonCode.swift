/// A stable, machine-readable kebab-case reason: the `reason` of HTTP error bodies and of
/// `key.denied` log entries, relied on by scripts, so never renamed once shipped. One
/// vocabulary for the broker and its clients: the key-release refusals are declared here, in
/// the wire module, so a workload client can name them without linking the rules that decide
/// them (LeaseholdCore's `LeaseRefusal`); the codes only the broker decides follow in the
/// extension below. PROTOCOL.md §4 lists them all with their HTTP statuses (BrokerHTTP's
/// `BrokerError.httpStatus`), and a test keeps the three in step.
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
    /// An SEV-SNP report requested at a VMPL above the entry's `maxVmpl` (the attestation
    /// policy's code, passed through as it is).
    public static let vmplNotAllowed = ReasonCode("vmpl-not-allowed")
}

/// The codes only the broker (or its HTTP layer) decides.
extension ReasonCode {
    public static let badRequest = ReasonCode("bad-request")
    public static let unauthorized = ReasonCode("unauthorized")
    public static let ownerNotFound = ReasonCode("owner-not-found")
    public static let ownerExists = ReasonCode("owner-exists")
    public static let signatureInvalid = ReasonCode("signature-invalid")
    public static let manifestInvalid = ReasonCode("manifest-invalid")
    public static let leaseExists = ReasonCode("lease-exists")
    public static let keyNotFound = ReasonCode("key-not-found")
    public static let requestStale = ReasonCode("request-stale")
    /// A signed request (vault put, revoke) or a receipt was already used once.
    public static let requestReplayed = ReasonCode("request-replayed")
    public static let notFound = ReasonCode("not-found")
    /// Too many requests from one client address, for one lease or for one owner (answered
    /// with `Retry-After`); decided by the HTTP layer before the broker is called.
    public static let rateLimited = ReasonCode("rate-limited")
    /// The log (or the database under it) could not be written: nothing was released.
    public static let logUnavailable = ReasonCode("log-unavailable")
    public static let `internal` = ReasonCode("internal")
    /// A database row differs from the signed data it must match (the owner's envelope, the
    /// log's entries under a checkpoint the log key signed): someone changed the database.
    public static let stateInvalid = ReasonCode("state-invalid")
    /// The request's key-transport suite is not the one the lease requires.
    public static let suiteNotAllowed = ReasonCode("suite-not-allowed")
    /// The broker could not get current, verified vendor collateral (Intel PCS/PCCS, AMD KDS)
    /// for this evidence: retry later with a new challenge. Never answered with a weaker check.
    public static let collateralUnavailable = ReasonCode("collateral-unavailable")
    /// An auditor token was presented to a route that changes something (auditors read only).
    public static let readOnlyCredential = ReasonCode("read-only-credential")
    public static let auditorExists = ReasonCode("auditor-exists")
    /// A request body over the route's limit (answered 413 by the HTTP layer).
    public static let requestTooLarge = ReasonCode("request-too-large")
}
