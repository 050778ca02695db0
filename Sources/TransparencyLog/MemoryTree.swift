/// An in-memory log tree: leaf hashes plus every completed perfect subtree, exactly what the
/// store keeps in `log_entries.leaf_hash` and `merkle_nodes`. Used by tests and benchmarks,
/// and by `audit verify --bundle` to answer proofs without a database.
public struct MemoryTree: SubtreeHashSource, Sendable {
    public private(set) var frontier = CompactRange()
    /// levels[l][i] = hash of perfect subtree of height l at index i.
    private var levels: [[LogHash]] = [[]]

    public init() {}

    public var size: UInt64 { frontier.size }
    public var root: LogHash { frontier.root }

    public mutating func append(leaf: LogHash) {
        levels[0].append(leaf)
        frontier.append(leaf) { merged in
            if levels.count <= merged.level { levels.append([]) }
            levels[merged.level].append(merged.hash)
        }
    }

    public func subtreeHash(level: Int, index: UInt64) throws -> LogHash {
        guard level < levels.count, index < UInt64(levels[level].count) else {
            throw MerkleProofs.ProofError(description: "no subtree at level \(level) index \(index)")
        }
        return levels[level][Int(index)]
    }
}
