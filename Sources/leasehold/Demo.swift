import ArgumentParser
import Foundation
import Storage
import TransparencyLog

/// `leasehold demo`: the whole story on an embedded SQLite broker, each step printed.
struct Demo: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the end-to-end story on a temporary SQLite broker and audit it.",
        discussion: "With --db FILE the database (and its key files beside it) is kept for inspection with `leasehold audit`."
    )

    @Option(help: "Keep the SQLite database here (default: a temporary directory, removed afterwards).") var db: String?

    func run() async throws {
        let dir: String
        let dbPath: String
        if let db {
            dbPath = db
            dir = URL(fileURLWithPath: db).deletingLastPathComponent().path
            if FileManager.default.fileExists(atPath: db) { throw CLIFailure(message: "\(db) already exists; the demo starts from an empty database") }
        } else {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-demo-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            dbPath = dir + "/leasehold.db"
        }
        defer { if db == nil { try? FileManager.default.removeItem(atPath: dir) } }
        try DemoStory(dbPath: dbPath, out: { print($0) }).run()
    }
}

/// The demo's steps, apart from the command so the integration tests can drive it too.
struct DemoStory {
    var dbPath: String
    var out: (String) -> Void

    func run() throws {
        let signer = try LogKeyFile.loadOrCreate(path: dbPath + ".log-key", origin: "leasehold.demo/log")
        let store: SQLiteStore
        do { store = try SQLiteStore.open(path: dbPath) } catch { throw CLIFailure(message: error.reason) }
        out("1. broker database \(dbPath) (SQLite, WAL); log key \(signer.verifier.encoded)")
        try store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: [UInt8](signer.verifier.publicKey.rawRepresentation)) }
        let events: [(String, String?, String?, [String: JSONValue])] = [
            ("owner.registered", "acme-health", nil, ["publicKeyAlg": .string("ed25519")]),
            ("vault.key.put", "acme-health", nil, ["keyId": .string("patients-2026"), "version": .int(1)]),
            ("lease.issued", "acme-health", "study-42", ["maxGrants": .int(2), "keyIds": .array([.string("patients-2026")])]),
        ]
        for (kind, owner, lease, fields) in events {
            let e = try store.write { tx in
                try tx.appendLog { seq, prev in LogEntry(seq: seq, time: Date(), kind: kind, owner: owner, leaseId: lease, prev: prev, fields: fields) }
            }
            out("2. logged seq \(e.seq): \(kind)")
        }
        let cp = try store.write { tx in try tx.checkpoint(signer: signer, now: Date()) }
        out("3. signed checkpoint of size \(cp.size):\n" + cp.note.split(separator: "\n", omittingEmptySubsequences: false).map { "     " + $0 }.joined(separator: "\n"))
        let summary = try store.read { tx in try tx.auditLog(trustedKey: signer.verifier) }
        out("4. audit: \(summary.entries) entries, chain and tree hold, \(summary.checkpointsVerified) checkpoint(s) verified")
    }
}
