import Collateral
import Foundation
import Storage

/// The collateral service's sets kept in the broker's store (`collateral_cache`): shared by
/// PostgreSQL replicas, kept across restarts. A cache only: a failure to read or write is a
/// miss, and the service verifies every set it loads.
public struct StoreCollateral: CollateralPersistence {
    let store: any BrokerStore

    public init(store: any BrokerStore) { self.store = store }

    public func load(_ key: String) async -> [UInt8]? {
        (try? await store.read { tx in try tx.collateralSet(key) }) ?? nil
    }

    public func save(_ key: String, _ bytes: [UInt8], nextUpdate: Date) async {
        let seconds = Int64(nextUpdate.timeIntervalSince1970.rounded(.down))
        _ = try? await store.write { tx in try tx.putCollateralSet(key, body: bytes, nextUpdate: seconds) }
    }
}

extension Broker {
    /// Refreshes the collateral sets that end within the hour (the sweeper's tick).
    public func refreshCollateral() async -> (refreshed: Int, failed: Int) {
        await configuration.collateral?.refresh(at: now) ?? (0, 0)
    }

    /// Collateral sets in memory and when the oldest was fetched; nil without the service.
    public func collateralCacheSummary() -> (sets: Int, oldestFetchedAt: Date?)? {
        configuration.collateral?.cacheSummary()
    }
}
