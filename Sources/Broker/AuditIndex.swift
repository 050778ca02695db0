import LeaseholdAPI
import TransparencyLog

/// The console's index of the log: which entries belong to which lease, and each lease's
/// state as its entries tell it (issue 15, item 3). Built from the log alone, entry by entry in
/// log order, so it can be thrown away and rebuilt at any time; never trusted over the
/// entries: what the console shows, the browser re-hashes and proves against a checkpoint.
///
/// A value type fed entries (`consume`), tested without I/O; `AuditIndexCache` keeps one per
/// broker and catches it up with the store.
struct AuditIndex: Sendable {
    struct LeaseKey: Hashable, Sendable {
        var owner: String
        var leaseId: String
    }

    /// Entries consumed: the next one expected is `size`.
    private(set) var size: UInt64 = 0
    private(set) var owners: [AuditOwnerSummary] = []
    private var ownerIndex: [String: Int] = [:]
    /// In issue order.
    private(set) var leases: [AuditLeaseSummary] = []
    private var leaseIndex: [LeaseKey: Int] = [:]

    /// Reads the entry at `size`. An entry that does not parse, or not at its place, is a
    /// log the index cannot describe: thrown, and the caller says so instead of guessing.
    mutating func consume(_ bytes: [UInt8]) throws(BrokerError) {
        let e: LogEntry
        do { e = try LogEntry(bytes: bytes) } catch { throw BrokerError(.stateInvalid, "log entry \(size) cannot be indexed: \(error.description)") }
        guard e.seq == size else { throw BrokerError(.stateInvalid, "log entry \(e.seq) found where entry \(size) belongs") }
        size += 1
        guard let owner = e.owner else { return }
        if e.kind == "owner.registered" {
            if ownerIndex[owner] == nil {
                ownerIndex[owner] = owners.count
                owners.append(AuditOwnerSummary(owner: owner, registeredSeq: e.seq, leases: 0))
            }
            return
        }
        guard let leaseId = e.leaseId else { return }
        let key = LeaseKey(owner: owner, leaseId: leaseId)
        if e.kind == "lease.issued" {
            guard leaseIndex[key] == nil else { return }
            leaseIndex[key] = leases.count
            leases.append(
                AuditLeaseSummary(
                    owner: owner, leaseId: leaseId, purpose: e.fields["purpose"]?.stringValue,
                    notBefore: e.fields["notBefore"]?.stringValue, notAfter: e.fields["notAfter"]?.stringValue,
                    maxGrants: e.fields["maxGrants"]?.intValue.flatMap { Int(exactly: $0) },
                    status: "active", grants: 0, denials: 0, receipts: 0, issuedSeq: e.seq, seqs: [e.seq]))
            if let i = ownerIndex[owner] { owners[i].leases += 1 }
            return
        }
        // A denial for a lease that was never issued (lease-not-found) belongs to no lease.
        guard let i = leaseIndex[key] else { return }
        leases[i].seqs.append(e.seq)
        switch e.kind {
        case "key.granted":
            leases[i].grants += 1
            if leases[i].status == "active", let max = leases[i].maxGrants, leases[i].grants >= max { leases[i].status = "exhausted" }
        case "key.denied": leases[i].denials += 1
        case "receipt": leases[i].receipts += 1
        case "lease.revoked": leases[i].status = "revoked"
        case "lease.expired": leases[i].status = "expired"
        case "lease.released": leases[i].status = "released"
        default: break
        }
    }

    func lease(owner: String, leaseId: String) -> AuditLeaseSummary? {
        leaseIndex[LeaseKey(owner: owner, leaseId: leaseId)].map { leases[$0] }
    }

    /// Leases of `owner` (all owners if nil) whose id or purpose contains `text` (case
    /// insensitive) and whose status is `status`, newest first, at most `limit`.
    func leases(owner: String?, text: String?, status: String?, limit: Int) -> [AuditLeaseSummary] {
        let needle = text?.lowercased()
        var out: [AuditLeaseSummary] = []
        for l in leases.reversed() {
            if let owner, l.owner != owner { continue }
            if let status, l.status != status { continue }
            if let needle, !needle.isEmpty, !l.leaseId.lowercased().contains(needle), !(l.purpose?.lowercased().contains(needle) ?? false) {
                continue
            }
            out.append(l)
            if out.count >= limit { break }
        }
        return out
    }
}

/// One `AuditIndex` per broker, caught up with the log before each question. Entries are read
/// in pages outside the actor's state; a page another caller already consumed is skipped.
actor AuditIndexCache {
    private var index = AuditIndex()

    func caughtUp(to target: UInt64, page: (UInt64) async throws(BrokerError) -> [[UInt8]]) async throws(BrokerError) -> AuditIndex {
        while index.size < target {
            let start = index.size
            let entries = try await page(start)
            guard !entries.isEmpty else { break }
            // Another caller may have consumed this page while we read it.
            guard index.size == start else { continue }
            for bytes in entries { try index.consume(bytes) }
        }
        return index
    }
}
