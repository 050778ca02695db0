/// Why a client call failed. `reason` is the broker's own reason code when the broker refused
/// (`measurement-mismatch`, `nonce-invalid`, ...), so a script sees exactly what the log
/// recorded; otherwise one of the client's codes below.
public struct LeaseholdClientError: Error, Sendable, Hashable, CustomStringConvertible {
    public var reason: String
    public var message: String
    /// The HTTP status when the broker answered with an error.
    public var httpStatus: Int?

    public init(_ reason: String, _ message: String, httpStatus: Int? = nil) {
        self.reason = reason
        self.message = message
        self.httpStatus = httpStatus
    }

    public var description: String { "\(reason): \(message)" }

    /// The broker could not be reached, or the connection failed.
    public static let transport = "transport"
    /// The broker answered something that is not the documented response.
    public static let badResponse = "bad-response"
    /// The caller's input cannot make a valid request (bad key, bad suite, ...).
    public static let badInput = "bad-input"
    /// The evidence provider failed.
    public static let evidenceFailed = "evidence-failed"
    /// A granted key did not open with the one-time key and the lease's `info`.
    public static let unwrapFailed = "unwrap-failed"
    /// The grant's receipt (checkpoint signature or inclusion proof) does not verify.
    public static let receiptInvalid = "receipt-invalid"
}
