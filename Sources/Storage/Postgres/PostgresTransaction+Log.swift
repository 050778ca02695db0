import Foundation
import PostgresNIO
import TransparencyLog

extension PostgresTransaction: LogRows {
    func logMetaRow() throws -> (origin: String, publicKey: [UInt8], size: Int64, frontier: [UInt8])? {
        guard let row = try execute("SELECT origin, public_key, tree_size, frontier FROM log_meta WHERE id = 0").first else { return nil }
        let (origin, key, size, frontier) = try decode(row, (String, Data, Int64, Data).self)
        return (origin, [UInt8](key), size, [UInt8](frontier))
    }

    /// Replicas starting together may both find no log yet: the second insert does nothing,
    /// and `LogWriter.initialize` then compares the first one's key with its own.
    func insertLogMeta(origin: String, publicKey: [UInt8]) throws {
        try execute(
            "INSERT INTO log_meta (id, origin, public_key, tree_size, frontier) VALUES (0, \(origin), \(Data(publicKey)), 0, ''::bytea) ON CONFLICT (id) DO NOTHING"
        )
    }

    func leafHash(seq: UInt64) throws -> [UInt8]? {
        try execute("SELECT leaf_hash FROM log_entries WHERE seq = \(Int64(seq))").first.map { [UInt8](try decode($0, Data.self)) }
    }

    func insertEntry(seq: UInt64, bytes: [UInt8], leafHash: LogHash) throws {
        try execute("INSERT INTO log_entries (seq, entry, leaf_hash) VALUES (\(Int64(seq)), \(Data(bytes)), \(Data(leafHash.bytes)))")
    }

    func insertNode(level: Int, index: UInt64, hash: LogHash) throws {
        try execute("INSERT INTO merkle_nodes (level, idx, hash) VALUES (\(Int32(level)), \(Int64(index)), \(Data(hash.bytes)))")
    }

    func writeFrontier(_ frontier: CompactRange) throws {
        try execute("UPDATE log_meta SET tree_size = \(Int64(frontier.size)), frontier = \(Data(frontier.serializedHashes)) WHERE id = 0")
    }

    func insertCheckpoint(_ cp: StoredCheckpoint, createdAt: String) throws {
        try execute(
            "INSERT INTO checkpoints (tree_size, root, note, created_at) VALUES (\(Int64(cp.size)), \(Data(cp.root.bytes)), \(cp.note), \(createdAt))"
        )
    }

    public func latestCheckpoint() throws -> StoredCheckpoint? {
        guard let row = try execute("SELECT tree_size, root, note FROM checkpoints ORDER BY tree_size DESC LIMIT 1").first else { return nil }
        let (size, root, note) = try decode(row, (Int64, Data, String).self)
        guard size >= 0, let h = LogHash(bytes: root) else { throw StorageError(.corrupt, "checkpoint row with a bad size or root") }
        return StoredCheckpoint(size: UInt64(size), root: h, note: note)
    }

    public func initializeLog(origin: String, publicKey: [UInt8]) throws {
        try LogWriter.initialize(self, origin: origin, publicKey: publicKey)
    }

    public func logState() throws -> LogState? { try LogWriter.state(self) }

    public func appendLog(count: Int, _ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry, appended: (AppendedEntry) throws -> Void) throws {
        try LogWriter.append(self, count: count, build, appended: appended)
    }

    public func checkpoint(signer: NoteSigner, now: Date) throws -> StoredCheckpoint {
        try LogWriter.checkpoint(self, signer: signer, now: now)
    }

    public func entries(start: UInt64, limit: Int) throws -> [[UInt8]] {
        try execute("SELECT entry FROM log_entries WHERE seq >= \(Int64(clamping: start)) ORDER BY seq LIMIT \(Int64(limit))")
            .map { [UInt8](try decode($0, Data.self)) }
    }

    /// Two queries whatever the proof's size: leaves from `log_entries`, nodes from `merkle_nodes`.
    public func subtreeHashes(_ ids: [SubtreePrefetch.ID]) throws -> [SubtreePrefetch.ID: LogHash] {
        var found: [SubtreePrefetch.ID: LogHash] = [:]
        let leaves = ids.filter { $0.level == 0 }.map { Int64(clamping: $0.index) }
        if !leaves.isEmpty {
            for row in try execute("SELECT seq, leaf_hash FROM log_entries WHERE seq = ANY(\(leaves))") {
                let (seq, hash) = try decode(row, (Int64, Data).self)
                if let h = LogHash(bytes: hash) { found[SubtreePrefetch.ID(level: 0, index: UInt64(clamping: seq))] = h }
            }
        }
        let nodes = ids.filter { $0.level > 0 }
        if !nodes.isEmpty {
            let levels = nodes.map { Int32($0.level) }, indices = nodes.map { Int64(clamping: $0.index) }
            let query: PostgresQuery = """
                SELECT m.level, m.idx, m.hash FROM merkle_nodes m
                JOIN unnest(\(levels)::int4[], \(indices)::int8[]) AS q(level, idx) ON m.level = q.level AND m.idx = q.idx
                """
            for row in try execute(query) {
                let (level, idx, hash) = try decode(row, (Int32, Int64, Data).self)
                if let h = LogHash(bytes: hash) { found[SubtreePrefetch.ID(level: Int(level), index: UInt64(clamping: idx))] = h }
            }
        }
        return found
    }
}
