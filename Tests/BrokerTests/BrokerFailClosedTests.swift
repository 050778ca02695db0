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

/// A store whose writes can be made to fail, as a full disk or a lost database would.
final class FailingStore: BrokerStore {
    let inner: SQLiteStore
    let failWrites = Mutex(false)
    /// Runs the body, then fails the commit: everything the body wrote is rolled back.
    let failCommits = Mutex(false)
    init(_ inner: SQLiteStore) { self.inner = inner }
    func write<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        if failWrites.withLock({ $0 }) { throw StorageError(.writeFailed, "disk I/O error (simulated)") }
        if failCommits.withLock({ $0 }) {
            return try await inner.write { tx -> T in
                _ = try body(tx)
                throw StorageError(.writeFailed, "commit failed (simulated)")
            }
        }
        return try await inner.write(body)
    }
    func read<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T { try await inner.read(body) }
}

@Suite struct BrokerFailClosedTests {
    /// A harness whose broker writes through a `FailingStore`.
    static func failingHarness() async throws -> (BrokerHarness, FailingStore?) {
        nonisolated(unsafe) var failing: FailingStore?
        let h = try await BrokerHarness.make { sqlite in
            let s = FailingStore(sqlite)
            failing = s
            return s
        }
        return (h, failing)
    }

    @Test func whenTheLogCannotBeWrittenNoKeyIsReleased() async throws {
        let (h, failing) = try await Self.failingHarness()
        try await h.issue(h.manifest("l1"))
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let req = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        failing?.failWrites.withLock { $0 = true }
        await expectRefusal(.logUnavailable) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", req) }
        failing?.failWrites.withLock { $0 = false }
        #expect(try await h.entries().filter { $0.kind == "key.granted" }.isEmpty)
        #expect(try await h.broker.leaseStatus(owner: h.owner, leaseId: "l1").grantsIssued == 0)
        // The nonce was not consumed either (nothing committed), so the same request now succeeds.
        let ok = try await h.broker.grant(owner: h.owner, leaseId: "l1", req)
        #expect(ok.keys.count == 1)
    }

    /// A grant whose transaction rolls back after its lease row was sealed leaves no trace, in
    /// the database or in the broker's memory of row versions: the next grant is not mistaken
    /// for a rolled-back row.
    @Test func aCommitThatRollsBackDoesNotPoisonTheLease() async throws {
        let (h, failing) = try await Self.failingHarness()
        try await h.issue(h.manifest("l1"))
        _ = try await h.fetch("l1")
        failing?.failCommits.withLock { $0 = true }
        await expectRefusal(.logUnavailable) { _ = try await h.fetch("l1") }
        failing?.failCommits.withLock { $0 = false }
        _ = try await h.fetch("l1")
        #expect(try await h.broker.leaseStatus(owner: h.owner, leaseId: "l1").grantsIssued == 2)
    }
}
