import Foundation
import LeaseholdAPI
import Storage
import TransparencyLog

/// Group commit: concurrent state changes (grants, denials) share one durable transaction.
///
/// SQLite makes each commit wait for an fsync, which caps one-at-a-time grants at a few
/// hundred per second. Here the first caller becomes the leader and commits everything that
/// queued up meanwhile in one transaction, each item in its own savepoint (one item failing
/// undoes only itself), then signs one checkpoint covering the batch. No result is handed
/// back until that transaction has committed, so no key leaves before its entry is durable.
/// No background task: the leader is always a caller, and the actor keeps the queue. A leader
/// commits one batch (the one holding its own request) and then hands leadership to the
/// oldest waiter, so that under sustained load no caller is kept committing other callers'
/// batches without bound (SECURITY-REVIEW-2026-12, L9).
actor GroupCommitter {
    typealias Work = @Sendable (any BrokerTransaction) throws -> CommitOutcome

    struct CommitOutcome: Sendable {
        /// The log entry this item appended, if any.
        var seq: UInt64?
        var value: Outcome
        /// The appended entry's exact bytes, for a grant's receipt.
        var entry: [UInt8]? = nil
    }

    enum Outcome: Sendable {
        case granted(grantNumber: Int64)
        case denied(BrokerError)
        case done
    }

    struct Committed: Sendable {
        var outcome: CommitOutcome
        var checkpoint: StoredCheckpoint
        /// The entry's inclusion proof in `checkpoint` and its leaf hash, when it appended one:
        /// built in the same transaction, all of the batch's subtrees fetched at once.
        var proof: (path: [LogHash], leaf: LogHash)?
    }

    private let store: any BrokerStore
    private let signer: NoteSigner
    private let clock: @Sendable () -> Date
    private let timings: GrantTimings
    private let floor: CheckpointFloor
    private var pending: [(ticket: Int, work: Work)] = []
    /// What a waiting caller is woken with: its result, or the lead for the next batch.
    private enum Wake: Sendable {
        case result(Result<Committed, BrokerError>)
        case lead
    }

    private var waiters: [Int: CheckedContinuation<Wake, Never>] = [:]
    private var nextTicket = 0
    private var leading = false

    init(
        store: any BrokerStore, signer: NoteSigner, clock: @escaping @Sendable () -> Date, timings: GrantTimings,
        floor: CheckpointFloor = CheckpointFloor()
    ) {
        self.floor = floor
        self.timings = timings
        self.store = store
        self.signer = signer
        self.clock = clock
    }

    func submit(_ work: @escaping Work) async -> Result<Committed, BrokerError> {
        let ticket = nextTicket
        nextTicket += 1
        pending.append((ticket, work))
        if leading {
            switch await withCheckedContinuation({ waiters[ticket] = $0 }) {
            case .result(let result): return result
            case .lead: break  // this caller's request is still pending: it leads the next batch
            }
        }
        leading = true
        let batch = pending
        pending = []
        var mine: Result<Committed, BrokerError>?
        for (t, result) in await run(batch) {
            if t == ticket { mine = result } else { waiters.removeValue(forKey: t)?.resume(returning: .result(result)) }
        }
        // Requests that queued during the commit: the oldest one's caller leads them.
        if let next = pending.first, let waiter = waiters.removeValue(forKey: next.ticket) {
            waiter.resume(returning: .lead)
        } else {
            leading = false
        }
        return mine ?? .failure(BrokerError(.internal, "group commit lost a result"))
    }

    private func run(_ batch: [(ticket: Int, work: Work)]) async -> [(Int, Result<Committed, BrokerError>)] {
        let signer = self.signer, floor = self.floor
        let now = clock()
        do {
            let (outcomes, cp, proofs) = try await store.write {
                tx -> ([(Int, Result<CommitOutcome, BrokerError>)], StoredCheckpoint, [UInt64: ([LogHash], LogHash)]) in
                var outcomes = [(Int, Result<CommitOutcome, BrokerError>)]()
                for (t, work) in batch {
                    do {
                        outcomes.append((t, .success(try tx.savepoint { try work(tx) })))
                    } catch let e as BrokerError {
                        outcomes.append((t, .failure(e)))
                    } catch {
                        outcomes.append((t, .failure(BrokerError(.logUnavailable, "could not record the request: \(error)"))))
                    }
                }
                let cp = try floor.checkpoint(tx, signer: signer, now: now)
                // Only a grant hands out a receipt; denials and other entries need no proof.
                let seqs = outcomes.compactMap { _, r -> UInt64? in
                    guard case .success(let o) = r, case .granted = o.value else { return nil }
                    return o.seq
                }
                let proofs = try tx.withPrefetchedSubtrees { t in
                    try Dictionary(
                        uniqueKeysWithValues: seqs.map { seq in
                            (seq, (try MerkleProofs.inclusionProof(index: seq, size: cp.size, t), try t.subtreeHash(level: 0, index: seq)))
                        })
                }
                return (outcomes, cp, proofs)
            }
            floor.committed(cp)
            timings.recordCommit()
            timings.metrics.committed(batchSize: batch.count)
            return outcomes.map { t, r in
                (t, r.map { o in Committed(outcome: o, checkpoint: cp, proof: o.seq.flatMap { proofs[$0] }.map { (path: $0.0, leaf: $0.1) }) })
            }
        } catch {
            // The transaction did not commit: nothing of the batch happened, nothing is released.
            let e = BrokerError(.logUnavailable, "the log could not be written, nothing was released: \(error)")
            return batch.map { ($0.ticket, .failure(e)) }
        }
    }
}
