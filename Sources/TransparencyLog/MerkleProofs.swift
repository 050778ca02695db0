/// Where proofs get their subtree hashes from: the store's table of perfect subtrees, or an
/// in-memory tree in tests. Only *perfect, aligned* subtrees are ever asked for (height
/// `level`, covering leaves `[index << level, (index + 1) << level)`); level 0 is a leaf hash.
public protocol SubtreeHashSource {
    func subtreeHash(level: Int, index: UInt64) throws -> LogHash
}

/// Inclusion and consistency proofs of RFC 9162 §2.1.3–2.1.4 (the same proofs as RFC 6962
/// §2.1.1–2.1.2), generated from perfect subtree hashes in O(log n) look-ups.
public enum MerkleProofs {
    public struct ProofError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// MTH(D[start : start + count]) for a range that is a node of the RFC 6962 tree
    /// (`start` a multiple of the largest power of two not above `count`, as every range the
    /// proof recursion visits is). O(log count) look-ups.
    public static func rangeHash(start: UInt64, count: UInt64, _ source: some SubtreeHashSource) throws -> LogHash {
        guard count > 0 else { throw ProofError(description: "the empty range has no subtree hash") }
        if count & (count - 1) == 0 {
            let level = count.trailingZeroBitCount
            return try source.subtreeHash(level: level, index: start >> UInt64(level))
        }
        let k = largestPowerOfTwo(below: count)
        return MerkleHash.node(
            try rangeHash(start: start, count: k, source),
            try rangeHash(start: start + k, count: count - k, source))
    }

    /// The root of the tree of the first `size` leaves.
    public static func root(size: UInt64, _ source: some SubtreeHashSource) throws -> LogHash {
        size == 0 ? MerkleHash.emptyRoot : try rangeHash(start: 0, count: size, source)
    }

    /// PATH(m, D[n]) of RFC 6962 §2.1.1: the audit path of leaf `index` in a tree of `size`
    /// leaves, the leaf's sibling first and the root's child last.
    public static func inclusionProof(index: UInt64, size: UInt64, _ source: some SubtreeHashSource) throws -> [LogHash] {
        guard index < size else { throw ProofError(description: "leaf index \(index) is not below tree size \(size)") }
        var path = [LogHash]()
        try inclusionPath(m: index, start: 0, n: size, source, into: &path)
        return path
    }

    private static func inclusionPath(m: UInt64, start: UInt64, n: UInt64, _ source: some SubtreeHashSource, into path: inout [LogHash]) throws {
        if n <= 1 { return }
        let k = largestPowerOfTwo(below: n)
        if m < k {
            try inclusionPath(m: m, start: start, n: k, source, into: &path)
            path.append(try rangeHash(start: start + k, count: n - k, source))
        } else {
            try inclusionPath(m: m - k, start: start + k, n: n - k, source, into: &path)
            path.append(try rangeHash(start: start, count: k, source))
        }
    }

    /// PROOF(m, D[n]) of RFC 6962 §2.1.2: proves that the tree of `oldSize` leaves is a prefix
    /// of the tree of `newSize` leaves. Empty when the sizes are equal or `oldSize` is 0.
    public static func consistencyProof(oldSize: UInt64, newSize: UInt64, _ source: some SubtreeHashSource) throws -> [LogHash] {
        guard oldSize <= newSize else { throw ProofError(description: "old size \(oldSize) is larger than new size \(newSize)") }
        if oldSize == 0 || oldSize == newSize { return [] }
        var proof = [LogHash]()
        try subproof(m: oldSize, start: 0, n: newSize, complete: true, source, into: &proof)
        return proof
    }

    private static func subproof(m: UInt64, start: UInt64, n: UInt64, complete: Bool, _ source: some SubtreeHashSource, into proof: inout [LogHash])
        throws
    {
        if m == n {
            if !complete { proof.append(try rangeHash(start: start, count: n, source)) }
            return
        }
        let k = largestPowerOfTwo(below: n)
        if m <= k {
            try subproof(m: m, start: start, n: k, complete: complete, source, into: &proof)
            proof.append(try rangeHash(start: start + k, count: n - k, source))
        } else {
            try subproof(m: m - k, start: start + k, n: n - k, complete: false, source, into: &proof)
            proof.append(try rangeHash(start: start, count: k, source))
        }
    }

    /// The largest power of two strictly below `n` (n > 1): RFC 6962's split point k.
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        UInt64(1) << UInt64(63 - (n - 1).leadingZeroBitCount)
    }
}
