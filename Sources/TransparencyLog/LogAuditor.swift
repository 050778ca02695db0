/// Verifies a log from its entries alone, streaming: the hash chain, the sequence numbers, the
/// Merkle tree, and every signed checkpoint against the tree recomputed from the entries.
///
/// The store's own hashes, frontier and subtree table are never trusted: everything is
/// recomputed from the entry bytes. Feed entries in order with `consume`, then call `finish`.
/// The first failure names the first bad sequence number it can pin down.
public struct LogAuditor: Sendable {
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// The first entry found bad, when the failure can be pinned to one.
        public var seq: UInt64?
        public var message: String
        public init(seq: UInt64? = nil, message: String) {
            self.seq = seq
            self.message = message
        }
        public var description: String {
            if let seq { return "seq \(seq): \(message)" }
            return message
        }
    }

    /// A checkpoint whose signature has been verified, with where it came from (for messages).
    public struct TrustedCheckpoint: Sendable, Hashable {
        public var checkpoint: Checkpoint
        public var source: String
        public init(checkpoint: Checkpoint, source: String) {
            self.checkpoint = checkpoint
            self.source = source
        }
    }

    public let verifier: NoteVerifier
    private var tree = CompactRange()
    private var prevHash = LogHash.zero
    /// Checkpoints still to reach, sorted by size, smallest last (popped as reached).
    private var pending: [TrustedCheckpoint]
    public private(set) var checkpointsVerified = 0
    /// Size of the largest checkpoint matched so far: entries below it are proven unaltered.
    private var provenSize: UInt64 = 0

    public var size: UInt64 { tree.size }
    public var root: LogHash { tree.root }
    /// Leaf hash of the last entry consumed.
    public var lastLeafHash: LogHash { prevHash }

    /// Opens each signed checkpoint with `verifier`; any bad signature, wrong origin or
    /// malformed body fails before a single entry is read.
    public init(verifier: NoteVerifier, signedCheckpoints: [(note: String, source: String)]) throws(Failure) {
        self.verifier = verifier
        var trusted = [TrustedCheckpoint]()
        for (note, source) in signedCheckpoints {
            let text: String
            do { text = try verifier.open(note) } catch { throw Failure(message: "\(source): \(error)") }
            let cp: Checkpoint
            do { cp = try Checkpoint(body: text) } catch { throw Failure(message: "\(source): \(error)") }
            guard cp.origin == verifier.name else {
                throw Failure(message: "\(source): origin \"\(cp.origin)\" is not the log key's name \"\(verifier.name)\"")
            }
            trusted.append(TrustedCheckpoint(checkpoint: cp, source: source))
        }
        pending = trusted.sorted { $0.checkpoint.size > $1.checkpoint.size }
        try checkReached()
    }

    /// Consumes the entry stored at `seq`. `storedLeafHash` is the hash the store kept beside
    /// it, if any; a mismatch means the entry bytes were altered after they were hashed.
    @discardableResult
    public mutating func consume(seq: UInt64, bytes: [UInt8], storedLeafHash: LogHash? = nil) throws(Failure) -> LogEntry {
        try checkPosition(seq)
        let leaf = MerkleHash.leaf(bytes)
        try checkStored(seq, leaf, storedLeafHash)
        let entry: LogEntry
        do { entry = try LogEntry(bytes: bytes) } catch { throw Failure(seq: seq, message: "\(error)") }
        try advance(seq: seq, header: LogEntryHeader(seq: entry.seq, prev: entry.prev), leaf: leaf)
        return entry
    }

    /// `consume` for an audit that needs no `LogEntry` back: the same checks in the same
    /// order with the same failures, but the bytes are read in place (no copy out of the
    /// store's row) and validated by `LogEntryScanner` without building a JSON tree. Bytes the
    /// scanner cannot vouch for go through the full `LogEntry(bytes:)` parse, which decides.
    public mutating func consume(seq: UInt64, rawBytes: UnsafeRawBufferPointer, storedLeafHash: LogHash? = nil) throws(Failure) {
        try consume(seq: seq, rawBytes: rawBytes, prepared: Self.prepare(rawBytes), storedLeafHash: storedLeafHash)
    }

    /// The part of `consume(seq:rawBytes:)` that depends on one entry's bytes alone (its leaf
    /// hash, its scanned header), so that a caller can do it for many entries at once on
    /// several cores; `consume(seq:rawBytes:prepared:)` then applies, in log order, every check
    /// that depends on the others. The two together are exactly `consume(seq:rawBytes:)`.
    public struct Prepared: Sendable {
        let leaf: LogHash
        let header: LogEntryHeader?
    }

    public static func prepare(_ rawBytes: UnsafeRawBufferPointer) -> Prepared {
        Prepared(leaf: MerkleHash.leaf(rawBytes), header: LogEntryScanner.scan(rawBytes))
    }

    /// `consume(seq:rawBytes:)` with `prepared` = `prepare(rawBytes)` computed beforehand.
    public mutating func consume(seq: UInt64, rawBytes: UnsafeRawBufferPointer, prepared: Prepared, storedLeafHash: LogHash? = nil) throws(Failure) {
        try checkPosition(seq)
        let leaf = prepared.leaf
        try checkStored(seq, leaf, storedLeafHash)
        let header: LogEntryHeader
        if let scanned = prepared.header {
            header = scanned
        } else {
            let entry: LogEntry
            do { entry = try LogEntry(bytes: Array(rawBytes)) } catch { throw Failure(seq: seq, message: "\(error)") }
            header = LogEntryHeader(seq: entry.seq, prev: entry.prev)
        }
        try advance(seq: seq, header: header, leaf: leaf)
    }

    private func checkPosition(_ seq: UInt64) throws(Failure) {
        guard seq == tree.size else {
            if seq > tree.size { throw Failure(seq: tree.size, message: "entry missing (the next stored entry is seq \(seq))") }
            throw Failure(seq: seq, message: "entry stored twice or out of order")
        }
    }

    private func checkStored(_ seq: UInt64, _ leaf: LogHash, _ stored: LogHash?) throws(Failure) {
        if let stored, stored != leaf {
            throw Failure(seq: seq, message: "entry bytes do not match their stored leaf hash (entry altered)")
        }
    }

    /// The entry's own seq and prev against its position and its predecessor, then the tree.
    private mutating func advance(seq: UInt64, header: LogEntryHeader, leaf: LogHash) throws(Failure) {
        guard header.seq == seq else {
            throw Failure(seq: seq, message: "entry says seq \(header.seq) (entries swapped, moved or altered)")
        }
        guard header.prev == prevHash else {
            if seq == 0 { throw Failure(seq: 0, message: "first entry's prev is not 64 zeros") }
            throw Failure(seq: seq - 1, message: "hash does not match the prev recorded by seq \(seq) (seq \(seq - 1) altered, or seq \(seq)'s prev)")
        }
        tree.append(leaf)
        prevHash = leaf
        try checkReached()
    }

    private mutating func checkReached() throws(Failure) {
        while let next = pending.last, next.checkpoint.size == tree.size {
            pending.removeLast()
            guard next.checkpoint.root == tree.root else {
                throw Failure(
                    seq: provenSize,
                    message:
                        "\(next.source) commits to size \(next.checkpoint.size) with root \(next.checkpoint.root.base64), but the entries hash to \(tree.root.base64): an entry in seq \(provenSize)..<\(tree.size) was rewritten (with every later hash recomputed)"
                )
            }
            checkpointsVerified += 1
            provenSize = tree.size
        }
    }

    /// Fails if a checkpoint commits to more entries than the log holds (truncated or rolled back).
    public func finish() throws(Failure) {
        if let biggest = pending.first {
            throw Failure(
                seq: tree.size,
                message:
                    "\(biggest.source) commits to \(biggest.checkpoint.size) entries but the log has only \(tree.size): the log was truncated or rolled back"
            )
        }
    }
}
