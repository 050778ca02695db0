import LeaseholdWorkloadCLI
import ArgumentParser
import Foundation
import Broker
import LeaseholdAPI
import Storage
import TransparencyLog

struct BenchLog: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "log",
        abstract: "Durable appends (one and many per transaction), checkpoint cost, proof cost and audit throughput."
    )

    @Option(help: "Entries in the log for the checkpoint and audit figures.") var entries = 1_000_000
    @Option(help: "Entries appended with one durable transaction each.") var single = 2_000
    @Option(help: "Entries per transaction in the batched phase.") var batch = 1_000
    @Option(help: "Database file (default: a temporary one, removed afterwards). An existing log is extended.") var db: String?

    func run() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { if db == nil { try? FileManager.default.removeItem(atPath: dir) } }
        let path = db ?? dir + "/bench.db"
        let signer: NoteSigner
        do { signer = try Broker.loadOrCreateLogSigner(path: path + ".log-key", origin: "bench.leasehold/log") } catch {
            throw CLIFailure(message: "\(error)")
        }
        let store: SQLiteStore
        do { store = try SQLiteStore.open(path: path) } catch { throw CLIFailure(message: error.reason) }
        try store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: [UInt8](signer.verifier.publicKey.rawRepresentation)) }
        print("database: \(path)")

        func entry(_ seq: UInt64, _ prev: LogHash) -> LogEntry {
            LogEntry(
                seq: seq, time: Date(), kind: "bench.append", owner: "bench-owner", leaseId: "lease-\(seq % 1000)", prev: prev,
                fields: ["keyIds": .array([.string("k1")]), "evidenceHash": .string(String(repeating: "ab", count: 32)), "tee": .string("sandbox")])
        }

        // 1. One durable transaction (one fsync) per entry.
        var t0 = Date()
        for _ in 0..<single { _ = try store.write { tx in try tx.appendLog(entry) } }
        var dt = Date().timeIntervalSince(t0)
        print(
            String(
                format: "append, 1 entry per transaction:      %8.0f entries/s  (%d entries, %.2f ms each)", Double(single) / dt, single,
                dt * 1000 / Double(single)))

        // 2. Many entries per transaction, up to the target size.
        let have = try store.read { tx in try tx.logState()!.frontier.size }
        let toAdd = max(0, entries - Int(have))
        t0 = Date()
        var added = 0
        while added < toAdd {
            let n = min(batch, toAdd - added)
            try store.write { tx in try tx.appendLog(count: n, entry) }
            added += n
        }
        dt = Date().timeIntervalSince(t0)
        if toAdd > 0 {
            print(String(format: "append, %d entries per transaction: %8.0f entries/s  (%d entries)", batch, Double(toAdd) / dt, toAdd))
        }
        let size = try store.read { tx in try tx.logState()!.frontier.size }

        // 3. Checkpoint at this size: root from the frontier, sign, store. Each round appends
        // one entry first so that every checkpoint is new.
        let rounds = 200
        var cpTime = 0.0
        for _ in 0..<rounds {
            try store.write { tx in
                try tx.appendLog(entry)
                let s = Date()
                _ = try tx.checkpoint(signer: signer, now: Date())
                cpTime += Date().timeIntervalSince(s)
            }
        }
        let finalSize = size + UInt64(rounds)
        print(
            String(
                format: "checkpoint at %d entries:          %8.3f ms  (root from frontier + Ed25519 sign + insert; mean of %d)", finalSize,
                cpTime * 1000 / Double(rounds), rounds))

        // 4. Inclusion proof from the subtree table.
        t0 = Date()
        let proofs = 2_000
        try store.read { tx in
            for i in 0..<proofs {
                _ = try MerkleProofs.inclusionProof(index: UInt64(i * 7919) % finalSize, size: finalSize, tx.subtrees)
            }
        }
        dt = Date().timeIntervalSince(t0)
        print(String(format: "inclusion proof at %d entries:     %8.3f ms", finalSize, dt * 1000 / Double(proofs)))

        // 5. Full audit: read every entry, hash, parse, chain, tree, checkpoints.
        t0 = Date()
        let summary = try store.read { tx in try tx.auditLog(trustedKey: signer.verifier) }
        dt = Date().timeIntervalSince(t0)
        print(
            String(
                format: "audit verify:                        %8.0f entries/s  (%llu entries, %d checkpoints, %.2f s, one core)",
                Double(summary.entries) / dt, summary.entries, summary.checkpointsVerified, dt))
    }
}
