/// The Merkle frontier of a log: the roots of the perfect subtrees that cover leaves
/// `[0, size)`, largest (leftmost) first — one per set bit of `size`.
///
/// Appending a leaf costs O(1) amortised hashes and computing the root O(log n), so a
/// checkpoint over a log of a million entries never re-reads the log. The frontier is what
/// the store persists beside the entries. Each merge also yields a completed perfect subtree
/// (`Merged`), which the store keeps so that proofs cost O(log n) look-ups.
public struct CompactRange: Sendable, Hashable {
    public private(set) var size: UInt64
    /// Subtree roots, leftmost first; `hashes.count == size.nonzeroBitCount`.
    public private(set) var hashes: [LogHash]

    public init() {
        size = 0
        hashes = []
    }

    /// Restores a frontier the store persisted. Nil if the hash count does not fit the size.
    public init?(size: UInt64, hashes: [LogHash]) {
        guard hashes.count == size.nonzeroBitCount else { return nil }
        self.size = size
        self.hashes = hashes
    }

    /// A perfect subtree completed by an append: `level` is its height (1 = two leaves) and
    /// `index` its position among subtrees of that height.
    public struct Merged: Sendable, Hashable {
        public var level: Int
        public var index: UInt64
        public var hash: LogHash
    }

    /// Appends one leaf hash, calling `merged` for every perfect subtree it completes.
    public mutating func append(_ leaf: LogHash, merged: (Merged) -> Void = { _ in }) {
        var hash = leaf
        var level = 0
        var index = size
        // Each trailing one bit of `size` is a subtree of that height to merge with.
        while (size >> UInt64(level)) & 1 == 1 {
            hash = MerkleHash.node(hashes.removeLast(), hash)
            level += 1
            index >>= 1
            merged(Merged(level: level, index: index, hash: hash))
        }
        hashes.append(hash)
        size += 1
    }

    /// MTH of all leaves so far: the frontier folded right to left.
    public var root: LogHash {
        guard var acc = hashes.last else { return MerkleHash.emptyRoot }
        for h in hashes.dropLast().reversed() { acc = MerkleHash.node(h, acc) }
        return acc
    }

    /// Serialised as the concatenated hashes, for the store.
    public var serializedHashes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(hashes.count * LogHash.byteCount)
        for h in hashes { h.withUnsafeBytes { out.append(contentsOf: $0) } }
        return out
    }

    public init?(size: UInt64, serializedHashes: [UInt8]) {
        guard serializedHashes.count == size.nonzeroBitCount * LogHash.byteCount else { return nil }
        var hs = [LogHash]()
        var i = 0
        while i < serializedHashes.count {
            guard let h = LogHash(bytes: serializedHashes[i..<(i + LogHash.byteCount)]) else { return nil }
            hs.append(h)
            i += LogHash.byteCount
        }
        self.init(size: size, hashes: hs)
    }
}
