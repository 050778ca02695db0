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

/// CRYPTO-REVIEW-2026-12, H2 attack 3 (issue 12 item 3): a database rolled back below the last
/// checkpoint the broker signed must not make it sign a fork. The broker keeps that checkpoint
/// in its data directory (`checkpoint-floor`) and refuses to open, or to write, on a database
/// whose log does not extend it.
@Suite struct CheckpointFloorTests {
    static func fetch(_ broker: Broker, _ h: BrokerHarness, _ leaseId: String) async throws -> LocalWorkload.Received {
        try await LocalWorkload(broker: broker).fetch(
            owner: h.owner, leaseId: leaseId, evidence: EvidenceProviders.sandbox(measurement: BrokerHarness.measurement))
    }

    static func logSize(_ broker: Broker) async throws -> UInt64 {
        try await broker.read { tx in try tx.logState()?.frontier.size ?? 0 }
    }

    static func floorSize(_ config: BrokerConfiguration) throws -> UInt64 {
        let text = try String(contentsOfFile: config.checkpointFloorPath, encoding: .utf8)
        return try Checkpoint(body: try SignedNote(parsing: text).text).size
    }

    /// The database file as a backup would hold it (with its WAL, when the broker is idle).
    static func copyDatabase(_ config: BrokerConfiguration, to aside: String) throws {
        let fm = FileManager.default
        for suffix in ["", "-wal"] where fm.fileExists(atPath: config.databasePath + suffix) {
            try? fm.removeItem(atPath: aside + suffix)
            try fm.copyItem(atPath: config.databasePath + suffix, toPath: aside + suffix)
        }
    }

    static func restoreDatabase(_ config: BrokerConfiguration, from aside: String) throws {
        let fm = FileManager.default
        for suffix in ["", "-wal", "-shm"] { try? fm.removeItem(atPath: config.databasePath + suffix) }
        for suffix in ["", "-wal"] where fm.fileExists(atPath: aside + suffix) {
            try fm.copyItem(atPath: aside + suffix, toPath: config.databasePath + suffix)
        }
    }

    /// Opening must fail with the floor's message (naming the sizes), not sign anything.
    static func expectRefusedOpen(_ config: BrokerConfiguration, _ phrase: String, sourceLocation: SourceLocation = #_sourceLocation) async {
        do {
            let b = try await Broker.open(config)
            await b.close()
            Issue.record("the broker opened on a rolled-back database", sourceLocation: sourceLocation)
        } catch {
            #expect(error.message.contains(phrase), "\(error)", sourceLocation: sourceLocation)
            #expect(error.message.contains("Refusing to sign a fork"), "\(error)", sourceLocation: sourceLocation)
        }
    }

    /// Appends `n` entries of the attacker's to the database directly (no log key needed).
    static func appendForged(_ config: BrokerConfiguration, _ n: Int) throws {
        let store = try SQLiteStore.open(path: config.databasePath)
        try store.write { tx in
            try tx.appendLog(
                count: n,
                { seq, prev in
                    LogEntry(
                        seq: seq, time: Date(), kind: "lease.expired", owner: "acme", leaseId: "l1", prev: prev,
                        fields: ["notAfter": .string("2026-01-01T00:00:00Z"), "grantsIssued": .int(0)])
                }, appended: { _ in })
        }
    }

    @Test func theFloorFileFollowsTheSignedCheckpoints() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let r = try await h.fetch("l1")
        await h.broker.close()  // waits for the file
        let config = h.broker.configuration
        #expect(try Self.floorSize(config) == (try Checkpoint(body: try SignedNote(parsing: r.response.receipt.checkpoint).text).size))
        #expect(try Self.floorSize(config) == (try await Self.logSize(h.broker)))
        let attributes = try FileManager.default.attributesOfItem(atPath: config.checkpointFloorPath)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)
        // A restart on the same database is fine, and the floor goes on moving up.
        let again = try await Broker.open(config)
        _ = try await Self.fetch(again, h, "l1")
        await again.close()
        #expect(try Self.floorSize(config) == (try await Self.logSize(again)))
    }

    /// Another writer on the same database (a replica with its own floor file): its
    /// checkpoints extend this broker's floor, so both go on, each checking the other's entries.
    @Test func anotherReplicaOnTheSameDatabaseIsFine() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1", maxGrants: 40))
        var config2 = h.broker.configuration
        config2.checkpointFloorPath = h.dir + "/replica-2.checkpoint-floor"
        let replica = try await Broker.open(config2)
        for i in 0..<24 {
            // Uneven runs, so that each broker's next tree is several entries past its own last.
            if i % 5 < 2 { _ = try await h.fetch("l1") } else { _ = try await Self.fetch(replica, h, "l1") }
        }
        // The last grants were the replica's; a checkpoint this broker serves joins its floor too.
        let served = try Checkpoint(body: try SignedNote(parsing: try await h.broker.checkpoint()).text)
        await h.broker.close()
        await replica.close()
        let size = try await Self.logSize(h.broker)
        #expect(served.size == size)
        #expect(try Self.floorSize(h.broker.configuration) == size)
        #expect(try Self.floorSize(config2) == size)
    }

    /// The database restored from an older copy: the broker will not open on it.
    @Test func aRolledBackDatabaseStopsTheBroker() async throws {
        let h = try await BrokerHarness.make()
        let config = h.broker.configuration
        try await h.issue(h.manifest("l1"))
        _ = try await h.fetch("l1")
        await h.broker.close()
        let aside = h.dir + "/backup.db"
        try Self.copyDatabase(config, to: aside)
        let old = try await Self.logSize(h.broker)

        let later = try await Broker.open(config)
        _ = try await Self.fetch(later, h, "l1")
        _ = try await Self.fetch(later, h, "l1")
        await later.close()
        let floor = try Self.floorSize(config)
        #expect(floor > old)

        try Self.restoreDatabase(config, from: aside)
        await Self.expectRefusedOpen(config, "rolled back below the checkpoint this broker signed at size \(floor): its log has only \(old) entries")
        // The floor did not move back, and nothing was signed on the old database.
        #expect(try Self.floorSize(config) == floor)
        let store = try SQLiteStore.openForAudit(path: config.databasePath)
        #expect(try await store.read { tx in try tx.latestCheckpoint() }?.size == old)
    }

    /// The rolled-back database written again with other entries: a fork at the floor's size,
    /// and past it. Neither opens.
    @Test func aRolledBackAndRewrittenDatabaseStopsTheBroker() async throws {
        let h = try await BrokerHarness.make()
        let config = h.broker.configuration
        try await h.issue(h.manifest("l1"))
        await h.broker.close()
        let aside = h.dir + "/backup.db"
        try Self.copyDatabase(config, to: aside)
        let old = try await Self.logSize(h.broker)

        let later = try await Broker.open(config)
        _ = try await Self.fetch(later, h, "l1")
        _ = try await Self.fetch(later, h, "l1")
        await later.close()
        let floor = try Self.floorSize(config)

        // Same size as the floor, other entries.
        try Self.restoreDatabase(config, from: aside)
        try Self.appendForged(config, Int(floor - old))
        await Self.expectRefusedOpen(config, "the database's log (size \(floor)) does not extend the checkpoint this broker signed at size \(floor)")
        // Longer than the floor, still not extending it.
        try Self.restoreDatabase(config, from: aside)
        try Self.appendForged(config, Int(floor - old) + 3)
        await Self.expectRefusedOpen(
            config, "the database's log (size \(floor + 3)) does not extend the checkpoint this broker signed at size \(floor)")
        #expect(try Self.floorSize(config) == floor)
    }

    /// The review's attack 3 itself: the database is rolled back under a running broker (rows
    /// deleted, `log_meta` restored). Every write is refused, nothing is released, nothing signed.
    @Test func aRollbackUnderARunningBrokerIsRefused() async throws {
        let h = try await BrokerHarness.make()
        let config = h.broker.configuration
        try await h.issue(h.manifest("l1"))
        let (old, frontier) = try Self.logMeta(config)
        _ = try await h.fetch("l1")
        _ = try await h.fetch("l1")
        let signed = try await Self.logSize(h.broker)

        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        try Self.rollBack(config, to: old, frontier: frontier)
        let request = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        let refused: BrokerError? = await Self.refusal { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", request) }
        #expect(refused?.code == .logUnavailable, "\(String(describing: refused))")
        #expect(
            refused?.message.contains("rolled back below the checkpoint this broker signed at size \(signed)") == true,
            "\(String(describing: refused))")
        await expectRefusal(.logUnavailable) { try await h.issue(h.manifest("l2")) }
        #expect(try Self.latestCheckpointSize(config) == old)
        #expect(try await Self.logSize(h.broker) == UInt64(old))

        // Written again past the signed size with other entries: a fork, refused as well.
        try Self.appendForged(config, Int(signed) - Int(old) + 2)
        let ch2 = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let request2 = try h.grantRequest(ch2, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        let forked: BrokerError? = await Self.refusal { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", request2) }
        #expect(forked?.code == .logUnavailable, "\(String(describing: forked))")
        #expect(
            forked?.message.contains("does not extend the checkpoint this broker signed at size \(signed)") == true, "\(String(describing: forked))")
        #expect(try Self.latestCheckpointSize(config) == old)
    }

    static func refusal(_ body: () async throws -> Void) async -> BrokerError? {
        do { try await body() } catch let e as BrokerError { return e } catch { return nil }
        return nil
    }

    static func logMeta(_ config: BrokerConfiguration) throws -> (Int64, Data) {
        let queue = try DatabaseQueue(path: config.databasePath)
        return try queue.read { db in
            let row = try Row.fetchOne(db, sql: "SELECT tree_size, frontier FROM log_meta")!
            return (row[0], row[1])
        }
    }

    static func latestCheckpointSize(_ config: BrokerConfiguration) throws -> Int64? {
        try DatabaseQueue(path: config.databasePath).read { db in try Int64.fetchOne(db, sql: "SELECT max(tree_size) FROM checkpoints") }
    }

    /// What the review's rollback.py does: entries, nodes and checkpoints above `old` deleted,
    /// `log_meta` put back.
    static func rollBack(_ config: BrokerConfiguration, to old: Int64, frontier: Data) throws {
        try DatabaseQueue(path: config.databasePath).write { db in
            try db.execute(sql: "DELETE FROM log_entries WHERE seq >= ?", arguments: [old])
            try db.execute(sql: "DELETE FROM merkle_nodes WHERE (idx + 1) * (1 << level) > ?", arguments: [old])
            try db.execute(sql: "DELETE FROM checkpoints WHERE tree_size > ?", arguments: [old])
            try db.execute(sql: "UPDATE log_meta SET tree_size = ?, frontier = ?", arguments: [old, frontier])
        }
    }

    /// The file must be the log key's: an edited or foreign one stops the broker too.
    @Test func aFloorFileNotSignedByTheLogKeyIsRefused() async throws {
        let h = try await BrokerHarness.make()
        let config = h.broker.configuration
        await h.broker.close()
        let other = try NoteSigner(name: config.logOrigin, privateKey: .init())
        let note = try other.sign(Checkpoint(origin: config.logOrigin, size: 1, root: MerkleHash.emptyRoot).body)
        try FileManager.default.removeItem(atPath: config.checkpointFloorPath)
        try Data(note.utf8).write(to: URL(fileURLWithPath: config.checkpointFloorPath))
        chmod(config.checkpointFloorPath, 0o600)
        do {
            _ = try await Broker.open(config)
            Issue.record("opened with a floor file signed by another key")
        } catch {
            #expect(error.message.contains("does not hold a checkpoint signed by this broker's log key"), "\(error)")
        }
    }
}
