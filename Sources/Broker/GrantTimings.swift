import Foundation
import LeaseholdAPI
import Synchronization

/// Accumulated time per phase of successful grants, so `leasehold bench grants` can show
/// where a grant's time goes: evidence verification, key wrapping (HPKE), durable commit.
public final class GrantTimings: Sendable {
    public struct Snapshot: Sendable, Hashable {
        public var grants: Int = 0
        public var verifySeconds: Double = 0
        public var wrapSeconds: Double = 0
        public var commitSeconds: Double = 0
        public var commits: Int = 0
    }

    private let state = Mutex(Snapshot())
    /// Where commits are also counted for `GET /metrics` (the committer holds this object).
    let metrics: BrokerMetrics

    init(metrics: BrokerMetrics = .disabled) { self.metrics = metrics }

    func record(verify: Double, wrap: Double, commit: Double) {
        state.withLock {
            $0.grants += 1
            $0.verifySeconds += verify
            $0.wrapSeconds += wrap
            $0.commitSeconds += commit
        }
    }

    func recordCommit() { state.withLock { $0.commits += 1 } }

    func snapshot() -> Snapshot { state.withLock { $0 } }
}
