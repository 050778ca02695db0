import Codecs
import Crypto
import BrokerHTTP
import Foundation
import GRDB
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdClient
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// CRYPTO-REVIEW-2026-12, H1: someone who can write only the database (no root key, no owner
/// key, no log key) edits rows; the broker must refuse to release keys on them
/// (`state-invalid`), and a broker that never saw the rows before (cold caches) too.
@Suite struct SignedDataTests {
    /// The database a DBA would edit, with the broker's own file.
    static func sql(_ h: BrokerHarness, _ statement: String, _ arguments: StatementArguments = []) throws {
        let queue = try DatabaseQueue(path: h.broker.configuration.databasePath)
        try queue.write { db in try db.execute(sql: statement, arguments: arguments) }
    }

    /// A broker freshly opened on the same data directory: nothing proven in memory.
    static func cold(_ h: BrokerHarness) async throws -> Broker {
        try await Broker.open(h.broker.configuration)
    }

    static func fetch(_ broker: Broker, _ h: BrokerHarness, _ leaseId: String, measurement: [UInt8] = BrokerHarness.measurement) async throws {
        _ = try await LocalWorkload(broker: broker).fetch(
            owner: h.owner, leaseId: leaseId, evidence: EvidenceProviders.sandbox(measurement: measurement))
    }

    /// The review's attack 1: the lease's workloads are swapped for the attacker's software by
    /// rewriting manifest, digest and envelope (signed by a key of the attacker's).
    @Test func aLeaseRowWithOtherWorkloadsIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        _ = try await h.fetch("l1")  // genuine: works, and its facts are now proven in memory
        let evil = [UInt8](repeating: 0xEE, count: 48)
        let attacker = try OwnerSigningKey.generate()
        let forged = try ManifestEnvelope.sign(h.manifest("l1", workloads: [.sandbox(SandboxWorkload(measurement: evil))]), with: attacker)
        try Self.sql(
            h, "UPDATE leases SET manifest = ?, digest = ?, envelope = ? WHERE lease_id = 'l1'",
            [Data(forged.payload), Data(sha256(forged.payload)), Data(forged.json)])
        for broker in [h.broker, try await Self.cold(h)] {
            await expectRefusal(.stateInvalid) { try await Self.fetch(broker, h, "l1", measurement: evil) }
        }
        #expect(try await h.entries().filter { $0.kind == "key.granted" }.count == 1)
    }

    /// Attack 2: the owner's key is swapped for the attacker's and the lease re-signed with it.
    @Test func anOwnerKeySwapIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let attacker = try OwnerSigningKey.generate()
        let evil = [UInt8](repeating: 0xEE, count: 48)
        let forged = try ManifestEnvelope.sign(h.manifest("l1", workloads: [.sandbox(SandboxWorkload(measurement: evil))]), with: attacker)
        try Self.sql(h, "UPDATE owners SET public_key = ? WHERE owner = ?", [attacker.publicKey.text, h.owner])
        try Self.sql(
            h, "UPDATE leases SET manifest = ?, digest = ?, envelope = ? WHERE lease_id = 'l1'",
            [Data(forged.payload), Data(sha256(forged.payload)), Data(forged.json)])
        await expectRefusal(.stateInvalid) { try await Self.fetch(try await Self.cold(h), h, "l1", measurement: evil) }
    }

    /// The window or the grant limit widened in the row.
    @Test func aWidenedWindowOrLimitIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("short", ttl: "90s"))
        try await h.issue(h.manifest("few", maxGrants: 2))
        _ = try await h.fetch("short")  // both checked once: the warm path must still see the edits
        _ = try await h.fetch("few")
        try Self.sql(h, "UPDATE leases SET not_after = not_after + 86400 WHERE lease_id = 'short'")
        try Self.sql(h, "UPDATE leases SET max_grants = 100 WHERE lease_id = 'few'")
        for broker in [h.broker, try await Self.cold(h)] {
            await expectRefusal(.stateInvalid) { try await Self.fetch(broker, h, "short") }
            await expectRefusal(.stateInvalid) { try await Self.fetch(broker, h, "few") }
        }
    }

    /// The row and its lease.issued entry rewritten together: the entry is no longer in the
    /// tree the log key signed.
    @Test func aRewrittenLogEntryIsRefused() async throws {
        let h = try await BrokerHarness.make()
        let status = try await h.issue(h.manifest("l1", maxGrants: 1))
        let entry = try #require(try await h.broker.logEntries(start: status.issuedLogIndex, limit: 1).first)
        var e = try LogEntry(bytes: entry)
        e.fields["maxGrants"] = .int(100)
        let rewritten = e.encoded()
        try Self.sql(
            h, "UPDATE log_entries SET entry = ?, leaf_hash = ? WHERE seq = ?",
            [Data(rewritten), Data(MerkleHash.leaf(rewritten).withUnsafeBytes { Array($0) }), Int64(status.issuedLogIndex)])
        try Self.sql(h, "UPDATE leases SET max_grants = 100 WHERE lease_id = 'l1'")
        await expectRefusal(.stateInvalid) { try await Self.fetch(try await Self.cold(h), h, "l1") }
    }

    /// CRYPTO-REVIEW M2: the broker's keys are on the record from the log's first entry, so an
    /// owner (or auditor) can hold the vault key it sealed to against the log.
    @Test func theLogStartsWithTheBrokersKeys() async throws {
        let h = try await BrokerHarness.make()
        let first = try #require(try await h.entries().first)
        #expect(first.seq == 0 && first.kind == "broker.keys")
        #expect(first.fields["logKey"]?.stringValue == h.broker.logVerifierKey)
        for (suite, key) in h.broker.info().vaultPublicKeys {
            #expect(first.fields["vaultPublicKeys"]?[suite]?.stringValue == key)
        }
        // Reopened, the broker does not log its keys again.
        _ = try await Self.cold(h)
        #expect(try await h.entries().filter { $0.kind == "broker.keys" }.count == 1)
    }

    /// CRYPTO-REVIEW H2, attack 2: the log-key holder appends a grant to software the owner
    /// never named (or of other keys), correctly chained and checkpointed: the audit, from the
    /// log alone, holds it against the owner-signed manifest in lease.issued and fails.
    @Test func aGrantOutsideTheSignedManifestFailsTheAudit() async throws {
        for forged in [
            ["measurement": JSONValue.string(String(repeating: "ee", count: 48))],
            ["keyIds": JSONValue.array([.string("k-other")])],
            ["debug": JSONValue.bool(true)],
        ] {
            let h = try await BrokerHarness.make()
            try await h.issue(h.manifest("l1"))
            _ = try await h.fetch("l1")
            _ = try h.audit()  // genuine: holds
            let genuine = try #require(try await h.entries().last)
            var fields = genuine.fields
            for (k, v) in forged { fields[k] = v }
            let forgedFields = fields
            let signer = h.broker.signer
            try await h.broker.store.write { tx in
                try tx.appendLog { seq, prev in
                    LogEntry(seq: seq, time: genuine.time, kind: "key.granted", owner: h.owner, leaseId: "l1", prev: prev, fields: forgedFields)
                }
                _ = try tx.checkpoint(signer: signer, now: genuine.time)
            }
            #expect(throws: (any Error).self, "forged \(forged.keys.sorted())") { _ = try h.audit() }
        }
    }

    /// Untouched rows grant as before, on a cold broker too.
    @Test func genuineRowsStillGrant() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        try await Self.fetch(try await Self.cold(h), h, "l1")
        try await Self.fetch(h.broker, h, "l1")
    }
}

func sha256(_ bytes: [UInt8]) -> [UInt8] { Array(SHA256.hash(data: bytes)) }
