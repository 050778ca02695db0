import Foundation
import TransparencyLog

/// Checks the lease invariants from the log alone, as an auditor would, entry by entry:
///
/// - no `key.granted` for a lease that was never issued;
/// - no grant before its `notBefore` or at/after its `notAfter`;
/// - no grant after the lease's `lease.revoked`, `lease.released` or `lease.expired`;
/// - no more grants than `maxGrants`;
/// - at the end, every lease whose `notAfter` is more than `expiryGrace` before the last
///   entry's time has its `lease.expired` (the sweeper runs every few seconds; the grace
///   allows for one that has not passed yet).
///
/// And one finding that is not a violation (the broker did nothing wrong; a workload did not
/// report): a lease issued with `receipts: required` that ended (revoked, released, or past
/// `notAfter` by the grace) while one of its grants has no `shredded` receipt is listed in
/// `findings` (SECURITY-REVIEW-2026-12, L7: the signed promise is audited, not ignored).
///
/// Pure: it needs nothing but the entries, so it runs the same on a database and on an
/// exported bundle.
public struct LeaseInvariantChecker: Sendable {
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        public var seq: UInt64?
        public var message: String
        public var description: String { seq.map { "seq \($0): \(message)" } ?? message }
    }

    struct Lease {
        var notBefore: Date
        var notAfter: Date
        var maxGrants: Int64
        var grants: Int64 = 0
        var ended: String?
        var endedAt: Date?
        var expiredRecorded = false
        var receiptsRequired = false
        /// Grant ids still owing a `shredded` receipt (receipts: required only).
        var unshredded: [String] = []
    }

    public var expiryGrace: TimeInterval
    private var leases: [String: Lease] = [:]
    private var lastTime: Date?
    public private(set) var grantsSeen = 0
    /// Required receipts that never came, in lease order (see the type's comment).
    public private(set) var findings: [String] = []

    public init(expiryGrace: TimeInterval = 300) {
        self.expiryGrace = expiryGrace
    }

    public mutating func consume(_ e: LogEntry) throws(Violation) {
        lastTime = e.time
        guard let owner = e.owner, let leaseId = e.leaseId else { return }
        let key = owner + "/" + leaseId
        switch e.kind {
        case "lease.issued":
            guard leases[key] == nil else { throw Violation(seq: e.seq, message: "lease \(key) issued twice") }
            guard let nb = e.fields["notBefore"]?.stringValue.flatMap(RFC3339.parse), let na = e.fields["notAfter"]?.stringValue.flatMap(RFC3339.parse),
                  let max = e.fields["maxGrants"]?.intValue else {
                throw Violation(seq: e.seq, message: "lease.issued for \(key) lacks notBefore, notAfter or maxGrants")
            }
            var l = Lease(notBefore: nb, notAfter: na, maxGrants: max)
            l.receiptsRequired = e.fields["receipts"]?.stringValue == "required"
            leases[key] = l
        case "key.granted":
            grantsSeen += 1
            guard var l = leases[key] else { throw Violation(seq: e.seq, message: "key granted on \(key), which was never issued") }
            if let ended = l.ended { throw Violation(seq: e.seq, message: "key granted on \(key) after \(ended)") }
            if e.time < l.notBefore { throw Violation(seq: e.seq, message: "key granted on \(key) before its notBefore") }
            if e.time >= l.notAfter { throw Violation(seq: e.seq, message: "key granted on \(key) at or after its notAfter") }
            l.grants += 1
            if l.receiptsRequired, let id = e.fields["grantId"]?.stringValue { l.unshredded.append(id) }
            if l.grants > l.maxGrants { throw Violation(seq: e.seq, message: "grant \(l.grants) on \(key) exceeds maxGrants \(l.maxGrants)") }
            leases[key] = l
        case "lease.revoked", "lease.released":
            guard var l = leases[key] else { throw Violation(seq: e.seq, message: "\(e.kind) for \(key), which was never issued") }
            if l.ended == nil { l.ended = e.kind; l.endedAt = e.time }
            leases[key] = l
        case "receipt":
            if var l = leases[key], e.fields["receiptKind"]?.stringValue == "shredded", let id = e.fields["grantId"]?.stringValue {
                l.unshredded.removeAll { $0 == id }
                leases[key] = l
            }
        case "lease.expired":
            guard var l = leases[key] else { throw Violation(seq: e.seq, message: "lease.expired for \(key), which was never issued") }
            if l.expiredRecorded { throw Violation(seq: e.seq, message: "lease.expired recorded twice for \(key)") }
            if e.time < l.notAfter { throw Violation(seq: e.seq, message: "lease.expired for \(key) before its notAfter") }
            l.expiredRecorded = true
            if l.ended == nil { l.ended = e.kind; l.endedAt = l.notAfter }
            leases[key] = l
        default:
            break
        }
    }

    /// Every lease past notAfter (by more than the grace, at the last entry's time) must have its lease.expired.
    public mutating func finish() throws(Violation) {
        guard let lastTime else { return }
        for (key, l) in leases.sorted(by: { $0.key < $1.key }) where l.receiptsRequired && !l.unshredded.isEmpty {
            let end = min(l.endedAt ?? l.notAfter, l.notAfter)
            guard end.addingTimeInterval(expiryGrace) < lastTime else { continue }
            findings.append("lease \(key) requires receipts, but grant(s) \(l.unshredded.joined(separator: ", ")) have no shredded receipt")
        }
        for (key, l) in leases.sorted(by: { $0.key < $1.key }) where !l.expiredRecorded && l.notAfter.addingTimeInterval(expiryGrace) < lastTime {
            throw Violation(seq: nil, message: "lease \(key) ended at \(RFC3339.format(l.notAfter)) but has no lease.expired entry")
        }
    }
}
