import Crypto
import Foundation
import TransparencyLog

/// What a successful audit established.
public struct AuditSummary: Sendable, Hashable {
    public var entries: UInt64
    public var root: LogHash
    public var checkpointsVerified: Int
    public var verifierKey: String

    public init(entries: UInt64, root: LogHash, checkpointsVerified: Int, verifierKey: String) {
        self.entries = entries
        self.root = root
        self.checkpointsVerified = checkpointsVerified
        self.verifierKey = verifierKey
    }
}

extension SQLiteTransaction {
    /// Audits the whole log from its entry bytes: hash chain, sequence, tree, every stored
    /// checkpoint's signature and root, and any `external` checkpoints (signed notes an owner
    /// or workload kept, which catch a log rolled back together with its checkpoints table).
    ///
    /// `trustedKey`, when given, must be the key the database names: a database whose key was
    /// swapped, with every checkpoint re-signed, then fails.
    /// `onEntry`, when given, sees every parsed entry, in order, for checks above the log (lease
    /// invariants). Without it no `LogEntry` is built: entries are checked in place by the
    /// auditor's lean path, which applies the same rules. With `select` too, every entry is
    /// checked on the lean path and only those whose bytes `select` accepts are parsed and
    /// shown to `onEntry` (one lease's history: a million-entry log in about the time of the
    /// lean audit).
    public func auditLog(
        trustedKey: NoteVerifier? = nil, external: [(note: String, source: String)] = [],
        onEntry: ((LogEntry) throws(LogAuditor.Failure) -> Void)? = nil,
        select: ((UnsafeRawBufferPointer) -> Bool)? = nil
    ) throws -> AuditSummary {
        let stored = try storedVerifier()
        if let trustedKey, trustedKey != stored {
            throw LogAuditor.Failure(message: "the database's log key \(stored.encoded) is not the trusted key \(trustedKey.encoded)")
        }
        let checkpoints = try allCheckpoints().map { (note: $0.note, source: "stored checkpoint of size \($0.size)") } + external
        var auditor = try LogAuditor(verifier: stored, signedCheckpoints: checkpoints)
        if let onEntry, select == nil {
            try forEachEntry { seq, bytes, leaf in
                let entry = try auditor.consume(seq: seq, bytes: bytes, storedLeafHash: leaf)
                try onEntry(entry)
            }
        } else {
            // Leaf hashes, header scans and the selection on every core; then, in log order,
            // the checks that chain the entries, and the selected ones (if any) parsed.
            let select = onEntry == nil ? nil : select
            try forEachRawBatch { batch in
                let work = batch.prepared(select: select)
                for i in 0..<batch.count {
                    let seq = batch.seqs[i]
                    try batch.withEntry(i) { bytes in
                        try auditor.consume(seq: seq, rawBytes: bytes, prepared: work[i].prepared, storedLeafHash: batch.leaves[i])
                        guard work[i].selected, let onEntry else { return }
                        do { try onEntry(try LogEntry(bytes: [UInt8](bytes))) } catch let e as LogAuditor.Failure { throw e } catch {
                            throw LogAuditor.Failure(seq: seq, message: "\(error)")
                        }
                    }
                }
            }
        }
        try auditor.finish()
        if let state = try logState(), state.frontier.size != auditor.size || state.frontier.root != auditor.root {
            throw LogAuditor.Failure(
                seq: nil,
                message:
                    "log_meta's frontier (size \(state.frontier.size)) does not match the entries (size \(auditor.size)): the store's state was altered"
            )
        }
        return AuditSummary(entries: auditor.size, root: auditor.root, checkpointsVerified: auditor.checkpointsVerified, verifierKey: stored.encoded)
    }
}
