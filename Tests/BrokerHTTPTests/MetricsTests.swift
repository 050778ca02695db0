import Broker
import LeaseholdAPI
@testable import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LeaseholdClient
@testable import LeaseholdOwnerClient
import LeaseholdCore
import Logging
import LeaseholdTestSupport
import Testing
import Vault

/// `GET /metrics`: admin token on the API listener, none on `--metrics-listen`, labels that
/// are closed sets. Each test has its own registry (no global bootstrap).
@Suite struct MetricsTests {
    var logger: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    @Test func metricsNeedTheAdminTokenOnTheAPIListener() async throws {
        let metrics = ServerMetrics()
        let t = try await TestBroker.make(metrics: metrics.broker)
        let token = try t.adminToken
        let app = try BrokerRoutes.application(
            broker: t.broker, host: "127.0.0.1", port: 0, options: HTTPServerOptions(metrics: metrics), logger: logger)
        try await app.test(.router) { client in
            for headers: HTTPFields in [[:], [.authorization: "Bearer wrong"], [.authorization: "Bearer " + token + "x"], [.authorization: token]] {
                try await client.execute(uri: "/metrics", method: .get, headers: headers) { r in
                    #expect(r.status == .unauthorized)
                    #expect(String(buffer: r.body).contains("\"reason\":\"unauthorized\""))
                }
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer " + token]) { r in
                #expect(r.status == .ok)
                #expect(r.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
                #expect(String(buffer: r.body).contains("leasehold_log_entries"))
            }
        }
    }

    @Test func withoutMetricsTheRouteStillWantsTheTokenThenSaysNotFound() async throws {
        let t = try await TestBroker.make()
        let token = try t.adminToken
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.router) { client in
            try await client.execute(uri: "/metrics", method: .get) { r in #expect(r.status == .unauthorized) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer " + token]) { r in
                #expect(r.status == .notFound)
            }
        }
    }

    @Test func grantsDenialsLatencyBatchesAndLogSizeAreRecordedWithBoundedLabels() async throws {
        let metrics = ServerMetrics()
        let t = try await TestBroker.make(metrics: metrics.broker)
        let token = try t.adminToken
        let app = try BrokerRoutes.application(
            broker: t.broker, host: "127.0.0.1", port: 0, options: HTTPServerOptions(metrics: metrics), logger: logger)
        let measurement = [UInt8](repeating: 0x5A, count: 48)
        try await app.test(.live) { client in
            let connection = try BrokerConnection("http://127.0.0.1:\(try #require(client.port))")
            let owner = OwnerClient(connection)
            let ownerKey = try OwnerSigningKey.generate()
            _ = try await owner.register(owner: "acme", publicKey: ownerKey.publicKey, adminToken: token)
            _ = try await owner.putKey(owner: "acme", keyId: "k1", key: try DataKey.generate(), signingKey: ownerKey)
            let manifest = LeaseManifest(
                owner: "acme", leaseId: "secret-lease-name", purpose: "test", expiry: .ttl(.init("1h")!), maxGrants: 5,
                keys: ["k1"], workloads: [.sandbox(SandboxWorkload(measurement: measurement))])
            _ = try await owner.issueLease(try ManifestEnvelope.sign(manifest, with: ownerKey))
            _ = try await WorkloadClient(connection).fetch(
                owner: "acme", leaseId: "secret-lease-name", evidence: EvidenceProviders.sandbox(measurement: measurement))
            // A refused grant (wrong measurement) and a malformed one.
            _ = try? await WorkloadClient(connection).fetch(
                owner: "acme", leaseId: "secret-lease-name",
                evidence: EvidenceProviders.sandbox(measurement: [UInt8](repeating: 0x11, count: 48)))
            try await client.execute(uri: "/v1/leases/acme/secret-lease-name/grants", method: .post, body: ByteBuffer(string: "not json")) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/no/such/route/x%22y", method: .get) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer " + token]) { r in
                #expect(r.status == .ok)
                let text = String(buffer: r.body)
                #expect(text.contains("leasehold_grants_total 1"))
                #expect(text.contains(#"leasehold_denials_total{reason="measurement-mismatch"} 1"#))
                #expect(text.contains(#"leasehold_denials_total{reason="bad-request"} 1"#))
                #expect(
                    text.contains(
                        #"leasehold_http_request_duration_seconds_count{route="/v1/leases/{owner}/{leaseId}/grants",method="POST",status="200"} 1"#))
                #expect(text.contains(#"route="unmatched""#))
                #expect(text.contains("leasehold_commit_batch_size_count"))
                #expect(text.contains("leasehold_commits_total"))
                // broker.keys, 1 registration, 1 key, 1 lease, 1 grant, 1 denial: 6 entries.
                #expect(text.contains("leasehold_log_entries 6"))
                // No id, raw path or secret in any label.
                for forbidden in ["acme", "secret-lease-name", "k1", "x%22y", token] {
                    #expect(!text.contains(forbidden), "\(forbidden) appears in the metrics")
                }
            }
        }
    }

    @Test func theMetricsListenerServesWithoutAToken() async throws {
        let metrics = ServerMetrics()
        let t = try await TestBroker.make(metrics: metrics.broker)
        metrics.swept(failed: false)
        let app = try BrokerRoutes.metricsApplication(metrics: metrics, broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in
            try await client.execute(uri: "/metrics", method: .get) { r in
                #expect(r.status == .ok)
                #expect(String(buffer: r.body).contains("leasehold_sweeps_total 1"))
            }
            try await client.execute(uri: "/v1/health", method: .get) { r in #expect(r.status == .notFound) }
        }
    }

    @Test func labelValuesAreClosedSets() {
        #expect(ServerMetrics.label("lease-expired") == "lease-expired")
        #expect(ServerMetrics.label("x\"} 1\nevil") == "other")
        #expect(ServerMetrics.label(String(repeating: "a", count: 41)) == "other")
        #expect(ServerMetrics.method(.init("FROB")!) == "OTHER")
        #expect(ServerMetrics.method(.get) == "GET")
    }
}
