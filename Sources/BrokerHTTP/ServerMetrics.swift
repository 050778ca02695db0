import Broker
import LeaseholdAPI
import CoreMetrics
import Foundation
import Hummingbird
import Prometheus

/// Everything `GET /metrics` shows, in one Prometheus registry of its own: the HTTP layer's
/// counters and histograms, and (through `broker`) the broker's. The registry is passed in,
/// not taken from swift-metrics' process-wide `MetricsSystem`, which can be bootstrapped only
/// once per process; so each test (and each broker in a process) has its own.
///
/// Labels are closed sets: route templates (`/v1/leases/{owner}/{leaseId}/grants`, never the
/// path), methods (others are `OTHER`), status codes the server sends, reason codes the code
/// base defines, timeout phases. No owner, lease or key id, no address, no secret.
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    /// Hand this to `BrokerConfiguration.metrics`.
    public let broker: BrokerMetrics
    let grants: CoreMetrics.Counter
    let logEntries: CoreMetrics.Gauge
    let sweeps: CoreMetrics.Counter
    let sweepFailures: CoreMetrics.Counter
    let connectionsRefused: CoreMetrics.Counter

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latency: a grant is milliseconds to a few hundred (DCAP, cold caches).
        factory.defaultDurationHistogramBuckets = [
            .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
            .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .milliseconds(2500), .seconds(5), .seconds(10),
        ]
        factory.valueHistogramBuckets["leasehold_commit_batch_size"] = [1, 2, 4, 8, 16, 32, 64, 128, 256]
        self.factory = factory
        broker = BrokerMetrics(factory: factory)
        grants = CoreMetrics.Counter(label: "leasehold_grants_total", factory: factory)
        logEntries = CoreMetrics.Gauge(label: "leasehold_log_entries", factory: factory)
        sweeps = CoreMetrics.Counter(label: "leasehold_sweeps_total", factory: factory)
        sweepFailures = CoreMetrics.Counter(label: "leasehold_sweep_failures_total", factory: factory)
        connectionsRefused = CoreMetrics.Counter(label: "leasehold_http_connections_refused_total", factory: factory)
    }

    /// A grant released keys.
    func granted() { grants.increment() }

    /// A grant was refused with `reason` (a code of `BrokerError`/`ReasonCode`).
    func denied(_ reason: BrokerError.Code) {
        CoreMetrics.Counter(label: "leasehold_denials_total", dimensions: [("reason", Self.label(reason.rawValue))], factory: factory).increment()
    }

    /// A request was answered 429.
    func rateLimited(_ kind: RateLimiter.Kind) {
        CoreMetrics.Counter(label: "leasehold_rate_limited_total", dimensions: [("limit", kind.rawValue)], factory: factory).increment()
    }

    /// One sweep of expired leases and dead nonces ran (`failed` if it could not write).
    public func swept(failed: Bool) {
        sweeps.increment()
        if failed { sweepFailures.increment() }
    }

    func connectionTimedOut(_ phase: ConnectionDeadlines.Phase) {
        CoreMetrics.Counter(label: "leasehold_http_connections_timed_out_total", dimensions: [("phase", phase.rawValue)], factory: factory)
            .increment()
    }

    func connectionRefused() { connectionsRefused.increment() }

    func request(route: String, method: HTTPRequest.Method, status: Int, seconds: Double) {
        let dims = [("route", route), ("method", Self.method(method)), ("status", String(status))]
        CoreMetrics.Timer(label: "leasehold_http_request_duration_seconds", dimensions: dims, preferredDisplayUnit: .seconds, factory: factory)
            .recordNanoseconds(Int64((seconds * 1e9).rounded()))
    }

    /// The Prometheus text exposition of everything recorded, with the log size read now.
    func render(broker: Broker) async -> [UInt8] {
        if let size = try? await broker.logSize() { logEntries.record(Double(size)) }
        if let summary = broker.collateralCacheSummary() {
            CoreMetrics.Gauge(label: "leasehold_collateral_sets", factory: factory).record(Double(summary.sets))
            let age = summary.oldestFetchedAt.map { Date().timeIntervalSince($0) } ?? 0
            CoreMetrics.Gauge(label: "leasehold_collateral_oldest_age_seconds", factory: factory).record(max(0, age))
        }
        var out: [UInt8] = []
        registry.emit(into: &out)
        return out
    }

    /// Methods outside the API's own are one label value, so odd methods cannot mint series.
    static func method(_ m: HTTPRequest.Method) -> String {
        switch m {
        case .get, .put, .post, .delete, .head, .options, .patch: return m.rawValue
        default: return "OTHER"
        }
    }

    /// Reason codes are literals of the code base; anything that does not look like one is
    /// `other`, so a label can never carry text from a request.
    static func label(_ code: String) -> String {
        guard (1...40).contains(code.utf8.count), code.utf8.allSatisfy({ ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x2D }) else { return "other" }
        return code
    }
}

/// Times every request under its route template and counts it by status. Outermost, so that
/// rate-limited and refused requests are timed too; the status is the one sent.
struct MetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var status = 500
        defer {
            let elapsed = ContinuousClock.now - start
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            metrics.request(
                route: context.endpointPath.flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "unmatched", method: request.method, status: status,
                seconds: seconds)
        }
        let response = try await next(request, context)
        status = response.status.code
        return response
    }
}
