import Codecs
import Foundation
import Testing
@testable import Broker
import LeaseholdAPI
import TransparencyLog

/// The console's index, fed entries without any I/O.
@Suite struct AuditIndexTests {
    let prev = LogHash.zero

    func entry(_ seq: UInt64, _ kind: String, owner: String? = "acme", lease: String? = nil, _ fields: [String: JSONValue] = [:]) -> [UInt8] {
        LogEntry(
            seq: seq, time: Date(timeIntervalSince1970: 1_700_000_000 + Double(seq)), kind: kind, owner: owner, leaseId: lease, prev: prev,
            fields: fields
        ).encoded()
    }

    func issued(_ seq: UInt64, _ lease: String, max: Int64 = 2, purpose: String = "p") -> [UInt8] {
        entry(
            seq, "lease.issued", lease: lease,
            [
                "purpose": .string(purpose), "maxGrants": .int(max), "notBefore": .string("2026-01-01T00:00:00Z"),
                "notAfter": .string("2026-01-02T00:00:00Z"),
            ])
    }

    @Test func leasesFollowTheirEntries() throws {
        var index = AuditIndex()
        let log: [[UInt8]] = [
            entry(0, "owner.registered"),
            issued(1, "a", max: 2, purpose: "Nightly ETL"),
            entry(2, "key.granted", lease: "a"),
            entry(3, "key.denied", lease: "ghost"),  // a lease the log never issued
            entry(4, "key.denied", lease: "a"),
            issued(5, "b"),
            entry(6, "key.granted", lease: "a"),
            entry(7, "receipt", lease: "a"),
            entry(8, "lease.revoked", lease: "b"),
            issued(9, "c"),
            entry(10, "lease.released", lease: "c"),
            issued(11, "d"),
            entry(12, "lease.expired", lease: "d"),
            entry(13, "owner.registered", owner: "zeta"),
        ]
        for e in log { try index.consume(e) }
        #expect(index.size == 14)
        #expect(index.owners.map(\.owner) == ["acme", "zeta"])
        #expect(index.owners.first?.leases == 4)
        let a = try #require(index.lease(owner: "acme", leaseId: "a"))
        #expect(a.seqs == [1, 2, 4, 6, 7])
        #expect((a.status, a.grants, a.denials, a.receipts, a.purpose, a.maxGrants) == ("exhausted", 2, 1, 1, "Nightly ETL", 2))
        #expect(index.lease(owner: "acme", leaseId: "b")?.status == "revoked")
        #expect(index.lease(owner: "acme", leaseId: "c")?.status == "released")
        #expect(index.lease(owner: "acme", leaseId: "d")?.status == "expired")
        #expect(index.lease(owner: "acme", leaseId: "ghost") == nil)
        // Newest first; filters by owner, text (id or purpose, any case) and status.
        #expect(index.leases(owner: nil, text: nil, status: nil, limit: 10).map(\.leaseId) == ["d", "c", "b", "a"])
        #expect(index.leases(owner: "acme", text: "etl", status: nil, limit: 10).map(\.leaseId) == ["a"])
        #expect(index.leases(owner: nil, text: nil, status: "revoked", limit: 10).map(\.leaseId) == ["b"])
        #expect(index.leases(owner: "zeta", text: nil, status: nil, limit: 10).isEmpty)
        #expect(index.leases(owner: nil, text: nil, status: nil, limit: 2).count == 2)
    }

    /// An entry out of place, or one that does not parse, stops the index with a reason
    /// (state-invalid) instead of describing a log it cannot read.
    @Test func anEntryOutOfPlaceOrUnreadableIsRefused() throws {
        var index = AuditIndex()
        try index.consume(entry(0, "owner.registered"))
        #expect(throws: BrokerError.self) { try index.consume(entry(2, "owner.registered")) }
        #expect(throws: BrokerError.self) { try index.consume(Array("{\"seq\":1}".utf8)) }
        #expect(index.size == 1)
    }
}
