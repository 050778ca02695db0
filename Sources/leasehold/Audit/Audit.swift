import Codecs
import LeaseholdWorkloadCLI
import ArgumentParser
import Broker
import LeaseholdAPI
import LeaseholdCore
import Foundation
import Storage
import TransparencyLog

/// The legal auditor's commands. Their flags are stable: scripts rely on them.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify, export and prove the transparency log.",
        subcommands: [
            AuditVerify.self, AuditHistory.self, AuditReport.self, AuditExport.self, AuditCheckpoint.self, AuditLogKey.self, AuditProve.self,
            AuditConsistency.self,
        ]
    )
}

struct AuditVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check the hash chain, the Merkle tree and every checkpoint signature.",
        discussion: """
            Exit 0 only if everything holds; exit 1 naming the first bad seq otherwise.
            --db FILE audits a broker database (read-only). --bundle DIR audits an export made by
            `audit export`, trusting only the key given with --log-key (name+keyid+base64, @FILE or a file).
            --checkpoint FILE adds a checkpoint kept from earlier: a log rolled back or truncated below it fails.
            --evidence re-verifies every grant's kept evidence (the bundle's evidence/ directory, or the database's
            table) against the pinned vendor roots at the time the broker verified it, and checks that its claims and
            report-data binding are the ones the grant's entry logged. \
            With --db, give --log-key too; --trust-db-key instead checks the checkpoints against the key stored in the database itself, which anyone who can rewrite the file can replace.
            """
    )

    @Option(help: "The broker's SQLite database.") var db: String?
    @Option(help: "An export directory (entries.jsonl, checkpoint).") var bundle: String?
    @Option(name: .customLong("log-key"), help: "The trusted log verifier key (required with --bundle).") var logKey: String?
    @Option(help: "A signed checkpoint kept from earlier (repeatable).") var checkpoint: [String] = []
    @Flag(help: "With --db and no --log-key: trust the log key stored in the database (it vouches for itself).") var trustDbKey = false
    @Flag(help: "Re-verify each grant's kept evidence against the vendor roots and its report-data binding.") var evidence = false
    @Option(help: "Seconds a lease may be past notAfter (at the last entry's time) before its lease.expired must be logged.") var expiryGrace:
        Double = 300

    func validate() throws {
        guard (db == nil) != (bundle == nil) else { throw ValidationError("give exactly one of --db FILE or --bundle DIR") }
        if bundle != nil && logKey == nil { throw ValidationError("--bundle needs --log-key: a bundle cannot vouch for its own key") }
        if db != nil && logKey == nil && !trustDbKey {
            throw ValidationError(
                "--db needs --log-key KEY (from `audit log-key` where you trust the broker), or --trust-db-key to accept the key the database holds; whoever can rewrite the file can also replace that key"
            )
        }
        if trustDbKey && logKey != nil { throw ValidationError("--trust-db-key and --log-key exclude each other") }
    }

    func run() throws {
        let external = try checkpoint.map { (note: try CLIFiles.readText($0, what: "checkpoint"), source: "checkpoint \($0)") }
        let trusted = try logKey.map(CLIFiles.verifierKey)
        let summary: AuditSummary
        var signed = 0
        var evidenceLine: String?
        let reverify: GrantEvidenceAudit?
        do { reverify = evidence ? try GrantEvidenceAudit.standard() : nil } catch { throw CLIFailure(message: "evidence verifiers: \(error)") }
        do {
            let invariants = LeaseInvariants(expiryGrace: expiryGrace, evidence: reverify)
            if let db {
                let store = try CLIFiles.openForAudit(db)
                summary = try CLIFiles.read(store) { tx in
                    invariants.records = { hex in try Hex.decode(hex).flatMap { try tx.evidence(digest: $0) } }
                    invariants.pieces = invariants.records
                    return try tx.auditLog(trustedKey: trusted, external: external, onEntry: invariants.consume)
                }
                try invariants.finish()
            } else {
                invariants.readEvidence(fromBundle: bundle!)
                summary = try BundleAudit.verify(directory: bundle!, key: trusted!, external: external, invariants: invariants)
            }
            signed = invariants.checker.signedLeases
            evidenceLine = invariants.evidenceSummary
        } catch let f as LogAuditor.Failure {
            throw CLIFailure(message: "audit failed: \(f)")
        }
        if logKey == nil {
            FileHandle.standardError.write(
                Data("leasehold: warning: checkpoints were checked against the key stored in \(db ?? "the database"), not one you supplied\n".utf8))
        }
        print(
            "ok: \(summary.entries) entries, lease invariants hold (\(signed) lease(s) and their grants checked against the owner-signed manifest), root \(summary.root.base64), \(summary.checkpointsVerified) checkpoint(s) verified, log key \(summary.verifierKey)"
        )
        if let evidenceLine { print(evidenceLine) }
    }
}

struct AuditExport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write an offline bundle: entries.jsonl (exact stored bytes, one per line), checkpoint, log-key, evidence/.",
        discussion: """
            --db FILE exports an SQLite broker database; --database URL (or LEASEHOLD_DATABASE_URL) a PostgreSQL one. Either is read in one consistent snapshot and never written. Verify the bundle with `audit verify --bundle DIR --log-key KEY`, trusting a key you got elsewhere. evidence/HASH.json holds the evidence record that decided each grant (named by its SHA-256, as the grant's entry names it), evidence/HASH.bin each collateral piece a record names, for `audit verify --evidence`.
            """
    )
    @Option(help: "The broker's SQLite database.") var db: String?
    @Option(help: "The broker's PostgreSQL database, postgres://USER:PASSWORD@HOST:PORT/DB.") var database: String?
    @Option(help: "Directory to write (created if missing).") var out: String

    /// --database, else LEASEHOLD_DATABASE_URL (keeps the password off the command line).
    var databaseURL: String? { database ?? CLIFiles.environment("LEASEHOLD_DATABASE_URL") }

    func validate() throws {
        if db != nil && database != nil { throw ValidationError("give one of --db FILE or --database URL, not both") }
        if db == nil && databaseURL == nil { throw ValidationError("give --db FILE or --database URL") }
    }

    func run() async throws {
        let store: any BrokerStore
        if let db {
            store = try CLIFiles.openForAudit(db)
        } else {
            do {
                store = try await PostgresStore.open(try PostgresLocation(url: databaseURL ?? ""), connections: 1, migrate: false)
            } catch {
                throw CLIFailure(message: error.reason)
            }
        }
        let (entries, records, pieces) = try await Self.export(store, to: out)
        print("exported \(entries) entries, \(records) evidence record(s) and \(pieces) collateral piece(s) to \(out)")
    }

    /// Writes `store`'s log, latest checkpoint, key and kept evidence as a bundle in `out`, and
    /// closes the store; returns the entries, records and pieces written.
    static func export(_ store: any BrokerStore, to out: String) async throws -> (UInt64, Int, Int) {
        let exported: ([UInt8], StoredCheckpoint?, String, [(String, [UInt8])], [String: [UInt8]])
        do {
            exported = try await store.read { tx in
                let key = try tx.storedVerifier()
                var lines = [UInt8]()
                var records: [(String, [UInt8])] = []
                var pieces: [String: [UInt8]] = [:]
                var next: UInt64 = 0
                while true {
                    let page = try tx.entries(start: next, limit: 10_000)
                    for bytes in page {
                        lines += bytes
                        lines.append(0x0A)
                        if let e = try? LogEntry(bytes: bytes), let hex = GrantEvidenceAudit.recordDigest(of: e), let digest = Hex.decode(hex),
                            let record = try tx.evidence(digest: digest)
                        {
                            records.append((hex, record))
                            for d in (try? GrantEvidenceRecord(canonicalJSON: record))?.collateralDigests ?? [] where pieces[d] == nil {
                                if let digest = Hex.decode(d), let piece = try tx.evidence(digest: digest) { pieces[d] = piece }
                            }
                        }
                    }
                    next += UInt64(page.count)
                    if page.count < 10_000 { break }
                }
                return (lines, try tx.latestCheckpoint(), key.encoded, records, pieces)
            }
        } catch let e as StorageError {
            await store.close()
            throw CLIFailure(message: e.reason)
        }
        await store.close()
        let (lines, cp, key, records, pieces) = exported
        guard let cp else { throw CLIFailure(message: "the log has no signed checkpoint yet; nothing to export") }
        try FileManager.default.createDirectory(atPath: out + "/evidence", withIntermediateDirectories: true)
        for (hex, record) in records { try CLIFiles.write(record, to: out + "/evidence/\(hex).json") }
        for (hex, piece) in pieces { try CLIFiles.write(piece, to: out + "/evidence/\(hex).bin") }
        try CLIFiles.write(lines, to: out + "/entries.jsonl")
        try CLIFiles.write(Array(cp.note.utf8), to: out + "/checkpoint")
        try CLIFiles.write(Array((key + "\n").utf8), to: out + "/log-key")
        return (cp.size, records.count, pieces.count)
    }
}

struct AuditCheckpoint: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "checkpoint", abstract: "Print the latest signed checkpoint, byte for byte.")
    @Option(help: "The broker's SQLite database.") var db: String

    func run() throws {
        let store = try CLIFiles.openForAudit(db)
        guard let cp = try CLIFiles.read(store, { try $0.latestCheckpoint() }) else {
            throw CLIFailure(message: "the log has no signed checkpoint yet")
        }
        FileHandle.standardOutput.write(Data(cp.note.utf8))
    }
}

struct AuditLogKey: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log-key", abstract: "Print the log's verifier key (name+keyid+base64).")
    @Option(help: "The broker's SQLite database.") var db: String

    func run() throws {
        let store = try CLIFiles.openForAudit(db)
        print(try CLIFiles.read(store) { try $0.storedVerifier().encoded })
    }
}

struct AuditProve: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "prove",
        abstract: "Print the inclusion proof of one entry against the latest checkpoint, as JSON."
    )
    @Option(help: "The broker's SQLite database.") var db: String
    @Option(help: "The entry's seq (leaf index).") var index: UInt64

    func run() throws {
        let store = try CLIFiles.openForAudit(db)
        ClientCLI.printJSON(try CLIFiles.read(store) { tx in try Broker.inclusionProof(index: index, in: tx) })
    }
}

struct AuditConsistency: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consistency",
        abstract: "Print the consistency proof from an older size to the latest checkpoint, as JSON."
    )
    @Option(help: "The broker's SQLite database.") var db: String
    @Option(help: "The older tree size.") var old: UInt64

    func run() throws {
        let store = try CLIFiles.openForAudit(db)
        ClientCLI.printJSON(try CLIFiles.read(store) { tx in try Broker.consistencyProof(old: old, in: tx) })
    }
}
