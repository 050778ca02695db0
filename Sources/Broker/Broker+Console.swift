import LeaseholdAPI
import Storage
import TransparencyLog

/// What the console (and any auditor client) asks of the log besides entries and proofs:
/// owners, leases, one lease's entries. Answered from `AuditIndex`, which is built from the
/// log; the entries themselves are returned as stored, for the reader to hash and prove.
extension Broker {
    /// A lease's entries per request at most.
    public static let maxLeaseEntriesPerRequest = 500

    /// The index, caught up with the log as it is now.
    func currentAuditIndex() async throws(BrokerError) -> AuditIndex {
        let target = try await read { tx in try tx.logState()?.frontier.size ?? 0 }
        return try await auditIndex.caughtUp(to: target) { @Sendable start async throws(BrokerError) in
            try await self.logEntries(start: start, limit: 1000)
        }
    }

    public func auditOwners() async throws(BrokerError) -> [AuditOwnerSummary] {
        try await currentAuditIndex().owners
    }

    /// Leases, newest first: of one owner, whose id or purpose contains `text`, in `status`.
    public func auditLeases(owner: String?, text: String?, status: String?, limit: Int) async throws(BrokerError) -> [AuditLeaseSummary] {
        try await currentAuditIndex().leases(owner: owner, text: text, status: status, limit: max(1, min(limit, 1000)))
    }

    /// The lease's entries from its `offset`-th on (at most `maxLeaseEntriesPerRequest`),
    /// each its exact stored bytes.
    public func auditLeaseEntries(owner: String, leaseId: String, offset: Int) async throws(BrokerError) -> [[UInt8]] {
        guard let lease = try await currentAuditIndex().lease(owner: owner, leaseId: leaseId) else {
            throw BrokerError(.leaseNotFound, "the log has no lease \(owner)/\(leaseId)")
        }
        guard offset >= 0, offset <= lease.seqs.count else { throw BrokerError(.badRequest, "offset must be 0...\(lease.seqs.count)") }
        let seqs = Array(lease.seqs[offset..<min(lease.seqs.count, offset + Self.maxLeaseEntriesPerRequest)])
        return try await read { tx in
            try seqs.map { seq in
                guard let entry = try tx.entries(start: seq, limit: 1).first else {
                    throw BrokerError(.stateInvalid, "log entry \(seq) is indexed but not stored")
                }
                return entry
            }
        }
    }
}
