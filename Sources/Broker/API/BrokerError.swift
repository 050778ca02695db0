/// Why the broker refused a request: a stable, machine-readable `code` (the `reason` field of
/// the HTTP error body and of `key.denied` log entries) and a `message` a person can act on.
/// The HTTP layer maps codes to statuses with `httpStatus`; nothing below it knows HTTP.
public struct BrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, Codable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public init(_ raw: String) { rawValue = raw }
        public var description: String { rawValue }

        // Key release refusals (logged as key.denied).
        public static let leaseNotFound = Code("lease-not-found")
        public static let leaseNotYetValid = Code("lease-not-yet-valid")
        public static let leaseExpired = Code("lease-expired")
        public static let leaseRevoked = Code("lease-revoked")
        public static let leaseExhausted = Code("lease-exhausted")
        public static let leaseReleased = Code("lease-released")
        public static let nonceInvalid = Code("nonce-invalid")
        public static let evidenceInvalid = Code("evidence-invalid")
        public static let teeNotAllowed = Code("tee-not-allowed")
        public static let measurementMismatch = Code("measurement-mismatch")
        public static let reportDataMismatch = Code("report-data-mismatch")
        public static let debugNotAllowed = Code("debug-not-allowed")
        public static let tcbTooLow = Code("tcb-too-low")
        public static let tcbStatusNotAccepted = Code("tcb-status-not-accepted")

        // Everything else.
        public static let badRequest = Code("bad-request")
        public static let unauthorized = Code("unauthorized")
        public static let ownerNotFound = Code("owner-not-found")
        public static let ownerExists = Code("owner-exists")
        public static let signatureInvalid = Code("signature-invalid")
        public static let manifestInvalid = Code("manifest-invalid")
        public static let leaseExists = Code("lease-exists")
        public static let keyNotFound = Code("key-not-found")
        public static let requestStale = Code("request-stale")
        /// A signed request (vault put, revoke) or a receipt was already used once.
        public static let requestReplayed = Code("request-replayed")
        public static let notFound = Code("not-found")
        /// The log (or the database under it) could not be written: nothing was released.
        public static let logUnavailable = Code("log-unavailable")
        public static let `internal` = Code("internal")
    }

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
        case .ownerExists, .leaseExists, .requestReplayed: return 409
        case .logUnavailable: return 503
        case .internal: return 500
        default: return 403  // every key-release refusal
        }
    }
}
