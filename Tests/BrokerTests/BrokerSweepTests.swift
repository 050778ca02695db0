import Codecs
import Crypto
import Attestation
import Foundation
import Synchronization
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

@Suite struct BrokerSweepTests {
    @Test func theSweeperRecordsEachExpiryOnceAlsoAcrossRestarts() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("a", ttl: "90s"))
        try await h.issue(h.manifest("b", ttl: "2h"))
        _ = try await h.fetch("a")  // a grant records its nonce's use; the sweep purges it once expired
        h.clock.advance(120)
        let first = try await h.broker.sweep()
        #expect(first.expired == ["acme/a"])
        // A used nonce is remembered past its expiry by the grace period (review L10).
        #expect(first.noncesPurged == 0)
        h.clock.advance(Broker.singleUseGrace)
        #expect(try await h.broker.sweep().noncesPurged == 1)
        #expect(try await h.broker.sweep().expired.isEmpty)
        // A restarted broker on the same data directory does not record it again.
        let again = try await Broker.open(h.broker.configuration)
        #expect(try await again.sweep().expired.isEmpty)
        let expired = try await h.entries().filter { $0.kind == "lease.expired" }
        #expect(expired.map(\.leaseId) == ["a"])
        _ = try h.audit()
    }

    @Test func theAuditCatchesAMissingExpiry() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("a", ttl: "90s"))
        h.clock.advance(3600)
        // Something else is logged long after the lease ended, but no sweep ran.
        try await h.issue(h.manifest("b"))
        #expect(throws: LeaseInvariantChecker.Violation.self) { _ = try h.audit() }
        _ = try await h.broker.sweep()
        _ = try h.audit()
    }
}
