import Codecs
import Foundation
import TransparencyLog

/// One lease's story (or an owner's, or a time window's) as the log tells it, for the auditor
/// (`leasehold audit history`; issue 15). It reads verified `LogEntry` values in log order and
/// keeps, for the selected leases, what a person asks about each event; it decides nothing and
/// trusts nothing but the entries it is given (the caller has verified the log they come from).
///
/// | log kind        | event       | what is kept                                                              |
/// |-----------------|-------------|---------------------------------------------------------------------------|
/// | `lease.issued`  | `issued`    | purpose, keys, allowed workloads (from the signed manifest), window, maxGrants, manifest digest, signer |
/// | `key.granted`   | `granted`   | TEE, measurement, TCB status, debug, evidence hash, key ids, grant id     |
/// | `key.denied`    | `denied`    | reason code, detail, TEE, measurement                                     |
/// | `receipt`       | `receipt`   | kind (`output`/`shredded`), output digest, grant id                       |
/// | `lease.revoked` | `revoked`   | by whom                                                                   |
/// | `lease.expired` | `expired`   | notAfter, grants issued                                                   |
/// | `lease.released`| `released`  | by whom, receipt kind, output digest                                      |
public struct LeaseHistory: Sendable {
    public struct Selection: Sendable, Hashable {
        public var owner: String?
        public var leaseId: String?
        public var from: Date?
        public var to: Date?
        public init(owner: String? = nil, leaseId: String? = nil, from: Date? = nil, to: Date? = nil) {
            self.owner = owner; self.leaseId = leaseId; self.from = from; self.to = to
        }

        func contains(_ e: LogEntry) -> Bool {
            guard let o = e.owner, let l = e.leaseId else { return false }
            if let owner, owner != o { return false }
            if let leaseId, leaseId != l { return false }
            if let from, e.time < from { return false }
            if let to, e.time > to { return false }
            return true
        }
    }

    public struct Event: Sendable, Hashable {
        public var seq: UInt64
        public var time: Date
        /// `issued`, `granted`, `denied`, `receipt`, `revoked`, `expired`, `released`.
        public var event: String
        public var owner: String
        public var leaseId: String
        /// The event's details, by the names of the table above (JSON values as logged).
        public var details: [(String, JSONValue)]

        public static func == (a: Event, b: Event) -> Bool { a.seq == b.seq }
        public func hash(into h: inout Hasher) { h.combine(seq) }
    }

    public let selection: Selection
    public private(set) var events: [Event] = []
    /// Entries read, selected or not.
    public private(set) var entries = 0

    public init(selection: Selection) { self.selection = selection }

    static let events: [String: String] = [
        "lease.issued": "issued", "key.granted": "granted", "key.denied": "denied", "receipt": "receipt",
        "lease.revoked": "revoked", "lease.expired": "expired", "lease.released": "released",
    ]

    static let kept: [String: [String]] = [
        "issued": ["purpose", "keyIds", "workloads", "notBefore", "notAfter", "maxGrants", "receipts", "manifestDigest", "signer"],
        "granted": ["tee", "measurement", "tcbStatus", "debug", "evidenceHash", "keyIds", "grantId", "grantNumber"],
        "denied": ["reason", "detail", "tee", "measurement"],
        "receipt": ["receiptKind", "outputDigest", "grantId"],
        "revoked": ["by"],
        "expired": ["notAfter", "grantsIssued"],
        "released": ["by", "receiptKind", "outputDigest", "grantId"],
    ]

    public mutating func consume(_ e: LogEntry) {
        entries += 1
        guard let event = Self.events[e.kind], selection.contains(e), let owner = e.owner, let leaseId = e.leaseId else { return }
        var details: [(String, JSONValue)] = []
        for name in Self.kept[event] ?? [] {
            if name == "workloads" {
                if let w = Self.workloads(e) { details.append((name, w)) }
            } else if let v = e.fields[name] {
                details.append((name, v))
            }
        }
        events.append(Event(seq: e.seq, time: e.time, event: event, owner: owner, leaseId: leaseId, details: details))
    }

    /// The allowed workloads of the owner-signed manifest a `lease.issued` entry carries (its
    /// DSSE envelope's payload), as the owner wrote them; nil without an envelope.
    static func workloads(_ e: LogEntry) -> JSONValue? {
        guard let text = e.fields["envelope"]?.stringValue, let bytes = Base64.decodeCanonical(text),
            let envelope = try? DSSEEnvelope(json: bytes), let manifest = try? CanonicalJSON.parse(envelope.payload)
        else { return nil }
        return manifest["workloads"]
    }
}
