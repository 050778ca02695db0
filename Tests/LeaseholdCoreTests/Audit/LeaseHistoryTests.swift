import Codecs
import Foundation
import Testing
import TransparencyLog
@testable import LeaseholdCore

/// `LeaseHistory` on entries made here: what it keeps of each kind, the owner's workloads read
/// from the signed manifest, and the selection by owner, lease and time.
@Suite struct LeaseHistoryTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func entry(_ seq: UInt64, _ at: TimeInterval, _ kind: String, owner: String = "acme", lease: String? = "l1", _ fields: [String: JSONValue] = [:])
        -> LogEntry
    {
        LogEntry(seq: seq, time: t0.addingTimeInterval(at), kind: kind, owner: owner, leaseId: lease, prev: MerkleHash.emptyRoot, fields: fields)
    }

    func log() throws -> [LogEntry] {
        let envelope = try ManifestEnvelope.sign(try LeaseManifest(yaml: ManifestFixtures.yaml()), with: try OwnerSigningKey.generate(.ed25519))
        return [
            entry(0, 0, "owner.registered", lease: nil, ["publicKey": .string("k")]),
            entry(
                1, 1, "lease.issued",
                [
                    "purpose": .string("p"), "maxGrants": .int(1), "envelope": .string(Base64.encode(envelope.json)),
                    "manifestDigest": .string("d"), "unlisted": .string("not kept"),
                ]),
            entry(2, 2, "key.granted", ["tee": .string("sandbox"), "grantId": .string("g1"), "debug": .bool(false), "nonce": .string("n")]),
            entry(3, 3, "key.denied", ["reason": .string("lease-exhausted")]),
            entry(4, 4, "lease.issued", lease: "l2", ["purpose": .string("other")]),
            entry(5, 5, "lease.revoked", owner: "globex", ["by": .string("owner")]),
            entry(6, 6, "receipt", ["receiptKind": .string("shredded"), "grantId": .string("g1")]),
            entry(7, 7, "lease.released", ["by": .string("workload")]),
            entry(8, 8, "lease.expired", lease: "l2", ["grantsIssued": .int(0)]),
        ]
    }

    func run(_ selection: LeaseHistory.Selection) throws -> LeaseHistory {
        var h = LeaseHistory(selection: selection)
        for e in try log() { h.consume(e) }
        return h
    }

    @Test func oneLeaseInLogOrderWithWhatEachEventKeeps() throws {
        let h = try run(.init(owner: "acme", leaseId: "l1"))
        #expect(h.entries == 9)
        #expect(h.events.map(\.event) == ["issued", "granted", "denied", "receipt", "released"])
        #expect(h.events.map(\.seq) == [1, 2, 3, 6, 7])
        let issued = try #require(h.events.first)
        #expect(issued.details.map(\.0) == ["purpose", "workloads", "maxGrants", "manifestDigest"])
        let workloads = try #require(issued.details.first { $0.0 == "workloads" }?.1.arrayValue)
        #expect(workloads.count == 1 && workloads.first?["tee"]?.stringValue == "sandbox")
        #expect(workloads.first?["measurement"]?.stringValue == ManifestFixtures.measurement48)
        // The nonce and fields the table does not name are not shown.
        #expect(h.events[1].details.map(\.0) == ["tee", "debug", "grantId"])
        #expect(h.events[2].details.first?.1.stringValue == "lease-exhausted")
    }

    @Test func selectionByOwnerLeaseAndTime() throws {
        #expect(try run(.init()).events.count == 8)  // every lease event; owner.registered is none
        #expect(try run(.init(owner: "globex")).events.map(\.event) == ["revoked"])
        #expect(try run(.init(leaseId: "l2")).events.map(\.event) == ["issued", "expired"])
        #expect(try run(.init(from: t0.addingTimeInterval(3), to: t0.addingTimeInterval(6))).events.map(\.seq) == [3, 4, 5, 6])
        #expect(try run(.init(owner: "nobody")).events.isEmpty)
    }
}
