import Broker
import LeaseholdAPI
@testable import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import Synchronization
import LeaseholdTestSupport
import Testing

/// Token buckets with made-up times, and the 429 over HTTP.
@Suite struct RateLimiterTests {
    @Test func aBucketAllowsItsBurstThenRefillsAtItsRate() {
        var b = TokenBuckets<String>(limit: RateLimit(rate: 2, burst: 3), capacity: 100)
        for _ in 0..<3 { #expect(b.take("a", now: .zero) == .allowed) }
        guard case .limited(let wait) = b.take("a", now: .zero) else { Issue.record("the 4th request was allowed"); return }
        #expect(wait == .milliseconds(500))  // one token at 2 per second
        #expect(b.take("b", now: .zero) == .allowed)  // another key has its own bucket
        #expect(b.take("a", now: .milliseconds(499)) != .allowed)
        #expect(b.take("a", now: .milliseconds(500)) == .allowed)
        // A long pause refills up to the burst, not beyond.
        for _ in 0..<3 { #expect(b.take("a", now: .seconds(100)) == .allowed) }
        #expect(b.take("a", now: .seconds(100)) != .allowed)
    }

    @Test func aRefusalUsesNoToken() {
        var b = TokenBuckets<String>(limit: RateLimit(rate: 1, burst: 1), capacity: 100)
        #expect(b.take("a", now: .zero) == .allowed)
        for ms in stride(from: 100, to: 1000, by: 100) { #expect(b.take("a", now: .milliseconds(Int64(ms))) != .allowed) }
        #expect(b.take("a", now: .seconds(1)) == .allowed)
    }

    @Test func offAllowsEverythingAndTracksNothing() {
        var b = TokenBuckets<String>(limit: .off, capacity: 10)
        for i in 0..<1000 { #expect(b.take("k\(i % 3)", now: .zero) == .allowed) }
        #expect(b.buckets.isEmpty)
    }

    @Test func trackedKeysStayBoundedAndTheMostRecentAreKept() {
        var b = TokenBuckets<String>(limit: RateLimit(rate: 0.001, burst: 1), capacity: 64)
        for i in 0..<10_000 {
            _ = b.take("k\(i)", now: .milliseconds(Int64(i)))
            #expect(b.buckets.count <= 64)
        }
        // The newest key is still tracked (and so still limited); the oldest were dropped.
        #expect(b.take("k9999", now: .milliseconds(10_000)) != .allowed)
        #expect(b.buckets["k0"] == nil)
    }

    @Test func allBucketsOrNone() throws {
        let clock = Mutex(Duration.zero)
        let limiter = RateLimiter(
            policy: RateLimitPolicy(client: .init(rate: 1, burst: 5), lease: .init(rate: 1, burst: 2), owner: .off),
            now: { clock.withLock { $0 } })
        try limiter.check(client: "c", lease: "o/l1")
        try limiter.check(client: "c", lease: "o/l1")
        // The lease bucket is empty: refused, naming it, and the client's bucket is untouched.
        #expect(throws: RateLimiter.Limited.self) { try limiter.check(client: "c", lease: "o/l1") }
        do { try limiter.check(client: "c", lease: "o/l1") } catch { #expect(error.kind == .lease) }
        try limiter.check(client: "c", lease: "o/l2")
        try limiter.check(client: "c", lease: "o/l3")
        try limiter.check(client: "c", lease: "o/l4")  // the 5th token of the client's burst
        #expect(throws: RateLimiter.Limited.self) { try limiter.check(client: "c", lease: "o/l5") }
        clock.withLock { $0 = .seconds(1) }
        try limiter.check(client: "c", lease: "o/l5")
    }

    @Test func clientKeysAreAddressesWithIPv6ByItsSlash64() throws {
        #expect(RateLimiter.clientKey(try SocketAddress(ipAddress: "192.0.2.7", port: 1)) == "192.0.2.7")
        let a = RateLimiter.clientKey(try SocketAddress(ipAddress: "2001:db8:1:2:aaaa::1", port: 1))
        let b = RateLimiter.clientKey(try SocketAddress(ipAddress: "2001:db8:1:2:bbbb:cccc:dddd:eeee", port: 2))
        let c = RateLimiter.clientKey(try SocketAddress(ipAddress: "2001:db8:1:3::1", port: 1))
        #expect(a == b)
        #expect(a != c)
        #expect(RateLimiter.clientKey(try SocketAddress(ipAddress: "::1", port: 1)) == "0:0:0:0::/64")
        #expect(RateLimiter.clientKey(try SocketAddress(ipAddress: "::ffff:192.0.2.7", port: 1)) == "192.0.2.7")
        #expect(RateLimiter.clientKey(nil) == "unknown")
    }

    @Test func overTheLimitIsA429WithRetryAfterAndTheJSONErrorBody() async throws {
        let t = try await TestBroker.make()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let metrics = ServerMetrics()
        let options = HTTPServerOptions(
            rateLimits: RateLimitPolicy(client: .init(rate: 0.01, burst: 3), lease: .off, owner: .init(rate: 0.01, burst: 1)),
            metrics: metrics)
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, options: options, logger: logger)
        try await app.test(.live) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/v1/leases/acme/l1/challenge", method: .post) { r in
                    #expect(r.status == .notFound)  // no such lease, but not limited
                }
            }
            try await client.execute(uri: "/v1/leases/acme/l1/grants", method: .post, body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .tooManyRequests)
                let retry = try #require(r.headers[.retryAfter].flatMap { Int($0) })
                #expect(retry >= 1 && retry <= 100)
                let e = try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: r.body))
                #expect(e.reason == "rate-limited")
                #expect(r.headers[.contentType] == "application/json")
            }
            // Owner routes: per owner, from the path.
            try await client.execute(uri: "/v1/leases/acme/l1/revoke", method: .post, body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/leases/acme/l1/revoke", method: .post, body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .tooManyRequests)
            }
            try await client.execute(uri: "/v1/vault/other/k1", method: .put, body: ByteBuffer(string: "{}")) { r in
                #expect(r.status == .badRequest)  // another owner's bucket
            }
            // Reads are not limited.
            try await client.execute(uri: "/v1/health", method: .get) { r in #expect(r.status == .ok) }
        }
        let text = String(decoding: await metrics.render(broker: t.broker), as: UTF8.self)
        #expect(text.contains(#"leasehold_rate_limited_total{limit="client"} 1"#))
        #expect(text.contains(#"leasehold_rate_limited_total{limit="owner"} 1"#))
    }
}
