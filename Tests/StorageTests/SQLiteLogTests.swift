import Codecs
import Foundation
import GRDB
import Testing
@testable import Storage
import TransparencyLog

/// The log on SQLite: appends, checkpoints, proofs, and detection of every kind of tampering
/// an insider with write access to the database file could attempt.
@Suite struct SQLiteLogTests {
    let dir: URL
    let signer: NoteSigner

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        signer = try NoteSigner(name: "test.leasehold/log", privateKey: .init())
    }

    func makeLog(entries: Int, checkpointAt: [Int] = []) throws -> SQLiteStore {
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("log.db").path)
        try store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: [UInt8](signer.verifier.publicKey.rawRepresentation)) }
        for i in 0..<entries {
            try store.write { tx in
                try tx.appendLog { seq, prev in
                    LogEntry(
                        seq: seq, time: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), kind: "test.event", owner: "acme",
                        leaseId: "lease-\(i % 3)", prev: prev, fields: ["n": .int(Int64(i))])
                }
                if checkpointAt.contains(i + 1) { _ = try tx.checkpoint(signer: signer, now: Date()) }
            }
        }
        return store
    }

    func audit(_ store: SQLiteStore, external: [(note: String, source: String)] = []) throws -> AuditSummary {
        try store.read { tx in try tx.auditLog(trustedKey: signer.verifier, external: external) }
    }

    func expectFailure(_ store: SQLiteStore, seq expected: UInt64?, external: [(note: String, source: String)] = [], _ comment: Comment) {
        do {
            _ = try audit(store, external: external)
            Issue.record("audit passed but should have failed: \(comment)")
        } catch let f as LogAuditor.Failure {
            #expect(f.seq == expected, "\(comment): \(f)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
    }

    func raw(_ store: SQLiteStore, _ sql: String) throws {
        try store.writer.writeWithoutTransaction { db in try db.execute(sql: sql) }
    }

    @Test func appendsVerifyAndMatchTheTree() throws {
        let store = try makeLog(entries: 20, checkpointAt: [5, 20])
        let summary = try audit(store)
        #expect(summary.entries == 20)
        #expect(summary.checkpointsVerified == 2)
        // The root the store signed equals the root of an independent in-memory tree.
        var mem = MemoryTree()
        try store.read { tx in try tx.forEachEntry { _, bytes, _ in mem.append(leaf: MerkleHash.leaf(bytes)) } }
        let cp = try store.read { tx in try tx.latestCheckpoint() }
        #expect(cp?.root == mem.root)
        #expect(cp?.size == 20)
        // Proofs from the stored subtree table verify against the checkpoint.
        for i in UInt64(0)..<20 {
            let (proof, leaf) = try store.read { tx in
                (try MerkleProofs.inclusionProof(index: i, size: 20, tx.subtrees), try tx.subtrees.subtreeHash(level: 0, index: i))
            }
            #expect(ProofVerification.verifyInclusion(leaf: leaf, index: i, size: 20, proof: proof, root: mem.root))
        }
    }

    @Test func aFlippedByteInAnyEntryIsNamed() throws {
        let store = try makeLog(entries: 10, checkpointAt: [10])
        // Flip one byte of entry 6 (inside its "n" value).
        try raw(store, "UPDATE log_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"n\":6', '\"n\":7') AS BLOB) WHERE seq = 6")
        expectFailure(store, seq: 6, "flipped byte")
    }

    /// The audit reads in batches whose per-entry work runs on several cores: a log spanning
    /// several batches verifies, a change in a later batch is named exactly, and the selected
    /// entries are the ones a one-by-one parse finds, in order.
    @Test func batchesAcrossBoundariesAuditAndSelectLikeOneByOne() throws {
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("log.db").path)
        try store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: [UInt8](signer.verifier.publicKey.rawRepresentation)) }
        try store.write { tx in
            try tx.appendLog(count: 9_000) { seq, prev in
                LogEntry(
                    seq: seq, time: Date(timeIntervalSince1970: 1_800_000_000 + Double(seq)), kind: "test.event", owner: "acme",
                    leaseId: "lease-\(seq % 7)", prev: prev, fields: ["n": .int(Int64(seq))])
            }
            _ = try tx.checkpoint(signer: signer, now: Date())
        }
        var selected: [UInt64] = []
        let summary = try store.read { tx in
            try tx.auditLog(
                trustedKey: signer.verifier, onEntry: { e throws(LogAuditor.Failure) in if e.leaseId == "lease-3" { selected.append(e.seq) } },
                select: { bytes in bytes.withMemoryRebound(to: UInt8.self) { String(decoding: $0, as: UTF8.self).contains("\"lease-3\"") } })
        }
        #expect(summary.entries == 9_000 && summary.checkpointsVerified == 1)
        #expect(selected == Array(stride(from: 3, to: 9_000, by: 7).map(UInt64.init)))
        try raw(store, "UPDATE log_entries SET entry = CAST(replace(CAST(entry AS TEXT), '\"n\":8500', '\"n\":8501') AS BLOB) WHERE seq = 8500")
        expectFailure(store, seq: 8500, "a flipped byte in the third batch")
    }

    @Test func aDeletedEntryIsNamed() throws {
        let store = try makeLog(entries: 10)
        try raw(store, "DELETE FROM log_entries WHERE seq = 4")
        expectFailure(store, seq: 4, "deleted entry")
    }

    @Test func swappedEntriesAreNamed() throws {
        let store = try makeLog(entries: 10)
        try raw(
            store,
            """
            UPDATE log_entries SET seq = 1000 WHERE seq = 3; UPDATE log_entries SET seq = 3 WHERE seq = 4; UPDATE log_entries SET seq = 4 WHERE seq = 1000;
            """)
        expectFailure(store, seq: 3, "swapped entries")
    }

    @Test func anEntryWithARecomputedLeafHashIsNamedByTheChain() throws {
        let store = try makeLog(entries: 10)
        try store.writer.writeWithoutTransaction { db in
            let bytes = try Data.fetchOne(db, sql: "SELECT entry FROM log_entries WHERE seq = 5")!
            let altered = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "lease-2", with: "lease-9").utf8)
            try db.execute(
                sql: "UPDATE log_entries SET entry = ?, leaf_hash = ? WHERE seq = 5",
                arguments: [altered, Data(MerkleHash.leaf([UInt8](altered)).bytes)])
        }
        expectFailure(store, seq: 5, "recomputed leaf hash")
    }

    @Test func aRewrittenLastEntryIsCaughtByTheCheckpoint() throws {
        // The last entry has no successor whose prev would catch it: the checkpoint's root must.
        let store = try makeLog(entries: 8, checkpointAt: [8])
        try store.writer.writeWithoutTransaction { db in
            let bytes = try Data.fetchOne(db, sql: "SELECT entry FROM log_entries WHERE seq = 7")!
            let altered = Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\"n\":7", with: "\"n\":8").utf8)
            try db.execute(
                sql: "UPDATE log_entries SET entry = ?, leaf_hash = ? WHERE seq = 7",
                arguments: [altered, Data(MerkleHash.leaf([UInt8](altered)).bytes)])
        }
        expectFailure(store, seq: 0, "rewritten last entry")
    }

    @Test func aLogTruncatedBelowAHandedOutCheckpointFails() throws {
        let store = try makeLog(entries: 12, checkpointAt: [12])
        let handedOut = try store.read { tx in try tx.latestCheckpoint()!.note }
        // The insider deletes the tail AND the checkpoints table, and fixes log_meta.
        try raw(store, "DELETE FROM log_entries WHERE seq >= 9; DELETE FROM checkpoints; DELETE FROM merkle_nodes;")
        try store.writer.writeWithoutTransaction { db in
            var r = CompactRange()
            for row in try Row.fetchAll(db, sql: "SELECT leaf_hash FROM log_entries ORDER BY seq") {
                r.append(LogHash(bytes: [UInt8]((row[0] as Data)))!)
            }
            try db.execute(sql: "UPDATE log_meta SET tree_size = ?, frontier = ?", arguments: [Int64(r.size), Data(r.serializedHashes)])
        }
        // The database alone now looks fine...
        #expect(try audit(store).entries == 9)
        // ...but the checkpoint the owner kept exposes the rollback.
        expectFailure(store, seq: 9, external: [(handedOut, "owner's checkpoint")], "truncated log")
    }

    @Test func aStoredCheckpointAboveTheLogSizeFails() throws {
        let store = try makeLog(entries: 6, checkpointAt: [6])
        try raw(store, "DELETE FROM log_entries WHERE seq = 5")
        expectFailure(store, seq: 5, "truncated below stored checkpoint")
    }

    @Test func aForgedCheckpointSignatureFails() throws {
        let store = try makeLog(entries: 4, checkpointAt: [4])
        try raw(store, "UPDATE checkpoints SET note = replace(note, '\n4\n', '\n3\n')")
        expectFailure(store, seq: nil, "forged checkpoint")
    }

    @Test func aSwappedLogKeyIsRefusedAgainstTheTrustedKey() throws {
        let store = try makeLog(entries: 3, checkpointAt: [3])
        let other = try NoteSigner(name: signer.name, privateKey: .init())
        try raw(store, "UPDATE log_meta SET public_key = x'\(Hex.encode(other.verifier.publicKey.rawRepresentation))'")
        expectFailure(store, seq: nil, "swapped key")
    }

    @Test func aNonSQLiteFileIsAClearError() throws {
        let path = dir.appendingPathComponent("junk.db").path
        try Data("this is not a database, it is a text file\n".utf8).write(to: URL(fileURLWithPath: path))
        #expect(throws: StorageError.self) { try SQLiteStore.openForAudit(path: path).read { tx in try tx.entryCount() } }
        #expect(throws: StorageError.self) { try SQLiteStore.openForAudit(path: dir.appendingPathComponent("missing.db").path) }
    }

    @Test func aFailedTransactionAppendsNothing() throws {
        let store = try makeLog(entries: 3)
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try store.write { tx in
                try tx.appendLog { seq, prev in LogEntry(seq: seq, time: Date(), kind: "x", prev: prev) }
                throw Boom()
            }
        }
        #expect(try audit(store).entries == 3)
        #expect(try store.read { tx in try tx.logState()!.frontier.size } == 3)
    }
}
