import Foundation

/// The broker's operations, one per REST endpoint. (Stubs: being implemented.)
extension Broker {
    public func info() -> BrokerInfo { BrokerInfo(logKey: "", vaultPublicKeys: [:], tees: [], version: Broker.version) }
    public func registerOwner(_ r: RegisterOwnerRequest, adminToken: String) async throws(BrokerError) -> OwnerInfo { throw Self.todo }
    public func putKey(owner: String, keyId: String, _ r: SignedOwnerRequest) async throws(BrokerError) -> VaultPutResult { throw Self.todo }
    public func issueLease(envelope: [UInt8]) async throws(BrokerError) -> LeaseStatus { throw Self.todo }
    public func leaseStatus(owner: String, leaseId: String) async throws(BrokerError) -> LeaseStatus { throw Self.todo }
    public func challenge(owner: String, leaseId: String) async throws(BrokerError) -> ChallengeResponse { throw Self.todo }
    public func grant(owner: String, leaseId: String, _ r: GrantRequest) async throws(BrokerError) -> GrantResponse { throw Self.todo }
    public func revoke(owner: String, leaseId: String, _ r: SignedOwnerRequest) async throws(BrokerError) -> LogIndexResponse { throw Self.todo }
    public func release(owner: String, leaseId: String, _ r: WorkloadReceipt) async throws(BrokerError) -> LogIndexResponse { throw Self.todo }
    public func receipt(owner: String, leaseId: String, _ r: WorkloadReceipt) async throws(BrokerError) -> LogIndexResponse { throw Self.todo }
    public func checkpoint() async throws(BrokerError) -> String { throw Self.todo }
    /// Up to `limit` entries from `start`, exact stored bytes.
    public func logEntries(start: UInt64, limit: Int) async throws(BrokerError) -> [[UInt8]] { throw Self.todo }
    public func inclusionProof(index: UInt64) async throws(BrokerError) -> InclusionProofResponse { throw Self.todo }
    public func consistencyProof(old: UInt64) async throws(BrokerError) -> ConsistencyProofResponse { throw Self.todo }
    public func sweep() async throws(BrokerError) -> SweepReport { throw Self.todo }
    static var todo: BrokerError { BrokerError(.internal, "not implemented yet") }
}
