import Attestation

/// Why the broker refused a request about a lease: a stable kebab-case `code` (logged in
/// `key.denied`, returned as the HTTP `reason`, relied on by scripts) and a sentence a person
/// can act on. Codes are never renamed once shipped.
public struct LeaseRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// No lease with this owner and id (decided by the broker's store, not here).
        public static let leaseNotFound = Code(rawValue: "lease-not-found")
        public static let leaseNotYetValid = Code(rawValue: "lease-not-yet-valid")
        public static let leaseExpired = Code(rawValue: "lease-expired")
        public static let leaseRevoked = Code(rawValue: "lease-revoked")
        public static let leaseExhausted = Code(rawValue: "lease-exhausted")
        public static let leaseReleased = Code(rawValue: "lease-released")
        /// The nonce is unknown, already used, expired, or was issued for another lease.
        public static let nonceInvalid = Code(rawValue: "nonce-invalid")
        /// The evidence did not verify (the verifier's own code is in the reason).
        public static let evidenceInvalid = Code(rawValue: "evidence-invalid")
        public static let teeNotAllowed = Code(rawValue: "tee-not-allowed")
        public static let measurementMismatch = Code(rawValue: "measurement-mismatch")
        public static let debugNotAllowed = Code(rawValue: "debug-not-allowed")
        public static let tcbTooLow = Code(rawValue: "tcb-too-low")
        public static let tcbStatusNotAccepted = Code(rawValue: "tcb-status-not-accepted")
        public static let reportDataMismatch = Code(rawValue: "report-data-mismatch")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    /// A policy refusal keeps the policy's own code (`measurement-mismatch`, `tcb-too-low`,
    /// `vmpl-not-allowed`, …): the two vocabularies are one on purpose.
    public init(_ error: AttestationError) {
        self.init(Code(rawValue: error.code.rawValue), error.reason)
    }

    /// Evidence that failed verification (signature, chain, collateral, parsing): one public
    /// code, with the verifier's precise code kept in the reason for the log.
    public static func evidenceInvalid(_ error: AttestationError) -> LeaseRefusal {
        LeaseRefusal(.evidenceInvalid, "\(error.code.rawValue): \(error.reason)")
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
