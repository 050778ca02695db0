// The only `Broker` declarations that Sources/BrokerHTTP/StrictJSON.swift names, as stubs.
// Fuzzing exercises `StrictJSON.topLevelMemberNames`, which uses none of them.
public struct BrokerError: Error {
    public enum Code: Sendable { case badRequest }
    public var code: Code
    public var message: String
    public init(_ code: Code, _ message: String) { self.code = code; self.message = message }
}
public struct RegisterOwnerRequest: Decodable {}
public struct SignedOwnerRequest: Decodable {}
public struct GrantRequest: Decodable {}
public struct WorkloadReceipt: Decodable {}
