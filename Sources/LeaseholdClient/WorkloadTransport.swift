import LeaseholdAPI

/// How a workload's requests reach a broker. Over HTTP it is `BrokerConnection`; in process
/// (`leasehold demo`, the broker's tests, `bench`) it is the broker itself (Broker's
/// `InProcessTransport`). `WorkloadClient` runs one flow, with one set of checks, over either:
/// the in-process path trusts the broker no more than the HTTP one does.
///
/// Errors are `LeaseholdClientError`: a broker's refusal keeps its reason code and HTTP
/// status (so `BootRetry` decides the same way over both), a transport failure is
/// `transport`.
public protocol WorkloadTransport: Sendable {
    /// The broker's identity (`GET /v1/broker`), for its log key when none is pinned.
    func info() async throws(LeaseholdClientError) -> BrokerInfo
    /// `POST /v1/leases/{owner}/{leaseId}/challenge`.
    func challenge(owner: String, leaseId: String) async throws(LeaseholdClientError) -> ChallengeResponse
    /// `POST …/grants`.
    func grant(owner: String, leaseId: String, _ request: GrantRequest) async throws(LeaseholdClientError) -> GrantResponse
    /// `POST …/receipts`.
    func receipt(owner: String, leaseId: String, _ receipt: WorkloadReceipt) async throws(LeaseholdClientError) -> LogIndexResponse
    /// `POST …/release`.
    func release(owner: String, leaseId: String, _ receipt: WorkloadReceipt) async throws(LeaseholdClientError) -> LogIndexResponse
}

extension BrokerConnection: WorkloadTransport {
    public func challenge(owner: String, leaseId: String) async throws(LeaseholdClientError) -> ChallengeResponse {
        try await json(ChallengeResponse.self, "POST", ["v1", "leases", owner, leaseId, "challenge"])
    }

    public func grant(owner: String, leaseId: String, _ request: GrantRequest) async throws(LeaseholdClientError) -> GrantResponse {
        try await json(GrantResponse.self, "POST", ["v1", "leases", owner, leaseId, "grants"], body: try Self.encode(request))
    }

    public func receipt(owner: String, leaseId: String, _ receipt: WorkloadReceipt) async throws(LeaseholdClientError) -> LogIndexResponse {
        try await json(LogIndexResponse.self, "POST", ["v1", "leases", owner, leaseId, "receipts"], body: try Self.encode(receipt))
    }

    public func release(owner: String, leaseId: String, _ receipt: WorkloadReceipt) async throws(LeaseholdClientError) -> LogIndexResponse {
        try await json(LogIndexResponse.self, "POST", ["v1", "leases", owner, leaseId, "release"], body: try Self.encode(receipt))
    }
}
