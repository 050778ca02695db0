/// Verification of inclusion and consistency proofs, RFC 9162 §2.1.3.2 and §2.1.4.2.
///
/// These are the algorithms an auditor's own tools run; ours must agree with them bit for bit
/// (the integration test checks against Go's sumdb/tlog).
public enum ProofVerification {
    /// True if `proof` shows `leaf` at `index` in the tree of `size` leaves with `root`.
    public static func verifyInclusion(leaf: LogHash, index: UInt64, size: UInt64, proof: [LogHash], root: LogHash) -> Bool {
        guard index < size else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// True if `proof` shows that the tree (`oldSize`, `oldRoot`) is a prefix of
    /// (`newSize`, `newRoot`).
    public static func verifyConsistency(oldSize: UInt64, oldRoot: LogHash, newSize: UInt64, newRoot: LogHash, proof: [LogHash]) -> Bool {
        if oldSize > newSize { return false }
        if oldSize == newSize { return proof.isEmpty && oldRoot == newRoot }
        if oldSize == 0 { return proof.isEmpty && oldRoot == MerkleHash.emptyRoot }
        guard !proof.isEmpty else { return false }
        var path = proof[...]
        // If old size is a power of two, the old root is the first node of the proof.
        if oldSize & (oldSize - 1) == 0 { path.insert(oldRoot, at: path.startIndex) }
        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path.removeFirst()
        var sr = fr
        for c in path {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && fr == oldRoot && sr == newRoot
    }
}
