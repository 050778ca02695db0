import Broker
import Foundation
import LeaseholdAPI
import LeaseholdClient
import TransparencyLog
import Vault

/// The workload side of key release against an in-process broker: what `leasehold demo`, the
/// benchmarks and the tests run. It is `WorkloadClient` over `InProcessTransport`, the same
/// flow and checks as over HTTP (a one-time key bound with the nonce and the lease into the
/// evidence; keys opened; the grant's `key.granted` entry proven under the broker's log key
/// and checked to name this lease, grant, one-time key and exactly the sealed keys received),
/// with the client's errors turned back into `BrokerError` for callers that speak the broker's.
public struct LocalWorkload: Sendable {
    public struct Received: Sendable {
        public var keys: [String: DataKey]
        /// The grant as the client verified it.
        public var grant: ReleasedGrant
        /// The broker's answer as received.
        public var response: GrantResponse { grant.response }
        /// The one-time key that signs receipts and release (a test may set a forged one).
        public var signingKey: ReceiptSigningKey {
            get { grant.signingKey }
            set { grant.signingKey = newValue }
        }
    }

    public var broker: Broker
    public var suite: KeyWrapSuite

    public init(broker: Broker, suite: KeyWrapSuite = .default) {
        self.broker = broker
        self.suite = suite
    }

    func client(clock: @escaping @Sendable () -> Date = { Date() }) throws(BrokerError) -> WorkloadClient {
        let key: NoteVerifier
        do { key = try NoteVerifier(encoded: broker.logVerifierKey) } catch { throw BrokerError(.internal, "the broker's log key: \(error)") }
        return WorkloadClient(transport: InProcessTransport(broker), logKey: key, clock: clock)
    }

    /// Runs the workload flow with `provider`'s evidence (`EvidenceProviders.sandbox`, or a
    /// test's real report).
    public func fetch(owner: String, leaseId: String, evidence provider: EvidenceProvider) async throws -> Received {
        let client = try client()
        do {
            let grant = try await client.fetch(owner: owner, leaseId: leaseId, suite: suite, evidence: provider)
            return Received(keys: Dictionary(grant.keys.map { ($0.keyId, $0.key) }, uniquingKeysWith: { a, _ in a }), grant: grant)
        } catch {
            throw Self.brokerError(error)
        }
    }

    /// Sends a signed receipt (`output` with a digest, or `shredded`) or the release.
    public func report(op: String, owner: String, leaseId: String, received: Received, kind: String, outputDigest: String? = nil, at time: Date)
        async throws -> LogIndexResponse
    {
        let client = try client(clock: { time })
        do {
            if op == WorkloadClient.releaseOp { return try await client.release(received.grant) }
            return try await client.postReceipt(received.grant, kind: kind, outputDigest: outputDigest)
        } catch {
            throw Self.brokerError(error)
        }
    }

    /// The broker's own codes come back as they were; the client's checks (bad-response,
    /// receipt-invalid, unwrap-failed, evidence-failed) keep theirs.
    static func brokerError(_ e: LeaseholdClientError) -> BrokerError {
        BrokerError(ReasonCode(e.reason), e.message)
    }
}
