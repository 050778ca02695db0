import Foundation
import GRDB
import GRDBSQLite
import TransparencyLog

/// The log's state as the store keeps it: the key that signs its checkpoints and its frontier.
public struct LogState: Sendable, Hashable {
    public var origin: String
    public var publicKey: [UInt8]
    public var frontier: CompactRange
}

/// An entry as appended: its index, exact bytes and leaf hash.
public struct AppendedEntry: Sendable, Hashable {
    public var seq: UInt64
    public var bytes: [UInt8]
    public var leafHash: LogHash
}

/// A signed checkpoint as stored and handed out.
public struct StoredCheckpoint: Sendable, Hashable {
    public var size: UInt64
    public var root: LogHash
    /// The signed note, byte for byte.
    public var note: String
}

extension SQLiteTransaction {
    /// Creates the log's state on first use; afterwards checks that the key is the same one.
    /// A database is bound to one log key for life: checkpoints signed by two keys could not
    /// be checked by one verifier key.
    public func initializeLog(origin: String, publicKey: [UInt8]) throws {
        if let state = try logState() {
            guard state.origin == origin, state.publicKey == publicKey else {
                throw StorageError(.conflict, "this database's log is signed by \(state.origin) with another key; refusing to sign it with a different log key")
            }
            return
        }
        try db.execute(sql: "INSERT INTO log_meta (id, origin, public_key, tree_size, frontier) VALUES (0, ?, ?, 0, x'')",
                       arguments: [origin, Data(publicKey)])
    }

    public func logState() throws -> LogState? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT origin, public_key, tree_size, frontier FROM log_meta WHERE id = 0")) else { return nil }
        let size: Int64 = row[2]
        let frontierBytes: Data = row[3]
        guard size >= 0, let frontier = CompactRange(size: UInt64(size), serializedHashes: [UInt8](frontierBytes)) else {
            throw StorageError(.corrupt, "log_meta holds a frontier that does not fit tree size \(size)")
        }
        let key: Data = row[1]
        return LogState(origin: row[0], publicKey: [UInt8](key), frontier: frontier)
    }

    /// Appends one entry inside this transaction. `build` receives the new entry's seq and the
    /// previous entry's leaf hash and returns the entry; its canonical bytes are stored exactly
    /// as hashed. Nothing becomes visible, or durable, until the transaction commits.
    @discardableResult
    public func appendLog(_ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry) throws -> AppendedEntry {
        var appended: AppendedEntry?
        try appendLog(count: 1, build, appended: { appended = $0 })
        guard let appended else { throw StorageError(.corrupt, "append produced no entry") }
        return appended
    }

    /// Appends `count` entries inside this transaction, exactly as `count` calls of
    /// `appendLog(_:)` would, but reading the log's state (frontier, previous leaf hash) once
    /// and writing `log_meta` once: with many entries per transaction those reads and writes
    /// cost more than the entries themselves. `appended` sees each entry as it is stored.
    ///
    /// If `build` (or a write) throws part-way, `log_meta` is still brought up to the entries
    /// already inserted before the error is rethrown, so the transaction stays consistent
    /// even if the caller catches the error and commits.
    public func appendLog(count: Int, _ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry,
                          appended: (AppendedEntry) throws -> Void = { _ in }) throws {
        guard count > 0 else { return }
        guard var state = try logState() else { throw StorageError(.noLogKey, "the log has not been initialised with a key") }
        let start = state.frontier.size
        var prev: LogHash
        if start == 0 {
            prev = .zero
        } else {
            guard let data = try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM log_entries WHERE seq = ?"), arguments: [Int64(start - 1)]),
                  let h = LogHash(bytes: data) else {
                throw StorageError(.corrupt, "log entry \(start - 1) is missing")
            }
            prev = h
        }
        let insertEntry = try db.cachedStatement(sql: "INSERT INTO log_entries (seq, entry, leaf_hash) VALUES (?, ?, ?)")
        let insertNode = try db.cachedStatement(sql: "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
        do {
            for _ in 0..<count {
                let seq = state.frontier.size
                let entry = try build(seq, prev)
                guard entry.seq == seq, entry.prev == prev else { throw StorageError(.corrupt, "entry built for the wrong position") }
                let bytes = entry.encoded()
                let leaf = MerkleHash.leaf(bytes)
                try insertEntry.execute(arguments: [Int64(seq), Data(bytes), Data(leaf.bytes)])
                var nodes = [CompactRange.Merged]()
                state.frontier.append(leaf) { nodes.append($0) }
                for n in nodes {
                    try insertNode.execute(arguments: [n.level, Int64(n.index), Data(n.hash.bytes)])
                }
                prev = leaf
                try appended(AppendedEntry(seq: seq, bytes: bytes, leafHash: leaf))
            }
        } catch {
            if state.frontier.size != start { try writeFrontier(state.frontier) }
            throw error
        }
        try writeFrontier(state.frontier)
    }

    private func writeFrontier(_ frontier: CompactRange) throws {
        try db.cachedStatement(sql: "UPDATE log_meta SET tree_size = ?, frontier = ? WHERE id = 0")
            .execute(arguments: [Int64(frontier.size), Data(frontier.serializedHashes)])
    }

    /// Signs and stores a checkpoint of the log as it stands in this transaction, unless the
    /// latest checkpoint already covers this size. Costs O(log n): the root comes from the
    /// frontier, never from re-reading entries.
    public func checkpoint(signer: NoteSigner, now: Date) throws -> StoredCheckpoint {
        guard let state = try logState() else { throw StorageError(.noLogKey, "the log has not been initialised with a key") }
        guard state.origin == signer.name, state.publicKey == [UInt8](signer.verifier.publicKey.rawRepresentation) else {
            throw StorageError(.conflict, "the signing key is not this log's key (\(state.origin))")
        }
        if let latest = try latestCheckpoint(), latest.size == state.frontier.size { return latest }
        let cp = Checkpoint(origin: state.origin, size: state.frontier.size, root: state.frontier.root)
        let note = try signer.sign(cp.body)
        try db.execute(sql: "INSERT INTO checkpoints (tree_size, root, note, created_at) VALUES (?, ?, ?, ?)",
                       arguments: [Int64(cp.size), Data(cp.root.bytes), note, RFC3339.format(now)])
        return StoredCheckpoint(size: cp.size, root: cp.root, note: note)
    }

    public func latestCheckpoint() throws -> StoredCheckpoint? {
        try checkpoints(sql: "SELECT tree_size, root, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1").first
    }

    public func allCheckpoints() throws -> [StoredCheckpoint] {
        try checkpoints(sql: "SELECT tree_size, root, note FROM checkpoints ORDER BY tree_size")
    }

    private func checkpoints(sql: String) throws -> [StoredCheckpoint] {
        try Row.fetchAll(db, sql: sql).map { row in
            let size: Int64 = row[0]
            let root: Data = row[1]
            guard size >= 0, let h = LogHash(bytes: [UInt8](root)) else { throw StorageError(.corrupt, "checkpoint row with a bad size or root") }
            return StoredCheckpoint(size: UInt64(size), root: h, note: row[2])
        }
    }

    /// Streams entries in seq order: (seq, bytes, stored leaf hash). Rows are read as stored;
    /// gaps and bad hashes are for the caller (the auditor) to find.
    public func forEachEntry(from start: UInt64 = 0, _ body: (UInt64, [UInt8], LogHash?) throws -> Void) throws {
        let cursor = try Row.fetchCursor(db, sql: "SELECT seq, entry, leaf_hash FROM log_entries WHERE seq >= ? ORDER BY seq", arguments: [Int64(start)])
        while let row = try cursor.next() {
            let seq: Int64 = row[0]
            guard seq >= 0 else { throw StorageError(.corrupt, "negative seq \(seq)") }
            let bytes = try row.withUnsafeData(atIndex: 1) { $0.map { [UInt8]($0) } } ?? []
            let leaf = try row.withUnsafeData(atIndex: 2) { $0.flatMap { LogHash(bytes: $0) } }
            try body(UInt64(seq), bytes, leaf)
        }
    }

    /// `forEachEntry` with the entry bytes lent in place from SQLite's row buffer (valid only
    /// during `body`): the audit reads every entry once, and a copy (or a `Data` wrapper) per
    /// entry cost a good part of its time. The columns are read with the SQLite C API from the
    /// statement the cursor has positioned on the row.
    func forEachRawEntry(from start: UInt64 = 0, _ body: (UInt64, UnsafeRawBufferPointer, LogHash?) throws -> Void) throws {
        let statement = try db.makeStatement(sql: "SELECT seq, entry, leaf_hash FROM log_entries WHERE seq >= ? ORDER BY seq")
        let cursor = try Row.fetchCursor(statement, arguments: [Int64(start)])
        let stmt = statement.sqliteStatement
        func column(_ index: CInt) -> UnsafeRawBufferPointer? {
            guard sqlite3_column_type(stmt, index) != SQLITE_NULL else { return nil }
            let pointer = sqlite3_column_blob(stmt, index)  // before _bytes, as SQLite documents
            return UnsafeRawBufferPointer(start: pointer, count: Int(sqlite3_column_bytes(stmt, index)))
        }
        while try cursor.next() != nil {
            let seq = sqlite3_column_int64(stmt, 0)
            guard seq >= 0 else { throw StorageError(.corrupt, "negative seq \(seq)") }
            let leaf = column(2).flatMap { LogHash(rawBytes: $0) }
            try body(UInt64(seq), column(1) ?? UnsafeRawBufferPointer(start: nil, count: 0), leaf)
        }
    }

    public func entry(seq: UInt64) throws -> [UInt8]? {
        try Data.fetchOne(db, sql: "SELECT entry FROM log_entries WHERE seq = ?", arguments: [Int64(seq)]).map { [UInt8]($0) }
    }

    public func entryCount() throws -> UInt64 {
        UInt64(try Int64.fetchOne(db, sql: "SELECT count(*) FROM log_entries") ?? 0)
    }

    /// Subtree hashes from `log_entries.leaf_hash` (level 0) and `merkle_nodes` (above).
    public var subtrees: SQLiteSubtreeSource { SQLiteSubtreeSource(db: db) }
}

/// Answers proof generation from the stored subtree hashes: O(log n) indexed look-ups.
public struct SQLiteSubtreeSource: SubtreeHashSource {
    let db: Database

    public func subtreeHash(level: Int, index: UInt64) throws -> LogHash {
        let data: Data?
        if level == 0 {
            data = try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM log_entries WHERE seq = ?"), arguments: [Int64(index)])
        } else {
            data = try Data.fetchOne(db.cachedStatement(sql: "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?"), arguments: [level, Int64(index)])
        }
        guard let data, let h = LogHash(bytes: [UInt8](data)) else {
            throw StorageError(.corrupt, "subtree (level \(level), index \(index)) is missing from the store")
        }
        return h
    }
}
