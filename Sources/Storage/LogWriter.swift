import Foundation
import TransparencyLog

/// The few row operations the log needs from a backend. The log's algorithm (chain, frontier,
/// Merkle nodes, checkpoints) is written once, in `LogWriter`; a backend supplies only the SQL.
protocol LogRows {
    /// `log_meta`'s one row: origin, public key, tree size, serialized frontier.
    func logMetaRow() throws -> (origin: String, publicKey: [UInt8], size: Int64, frontier: [UInt8])?
    func insertLogMeta(origin: String, publicKey: [UInt8]) throws
    /// The stored leaf hash of entry `seq`, if the entry exists.
    func leafHash(seq: UInt64) throws -> [UInt8]?
    func insertEntry(seq: UInt64, bytes: [UInt8], leafHash: LogHash) throws
    func insertNode(level: Int, index: UInt64, hash: LogHash) throws
    func writeFrontier(_ frontier: CompactRange) throws
    func insertCheckpoint(_ checkpoint: StoredCheckpoint, createdAt: String) throws
    func latestCheckpoint() throws -> StoredCheckpoint?
}

/// The log's write path over any backend's rows.
enum LogWriter {
    /// Creates the log's state on first use; afterwards checks that the key is the same one.
    /// A database is bound to one log key for life: checkpoints signed by two keys could not
    /// be checked by one verifier key.
    static func initialize(_ rows: some LogRows, origin: String, publicKey: [UInt8]) throws {
        if try state(rows) == nil {
            try rows.insertLogMeta(origin: origin, publicKey: publicKey)
        }
        // Read back what is there now: another broker may have created it first.
        guard let state = try state(rows) else { throw StorageError(.corrupt, "the log's state was not created") }
        guard state.origin == origin, state.publicKey == publicKey else {
            throw StorageError(.conflict, "this database's log is signed by \(state.origin) with another key; refusing to sign it with a different log key")
        }
    }

    static func state(_ rows: some LogRows) throws -> LogState? {
        guard let row = try rows.logMetaRow() else { return nil }
        guard row.size >= 0, let frontier = CompactRange(size: UInt64(row.size), serializedHashes: row.frontier) else {
            throw StorageError(.corrupt, "log_meta holds a frontier that does not fit tree size \(row.size)")
        }
        return LogState(origin: row.origin, publicKey: row.publicKey, frontier: frontier)
    }

    /// Appends `count` entries, reading the log's state (frontier, previous leaf hash) once and
    /// writing `log_meta` once. `build` receives each new entry's seq and the previous entry's
    /// leaf hash; the entry's canonical bytes are stored exactly as hashed.
    ///
    /// If `build` (or a write) throws part-way, `log_meta` is still brought up to the entries
    /// already inserted before the error is rethrown, so the transaction stays consistent
    /// even if the caller catches the error and commits.
    static func append(_ rows: some LogRows, count: Int, _ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry,
                       appended: (AppendedEntry) throws -> Void) throws {
        guard count > 0 else { return }
        guard var state = try state(rows) else { throw StorageError(.noLogKey, "the log has not been initialised with a key") }
        let start = state.frontier.size
        var prev: LogHash
        if start == 0 {
            prev = .zero
        } else {
            guard let bytes = try rows.leafHash(seq: start - 1), let h = LogHash(bytes: bytes) else {
                throw StorageError(.corrupt, "log entry \(start - 1) is missing")
            }
            prev = h
        }
        do {
            for _ in 0..<count {
                let seq = state.frontier.size
                let entry = try build(seq, prev)
                guard entry.seq == seq, entry.prev == prev else { throw StorageError(.corrupt, "entry built for the wrong position") }
                for name in entry.fields.keys where !LogEntry.isMemberName(name) {
                    throw StorageError(.corrupt, "entry member name \(name.prefix(40)) is not [a-z][A-Za-z0-9]*")
                }
                let bytes = entry.encoded()
                let leaf = MerkleHash.leaf(bytes)
                try rows.insertEntry(seq: seq, bytes: bytes, leafHash: leaf)
                var nodes = [CompactRange.Merged]()
                state.frontier.append(leaf) { nodes.append($0) }
                for n in nodes { try rows.insertNode(level: n.level, index: n.index, hash: n.hash) }
                prev = leaf
                try appended(AppendedEntry(seq: seq, bytes: bytes, leafHash: leaf))
            }
        } catch {
            if state.frontier.size != start { try rows.writeFrontier(state.frontier) }
            throw error
        }
        try rows.writeFrontier(state.frontier)
    }

    /// Signs and stores a checkpoint of the log as it stands in this transaction, unless the
    /// latest checkpoint already covers this size. Costs O(log n): the root comes from the
    /// frontier, never from re-reading entries.
    static func checkpoint(_ rows: some LogRows, signer: NoteSigner, now: Date) throws -> StoredCheckpoint {
        guard let state = try state(rows) else { throw StorageError(.noLogKey, "the log has not been initialised with a key") }
        guard state.origin == signer.name, state.publicKey == [UInt8](signer.verifier.publicKey.rawRepresentation) else {
            throw StorageError(.conflict, "the signing key is not this log's key (\(state.origin))")
        }
        if let latest = try rows.latestCheckpoint(), latest.size == state.frontier.size { return latest }
        let cp = Checkpoint(origin: state.origin, size: state.frontier.size, root: state.frontier.root)
        let stored = StoredCheckpoint(size: cp.size, root: cp.root, note: try signer.sign(cp.body))
        try rows.insertCheckpoint(stored, createdAt: RFC3339.format(now))
        return stored
    }
}
