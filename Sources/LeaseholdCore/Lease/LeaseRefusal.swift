import Attestation
import LeaseholdAPI

/// Why a lease (or its policy) refuses a grant: a `ReasonCode` and words a person can act on.
public struct LeaseRefusal: Error, Sendable, Hashable, CustomStringConvertible {
    public typealias Code = ReasonCode

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
