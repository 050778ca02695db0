import Codecs
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
            throw StorageError(
                .conflict, "this database's log is signed by \(state.origin) with another key; refusing to sign it with a different log key")
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
    static func append(
        _ rows: some LogRows, count: Int, _ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry,
        appended: (AppendedEntry) throws -> Void
    ) throws {
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
    ///
    /// `check` sees the tree about to be signed (its frontier) first, and may throw to refuse
    /// it (the broker's checkpoint floor: never sign a tree that does not extend the last one
    /// it signed). The latest stored checkpoint is handed back instead of a new one only if it
    /// is of this very tree.
    static func checkpoint(
        _ rows: some LogRows, signer: NoteSigner, now: Date,
        check: (CompactRange) throws -> Void = { _ in }
    ) throws -> StoredCheckpoint {
        guard let state = try state(rows) else { throw StorageError(.noLogKey, "the log has not been initialised with a key") }
        guard state.origin == signer.name, state.publicKey == [UInt8](signer.verifier.publicKey.rawRepresentation) else {
            throw StorageError(.conflict, "the signing key is not this log's key (\(state.origin))")
        }
        try check(state.frontier)
        if let latest = try rows.latestCheckpoint(), latest.size == state.frontier.size {
            guard latest.root == state.frontier.root else {
                throw StorageError(
                    .corrupt,
                    "the latest stored checkpoint (size \(latest.size)) has root \(latest.root.base64), but the log's frontier has root \(state.frontier.root.base64)"
                )
            }
            return latest
        }
        let cp = Checkpoint(origin: state.origin, size: state.frontier.size, root: state.frontier.root)
        let stored = StoredCheckpoint(size: cp.size, root: cp.root, note: try signer.sign(cp.body))
        try rows.insertCheckpoint(stored, createdAt: RFC3339.format(now))
        return stored
    }
}

extension BrokerTransaction {
    /// Signs and stores a checkpoint as `checkpoint(signer:now:)` does, after `check` has seen
    /// the tree about to be signed (its frontier) in this transaction and not thrown. Reads
    /// the log's state once on the built-in backends.
    public func checkpoint(signer: NoteSigner, now: Date, check: (CompactRange) throws -> Void) throws -> StoredCheckpoint {
        if let rows = self as? any LogRows { return try LogWriter.checkpoint(rows, signer: signer, now: now, check: check) }
        guard let state = try logState() else { throw StorageError(.noLogKey, "the log has not been initialised with a key") }
        try check(state.frontier)
        return try checkpoint(signer: signer, now: now)
    }
}

/// Whether one tree extends another, checked against the store's subtree hashes: what keeps a
/// broker from signing a fork of a checkpoint it signed before (CRYPTO-REVIEW H2, attack 3).
public enum LogExtension {
    /// Whether the tree whose frontier is `new` has the tree whose frontier is `old` as its
    /// first `old.size` leaves. Costs only the stored subtrees that fill the gap between
    /// `old`'s frontier and the first subtree of `new` that covers its end, fetched in one
    /// batch: O(log(new.size - old.size)) for the usual small step, at most O(log new.size).
    ///
    /// Sound whatever the store holds: the subtrees the two frontiers share are compared
    /// directly, and `new`'s subtree that covers the end of `old` is recomputed from `old`'s
    /// remaining subtrees and the fetched ones; `new`'s root (what is signed) commits to it.
    public static func extends(
        _ new: CompactRange, _ old: CompactRange,
        subtrees fetch: ([SubtreePrefetch.ID]) throws -> [SubtreePrefetch.ID: LogHash]
    ) throws -> Bool {
        let l = old.size, s = new.size
        if l == 0 { return true }
        if l > s { return false }
        if l == s { return old.hashes == new.hashes }
        // The highest bit where the sizes differ: s has it, l does not. Above it both trees
        // have the same perfect subtrees; at it, `new` has one covering [a, a + 2^p), l inside.
        let p = 63 - (l ^ s).leadingZeroBitCount
        let shared = (l >> UInt64(p + 1)).nonzeroBitCount
        guard Array(old.hashes.prefix(shared)) == Array(new.hashes.prefix(shared)) else { return false }
        let a = (l >> UInt64(p + 1)) << UInt64(p + 1)
        let span = UInt64(1) << UInt64(p)
        if l == a { return true }  // old lies entirely in the shared subtrees
        // Fill [l, a + 2^p) with aligned stored subtrees, smallest first.
        var ids = [SubtreePrefetch.ID]()
        var pos = l - a
        while pos < span {
            let level = pos.trailingZeroBitCount
            ids.append(SubtreePrefetch.ID(level: level, index: (a + pos) >> UInt64(level)))
            pos += UInt64(1) << UInt64(level)
        }
        let fetched = try fetch(ids)
        // old's remaining subtrees (covering [a, l)), as (level, hash), largest first.
        var stack = [(level: Int, hash: LogHash)]()
        var bits = l - a
        for h in old.hashes.dropFirst(shared) {
            let level = 63 - bits.leadingZeroBitCount
            stack.append((level, h))
            bits &= ~(UInt64(1) << UInt64(level))
        }
        for id in ids {
            guard var h = fetched[id] else {
                throw StorageError(.corrupt, "subtree (level \(id.level), index \(id.index)) is missing from the store")
            }
            var level = id.level
            while let top = stack.last, top.level == level {
                h = MerkleHash.node(top.hash, h)
                stack.removeLast()
                level += 1
            }
            stack.append((level, h))
        }
        guard stack.count == 1, stack[0].level == p, new.hashes.count > shared else { return false }
        return stack[0].hash == new.hashes[shared]
    }

    /// Whether the tree whose frontier is `new` extends the tree of `size` leaves with `root`
    /// (a checkpoint kept outside the database): a consistency proof from the store, checked
    /// as any verifier would. O(log new.size) subtrees, fetched in one batch.
    public static func extends(_ new: CompactRange, size: UInt64, root: LogHash, in tx: any BrokerTransaction) throws -> Bool {
        if size > new.size { return false }
        if size == new.size { return root == new.root }
        if size == 0 { return root == MerkleHash.emptyRoot }
        let proof = try tx.withPrefetchedSubtrees { t in try MerkleProofs.consistencyProof(oldSize: size, newSize: new.size, t) }
        return ProofVerification.verifyConsistency(oldSize: size, oldRoot: root, newSize: new.size, newRoot: new.root, proof: proof)
    }
}
