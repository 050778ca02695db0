import Foundation
import LeaseholdWorkloadCLI
import Storage
import TransparencyLog

/// One entry an audit report shows, with what proves it is in the signed log: its exact bytes,
/// its leaf hash, and its RFC 9162 inclusion path to the checkpoint's root.
struct EntryProof: Sendable {
    var seq: UInt64
    var entry: [UInt8]
    var leafHash: LogHash
    var path: [LogHash]
    var treeSize: UInt64
}

extension HistoryOptions {
    /// The inclusion proof of each entry `seqs` names against the (verified) checkpoint `note`:
    /// from the database's subtree table with `--db`, else from a tree of the bundle's entries.
    /// Every proof is verified against the checkpoint's root before it is kept; none that fails
    /// is printed (exit 1, naming the entry).
    func proofs(for seqs: [UInt64], checkpoint note: String, bundle: String?) async throws -> [EntryProof] {
        let cp: Checkpoint
        do { cp = try Checkpoint(body: try SignedNote(parsing: note).text) } catch {
            throw CLIFailure(message: "audit failed: the checkpoint does not parse: \(error)")
        }
        var out: [EntryProof] = []
        if let db {
            let store = try CLIFiles.openForAudit(db)
            out = try CLIFiles.read(store) { tx in
                try seqs.map { seq in
                    guard let bytes = try tx.entry(seq: seq) else { throw CLIFailure(message: "audit failed: seq \(seq): the entry is gone") }
                    // For the checkpoint that was verified, not whatever is latest now: a live
                    // broker may have signed a newer one since.
                    let path = try tx.withPrefetchedSubtrees { t in try MerkleProofs.inclusionProof(index: seq, size: cp.size, t) }
                    return EntryProof(seq: seq, entry: bytes, leafHash: MerkleHash.leaf(bytes), path: path, treeSize: cp.size)
                }
            }
        } else if let bundle {
            let lines = try CLIFiles.read(bundle + "/entries.jsonl", what: "bundle entries").split(separator: 0x0A, omittingEmptySubsequences: false)
            var tree = MemoryTree()
            for line in lines.prefix(Int(cp.size)) { tree.append(leaf: MerkleHash.leaf(Array(line))) }
            out = try seqs.map { seq in
                guard seq < UInt64(lines.count) else { throw CLIFailure(message: "audit failed: seq \(seq) is not in the bundle") }
                let bytes = Array(lines[Int(seq)])
                return EntryProof(
                    seq: seq, entry: bytes, leafHash: MerkleHash.leaf(bytes),
                    path: try MerkleProofs.inclusionProof(index: seq, size: cp.size, tree), treeSize: cp.size)
            }
        }
        for p in out where !ProofVerification.verifyInclusion(leaf: p.leafHash, index: p.seq, size: p.treeSize, proof: p.path, root: cp.root) {
            throw CLIFailure(message: "audit failed: seq \(p.seq): its inclusion proof does not verify against the checkpoint of size \(cp.size)")
        }
        return out
    }
}
