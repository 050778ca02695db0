import Foundation
import LeaseholdAPI
import Storage
import TransparencyLog

extension Broker {
    /// The latest signed checkpoint. Anyone may ask, so this is a read: every path that
    /// appends signs a checkpoint in the same transaction (group commit, sweeps, and
    /// `Broker.write`), so the stored one covers the log. Only a log that has never been
    /// checkpointed (a new database) or one written by an older version takes one write.
    public func checkpoint() async throws(BrokerError) -> String {
        let floor = self.floor
        let current = try await read { tx -> StoredCheckpoint? in
            guard let cp = try tx.latestCheckpoint(), let state = try tx.logState(), cp.size == state.frontier.size,
                cp.root == state.frontier.root
            else { return nil }
            // What this broker serves (another replica may have signed it) joins its floor.
            try floor.check(state.frontier, in: tx)
            return cp
        }
        if let current {
            floor.committed(current)
            return current.note
        }
        let signer = self.signer
        let now = self.now
        return try await write { tx in try tx.checkpoint(signer: signer, now: now).note }
    }

    /// Up to `limit` (at most 1,000) entries from `start`, the exact stored bytes.
    public func logEntries(start: UInt64, limit: Int) async throws(BrokerError) -> [[UInt8]] {
        guard limit >= 1 else { throw BrokerError(.badRequest, "limit must be at least 1") }
        let n = min(limit, 1000)
        return try await read { tx in try tx.entries(start: start, limit: n) }
    }

    public func inclusionProof(index: UInt64) async throws(BrokerError) -> InclusionProofResponse {
        try await read { tx in try Self.inclusionProof(index: index, in: tx) }
    }

    public func consistencyProof(old: UInt64) async throws(BrokerError) -> ConsistencyProofResponse {
        try await read { tx in try Self.consistencyProof(old: old, in: tx) }
    }

    /// The inclusion proof of entry `index` in the latest checkpoint: what `GET
    /// /v1/log/proof/inclusion` answers and `leasehold audit prove` prints, from any store.
    public static func inclusionProof(index: UInt64, in tx: any BrokerTransaction) throws -> InclusionProofResponse {
        guard let cp = try tx.latestCheckpoint() else { throw BrokerError(.notFound, "the log has no signed checkpoint yet") }
        guard index < cp.size else { throw BrokerError(.notFound, "index \(index) is not in the latest checkpoint (size \(cp.size))") }
        let (proof, leaf) = try tx.withPrefetchedSubtrees { t in
            (try MerkleProofs.inclusionProof(index: index, size: cp.size, t), try t.subtreeHash(level: 0, index: index))
        }
        return InclusionProofResponse(treeSize: cp.size, leafIndex: index, leafHash: leaf.base64, inclusionProof: proof.map(\.base64))
    }

    /// The consistency proof from size `old` to the latest checkpoint, with the old root:
    /// what `GET /v1/log/proof/consistency` answers and `leasehold audit consistency` prints.
    public static func consistencyProof(old: UInt64, in tx: any BrokerTransaction) throws -> ConsistencyProofResponse {
        guard let cp = try tx.latestCheckpoint() else { throw BrokerError(.notFound, "the log has no signed checkpoint yet") }
        guard old <= cp.size else { throw BrokerError(.badRequest, "old size \(old) is larger than the latest checkpoint (size \(cp.size))") }
        let (proof, root) = try tx.withPrefetchedSubtrees { t in
            (try MerkleProofs.consistencyProof(oldSize: old, newSize: cp.size, t), try MerkleProofs.root(size: old, t))
        }
        return ConsistencyProofResponse(oldSize: old, oldRoot: root.base64, consistencyProof: proof.map(\.base64))
    }
}
