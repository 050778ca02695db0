import Foundation
import GRDB
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog

/// CRYPTO-REVIEW-2026-12, H1, second half: the lease columns no signature covers (state,
/// grant count, expiry flag) are authenticated by a row MAC; someone who can write only the
/// database cannot reset a counter, un-revoke a lease or move a row, and a row the broker
/// itself wrote earlier cannot be put back while the broker runs.
@Suite struct RowMACTests {
    static func sql(_ h: BrokerHarness, _ statement: String, _ arguments: StatementArguments = []) throws {
        try SignedDataTests.sql(h, statement, arguments)
    }

    static func row(_ h: BrokerHarness, _ leaseId: String) throws -> (state: String, grants: Int64, lastSeq: Int64, mac: Data) {
        let queue = try DatabaseQueue(path: h.broker.configuration.databasePath)
        return try queue.read { db in
            let r = try #require(
                try Row.fetchOne(db, sql: "SELECT state, grants_issued, last_seq, mac FROM leases WHERE lease_id = ?", arguments: [leaseId]))
            return (r[0], r[1], r[2], r[3])
        }
    }

    @Test func everyLeaseWriteSealsTheRowWithTheEntryThatChangedIt() async throws {
        let h = try await BrokerHarness.make()
        let issued = try await h.issue(h.manifest("l1"))
        var r = try Self.row(h, "l1")
        #expect(r.lastSeq == Int64(issued.issuedLogIndex) && r.mac.count == 32)
        let got = try await h.fetch("l1")
        r = try Self.row(h, "l1")
        #expect(r.grants == 1 && r.lastSeq == Int64(got.response.receipt.logIndex))
        _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", try h.revokeRequest("l1"))
        r = try Self.row(h, "l1")
        let last = try #require(try await h.entries().last)
        #expect(r.state == "revoked" && r.lastSeq == Int64(last.seq))
    }

    /// A reset grant counter: the lease would grant past maxGrants.
    @Test func aResetCounterIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1", maxGrants: 2))
        _ = try await h.fetch("l1")
        _ = try await h.fetch("l1")
        await expectRefusal(.leaseExhausted) { _ = try await h.fetch("l1") }
        try Self.sql(h, "UPDATE leases SET grants_issued = 0, state = 'active' WHERE lease_id = 'l1'")
        for broker in [h.broker, try await SignedDataTests.cold(h)] {
            await expectRefusal(.stateInvalid) { try await SignedDataTests.fetch(broker, h, "l1") }
        }
        #expect(try await h.entries().filter { $0.kind == "key.granted" }.count == 2)
        // The refusal is on the record, with its reason.
        #expect(try await h.entries().last?.fields["reason"]?.stringValue == "state-invalid")
    }

    /// A revoked lease set back to active.
    @Test func anUnrevokedLeaseIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", try h.revokeRequest("l1"))
        try Self.sql(h, "UPDATE leases SET state = 'active' WHERE lease_id = 'l1'")
        await expectRefusal(.stateInvalid) { _ = try await h.fetch("l1") }
    }

    /// Another lease's genuine row (state, count, MAC) copied onto this one: the MAC binds the
    /// lease's identity.
    @Test func aRowCopiedFromAnotherLeaseIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1", maxGrants: 1))
        try await h.issue(h.manifest("l2", maxGrants: 1))
        _ = try await h.fetch("l1")
        let fresh = try Self.row(h, "l2")
        try Self.sql(h, "UPDATE leases SET state = ?, grants_issued = ?, mac = ? WHERE lease_id = 'l1'", [fresh.state, fresh.grants, fresh.mac])
        await expectRefusal(.stateInvalid) { _ = try await h.fetch("l1") }
    }

    /// The broker's own earlier row put back (a single-row rollback): a MAC cannot tell it from
    /// the current one, the broker that wrote the newer row can.
    @Test func aRolledBackRowIsRefusedByTheBrokerThatSawTheNewerOne() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1", maxGrants: 1))
        let before = try Self.row(h, "l1")
        _ = try await h.fetch("l1")
        try Self.sql(
            h, "UPDATE leases SET state = ?, grants_issued = ?, last_seq = ?, mac = ? WHERE lease_id = 'l1'",
            [before.state, before.grants, before.lastSeq, before.mac])
        await expectRefusal(.stateInvalid) { _ = try await h.fetch("l1") }
        #expect(try await h.entries().filter { $0.kind == "key.granted" }.count == 1)
    }

    /// An end is recorded even on a row that fails its MAC (it only narrows), and seals it.
    @Test func aTamperedRowCanStillBeRevoked() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        try Self.sql(h, "UPDATE leases SET grants_issued = 3 WHERE lease_id = 'l1'")
        await expectRefusal(.stateInvalid) { _ = try await h.fetch("l1") }
        _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", try h.revokeRequest("l1"))
        await expectRefusal(.leaseRevoked) { _ = try await h.fetch("l1") }
    }

    /// Rows from before row MACs are adopted once, at the first start; after that, a row whose
    /// MAC was emptied is refused, on a restarted broker too.
    @Test func legacyRowsAreAdoptedOnceAndNeverAgain() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        try Self.sql(h, "UPDATE leases SET mac = x'' WHERE lease_id = 'l1'")
        try FileManager.default.removeItem(atPath: h.broker.configuration.rowMACAdoptedPath)
        let upgraded = try await SignedDataTests.cold(h)  // adopts
        #expect(try Self.row(h, "l1").mac.count == 32)
        try await SignedDataTests.fetch(upgraded, h, "l1")
        try Self.sql(h, "UPDATE leases SET mac = x'' WHERE lease_id = 'l1'")
        for broker in [upgraded, try await SignedDataTests.cold(h)] {
            await expectRefusal(.stateInvalid) { try await SignedDataTests.fetch(broker, h, "l1") }
        }
    }
}
