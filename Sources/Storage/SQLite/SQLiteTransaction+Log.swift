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

extension SQLiteTransaction: LogRows {
    /// Creates the log's state on first use; afterwards checks that the key is the same one.
    public func initializeLog(origin: String, publicKey: [UInt8]) throws {
        try LogWriter.initialize(self, origin: origin, publicKey: publicKey)
    }

    public func logState() throws -> LogState? { try LogWriter.state(self) }

    /// Appends `count` entries inside this transaction, exactly as `count` calls of
    /// `appendLog(_:)` would, but reading and writing the log's state once (`LogWriter.append`).
    public func appendLog(
        count: Int, _ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry,
        appended: (AppendedEntry) throws -> Void = { _ in }
    ) throws {
        try LogWriter.append(self, count: count, build, appended: appended)
    }

    /// Signs and stores a checkpoint unless the latest one already covers this size.
    public func checkpoint(signer: NoteSigner, now: Date) throws -> StoredCheckpoint {
        try LogWriter.checkpoint(self, signer: signer, now: now)
    }

    func logMetaRow() throws -> (origin: String, publicKey: [UInt8], size: Int64, frontier: [UInt8])? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT origin, public_key, tree_size, frontier FROM log_meta WHERE id = 0")) else {
            return nil
        }
        return (row[0], [UInt8]((row[1] as Data)), row[2], [UInt8]((row[3] as Data)))
    }

    func insertLogMeta(origin: String, publicKey: [UInt8]) throws {
        try db.execute(
            sql: "INSERT INTO log_meta (id, origin, public_key, tree_size, frontier) VALUES (0, ?, ?, 0, x'')",
            arguments: [origin, Data(publicKey)])
    }

    func leafHash(seq: UInt64) throws -> [UInt8]? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT leaf_hash FROM log_entries WHERE seq = ?"), arguments: [Int64(seq)]).map { [UInt8]($0) }
    }

    func insertEntry(seq: UInt64, bytes: [UInt8], leafHash: LogHash) throws {
        try db.cachedStatement(sql: "INSERT INTO log_entries (seq, entry, leaf_hash) VALUES (?, ?, ?)")
            .execute(arguments: [Int64(seq), Data(bytes), Data(leafHash.bytes)])
    }

    func insertNode(level: Int, index: UInt64, hash: LogHash) throws {
        try db.cachedStatement(sql: "INSERT INTO merkle_nodes (level, idx, hash) VALUES (?, ?, ?)")
            .execute(arguments: [level, Int64(index), Data(hash.bytes)])
    }

    func writeFrontier(_ frontier: CompactRange) throws {
        try db.cachedStatement(sql: "UPDATE log_meta SET tree_size = ?, frontier = ? WHERE id = 0")
            .execute(arguments: [Int64(frontier.size), Data(frontier.serializedHashes)])
    }

    func insertCheckpoint(_ cp: StoredCheckpoint, createdAt: String) throws {
        try db.execute(
            sql: "INSERT INTO checkpoints (tree_size, root, note, created_at) VALUES (?, ?, ?, ?)",
            arguments: [Int64(cp.size), Data(cp.root.bytes), cp.note, createdAt])
    }
}

extension SQLiteTransaction {
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
        let cursor = try Row.fetchCursor(
            db, sql: "SELECT seq, entry, leaf_hash FROM log_entries WHERE seq >= ? ORDER BY seq", arguments: [Int64(start)])
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
            data = try Data.fetchOne(
                db.cachedStatement(sql: "SELECT hash FROM merkle_nodes WHERE level = ? AND idx = ?"), arguments: [level, Int64(index)])
        }
        guard let data, let h = LogHash(bytes: [UInt8](data)) else {
            throw StorageError(.corrupt, "subtree (level \(level), index \(index)) is missing from the store")
        }
        return h
    }
}
