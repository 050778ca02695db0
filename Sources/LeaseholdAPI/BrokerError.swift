/// Why the broker refused a request: a stable, machine-readable `code` (the `reason` field of
/// the HTTP error body and of `key.denied` log entries) and a `message` a person can act on.
/// BrokerHTTP maps codes to statuses (`BrokerError+HTTP.swift`); nothing below it knows HTTP.
public struct BrokerError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The one vocabulary of reasons (`ReasonCode`, every wire code in one file).
    public typealias Code = ReasonCode

    public var code: Code
    public var message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code.rawValue): \(message)" }
}
