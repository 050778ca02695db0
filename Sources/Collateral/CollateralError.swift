import Foundation

/// Why the broker has no verified, current collateral for a piece of evidence. Every case
/// refuses the grant with `collateral-unavailable` (503, retryable); none weakens a check.
public struct CollateralError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Code: String, Sendable, Hashable {
        /// The upstream could not be reached, timed out, or answered 5xx.
        case unreachable
        /// The upstream answered 429 or 503 with Retry-After, or an earlier failure's backoff
        /// has not passed yet.
        case backingOff = "backing-off"
        /// The upstream answered, but not with the document (404, 410, another status).
        case notServed = "not-served"
        /// A document did not verify (signature, chain to the pinned root, freshness), or is
        /// older than one already seen (`tcbEvaluationDataNumber` going backwards).
        case invalid
    }

    public var code: Code
    public var reason: String
    /// When a retry may succeed (Retry-After, or the backoff's end).
    public var retryAfter: Date?

    public init(_ code: Code, _ reason: String, retryAfter: Date? = nil) {
        self.code = code; self.reason = reason; self.retryAfter = retryAfter
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
