import Codecs
import CoreMetrics
import LeaseholdCore
import LeaseholdAPI

/// What the broker itself records for `GET /metrics`, through swift-metrics handlers made by
/// an explicit factory (never the process-wide `MetricsSystem`, so each test can have a
/// registry of its own). Labels are closed sets only: no owner, lease or key id, no secret.
/// `disabled` records nothing and is the default.
public struct BrokerMetrics: Sendable {
    /// Transactions of the group committer and how many requests each carried.
    let commits: Counter
    let commitBatchSize: Recorder
    let factory: any MetricsFactory

    public init(factory: any MetricsFactory) {
        self.factory = factory
        commits = Counter(label: "leasehold_commits_total", factory: factory)
        commitBatchSize = Recorder(label: "leasehold_commit_batch_size", aggregate: true, factory: factory)
    }

    public static let disabled = BrokerMetrics(factory: NOOPMetricsHandler.instance)

    /// One request to a collateral upstream (`intel-pcs`, `pccs`, `collateral-dir`) and its
    /// HTTP status (or `error`).
    func collateralFetched(upstream: String, outcome: String) {
        Counter(label: "leasehold_collateral_fetches_total", dimensions: [("upstream", upstream), ("status", outcome)], factory: factory).increment()
    }

    /// A grant served from a cached collateral set (`memory` or `store`).
    func collateralHit(source: String) {
        Counter(label: "leasehold_collateral_cache_hits_total", dimensions: [("source", source)], factory: factory).increment()
    }

    /// One group commit that carried `batchSize` requests.
    func committed(batchSize: Int) {
        commits.increment()
        commitBatchSize.record(batchSize)
    }
}

extension Broker {
    /// The number of entries in the log (its tree size), read from the store: for the
    /// `leasehold_log_entries` gauge, read when metrics are scraped.
    public func logSize() async throws(BrokerError) -> UInt64 {
        try await read { tx in try tx.logState()?.frontier.size ?? 0 }
    }
}
