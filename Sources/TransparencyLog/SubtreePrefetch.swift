/// Proof generation with every subtree hash fetched at once.
///
/// Which subtrees a proof needs depends only on the tree size and the leaf index (or the two
/// sizes), never on the hashes themselves. So the proof is first run against a table that
/// only records what it is asked for, then the store fetches all of that in one batch, and the
/// proof runs again against the filled table. Where each look-up is a network round trip
/// (PostgreSQL), a proof costs one or two queries instead of O(log n).
public enum SubtreePrefetch {
    public struct ID: Hashable, Sendable {
        public var level: Int
        public var index: UInt64
        public init(level: Int, index: UInt64) { self.level = level; self.index = index }
    }

    /// A subtree source that records requests (first pass) or answers from fetched hashes.
    public final class Table: SubtreeHashSource {
        var requested: [ID] = []
        var seen: Set<ID> = []
        var hashes: [ID: LogHash]?

        public func subtreeHash(level: Int, index: UInt64) throws -> LogHash {
            let id = ID(level: level, index: index)
            guard let hashes else {
                if seen.insert(id).inserted { requested.append(id) }
                return .zero
            }
            guard let h = hashes[id] else {
                throw MerkleProofs.ProofError(description: "subtree (level \(level), index \(index)) was not fetched")
            }
            return h
        }
    }

    /// Runs `proof` twice: once to learn its subtrees, once with them fetched by `fetch`
    /// (which returns the hashes it found; a missing one fails the second run).
    public static func run<T>(_ proof: (Table) throws -> T, fetch: ([ID]) throws -> [ID: LogHash]) throws -> T {
        let table = Table()
        _ = try proof(table)
        table.hashes = try fetch(table.requested)
        return try proof(table)
    }
}
