import LeaseholdAPI

/// Where a refusal becomes an HTTP status: only here, in the HTTP layer (PROTOCOL.md §4; a
/// test holds the two to each other).
extension BrokerError {
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
