import Broker
import LeaseholdAPI
import LeaseholdClient

/// The broker as a `WorkloadTransport`: what `leasehold demo`, `bench` and the tests use, so
/// that the in-process workload runs the very flow and checks of the HTTP one
/// (`WorkloadClient`). A refusal keeps its code and the HTTP status BrokerHTTP would send.
public struct InProcessTransport: WorkloadTransport {
    public let broker: Broker

    public init(_ broker: Broker) {
        self.broker = broker
    }

    public func info() async throws(LeaseholdClientError) -> BrokerInfo {
        broker.info()
    }

    public func challenge(owner: String, leaseId: String) async throws(LeaseholdClientError) -> ChallengeResponse {
        do { return try await broker.challenge(owner: owner, leaseId: leaseId) } catch { throw Self.refusal(error) }
    }

    public func grant(owner: String, leaseId: String, _ request: GrantRequest) async throws(LeaseholdClientError) -> GrantResponse {
        do { return try await broker.grant(owner: owner, leaseId: leaseId, request) } catch { throw Self.refusal(error) }
    }

    public func receipt(owner: String, leaseId: String, _ receipt: WorkloadReceipt) async throws(LeaseholdClientError) -> LogIndexResponse {
        do { return try await broker.receipt(owner: owner, leaseId: leaseId, receipt) } catch { throw Self.refusal(error) }
    }

    public func release(owner: String, leaseId: String, _ receipt: WorkloadReceipt) async throws(LeaseholdClientError) -> LogIndexResponse {
        do { return try await broker.release(owner: owner, leaseId: leaseId, receipt) } catch { throw Self.refusal(error) }
    }

    static func refusal(_ e: BrokerError) -> LeaseholdClientError {
        LeaseholdClientError(e.code.rawValue, e.message, httpStatus: e.httpStatus)
    }
}
