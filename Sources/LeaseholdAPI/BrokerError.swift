/// Why the broker refused a request: a stable, machine-readable `code` (the `reason` field of
/// the HTTP error body and of `key.denied` log entries) and a `message` a person can act on.
/// The HTTP layer maps codes to statuses with `httpStatus`; nothing below it knows HTTP.
public struct BrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// One vocabulary with the lease's refusals (`ReasonCode`, in LeaseholdCore); the codes
    /// only the broker decides are added below.
    public typealias Code = ReasonCode

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }

    /// The HTTP status for this code: 4xx for the caller's fault, 503 when the log is down.
    public var httpStatus: Int {
        switch code {
        case .badRequest, .manifestInvalid, .requestStale: return 400
        case .unauthorized, .signatureInvalid: return 401
        case .leaseNotFound, .ownerNotFound, .keyNotFound, .notFound: return 404
        case .ownerExists, .leaseExists, .requestReplayed, .auditorExists: return 409
        case .rateLimited: return 429
        case .logUnavailable, .collateralUnavailable: return 503
        case .internal, .stateInvalid: return 500
        default: return 403  // every key-release refusal
        }
    }
}

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
}
