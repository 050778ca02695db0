import Codecs
import LeaseholdWorkloadCLI
import Foundation
import Storage
import TransparencyLog

/// Audits an export bundle offline: no database, only `entries.jsonl`, `checkpoint` and the
/// key the auditor trusts (never the bundle's own `log-key` file).
enum BundleAudit {
    static func verify(
        directory: String, key: NoteVerifier, external: [(note: String, source: String)], invariants: LeaseInvariants,
        onEntry: (LogEntry) -> Void = { _ in }
    ) throws -> AuditSummary {
        let entries = try CLIFiles.read(directory + "/entries.jsonl", what: "bundle entries")
        let checkpoint = try CLIFiles.readText(directory + "/checkpoint", what: "bundle checkpoint")
        var auditor = try LogAuditor(verifier: key, signedCheckpoints: [(checkpoint, "bundle checkpoint")] + external)
        guard entries.isEmpty || entries.last == 0x0A else {
            throw LogAuditor.Failure(seq: nil, message: "entries.jsonl does not end with a newline (truncated export?)")
        }
        var seq: UInt64 = 0
        var start = 0
        for i in entries.indices where entries[i] == 0x0A {
            let line = Array(entries[start..<i])
            start = i + 1
            guard !line.isEmpty else { throw LogAuditor.Failure(seq: seq, message: "entries.jsonl line \(seq + 1) is empty") }
            let entry = try auditor.consume(seq: seq, bytes: line)
            try invariants.consume(entry)
            onEntry(entry)
            seq += 1
        }
        try auditor.finish()
        try invariants.finish()
        return AuditSummary(entries: auditor.size, root: auditor.root, checkpointsVerified: auditor.checkpointsVerified, verifierKey: key.encoded)
    }

    /// `DIR/evidence/HASH.json` (a record) or `.bin` (a collateral piece), nil when absent. The
    /// name comes from a verified entry or record, but is still checked to be 64 lowercase hex
    /// digits before it becomes a path.
    static func evidenceFile(directory: String, digest: String, suffix: String) throws -> [UInt8]? {
        guard Hex.isSHA256(digest) else {
            throw CLIFailure(message: "evidence record name \(digest.prefix(80)) is not a SHA-256 in lowercase hex")
        }
        let path = directory + "/evidence/" + digest + suffix
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        return try CLIFiles.read(path, what: "evidence file")
    }
}
