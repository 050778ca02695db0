import Broker
import LeaseholdAPI
import BrokerHTTP
import Logging
import ServiceLifecycle

/// Records `lease.expired` for leases past notAfter and purges dead nonces: once at start-up,
/// then every `interval`, until graceful shutdown. A failed sweep is logged and retried at the
/// next tick; expiry is enforced at request time anyway, so a late sweep only delays the record.
struct SweeperService: Service {
    let broker: Broker
    let interval: Duration
    let logger: Logger
    var metrics: ServerMetrics?

    func run() async throws {
        await sweepOnce()
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                return  // shutdown or cancellation
            }
            await sweepOnce()
        }
    }

    func sweepOnce() async {
        do {
            let report = try await broker.sweep()
            metrics?.swept(failed: false)
            if !report.expired.isEmpty || report.noncesPurged > 0 {
                logger.info("sweep", metadata: ["expired": "\(report.expired.count)", "noncesPurged": "\(report.noncesPurged)"])
            }
        } catch {
            metrics?.swept(failed: true)
            logger.error("sweep failed", metadata: ["reason": "\(error.code.rawValue)", "message": "\(error.message)"])
        }
        // Collateral sets that end within the hour are fetched again now, not by a grant.
        let collateral = await broker.refreshCollateral()
        if collateral.failed > 0 {
            logger.warning("collateral refresh failed", metadata: ["refreshed": "\(collateral.refreshed)", "failed": "\(collateral.failed)"])
        } else if collateral.refreshed > 0 {
            logger.info("collateral refreshed", metadata: ["sets": "\(collateral.refreshed)"])
        }
    }
}
