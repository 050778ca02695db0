// The auditor's side of the API: read-only credentials and the console's lease index.
// Every log-derived value here is a convenience for finding entries; the console (and any
// client) shows what it re-hashed and proved against a signed checkpoint, never these.

/// An auditor token: `lha_` then 64 hex digits (32 random bytes). The prefix lets
/// the HTTP layer refuse one on a write route (403) without a database read.
public enum AuditorToken {
    public static let prefix = "lha_"
}

/// `POST /v1/auditors` (admin token).
public struct AddAuditorRequest: Codable, Sendable, Hashable {
    public var name: String
    public init(name: String) { self.name = name }
}

/// An auditor credential as the admin sees it; `token` only in the answer that created it.
public struct AuditorInfo: Codable, Sendable, Hashable {
    public var name: String
    /// RFC 3339 UTC.
    public var created: String
    public var revoked: String?
    /// The bearer token, shown once: the broker keeps only its SHA-256.
    public var token: String?
    public init(name: String, created: String, revoked: String? = nil, token: String? = nil) {
        self.name = name; self.created = created; self.revoked = revoked; self.token = token
    }
}

/// `GET /v1/audit/owners`: the owners the log registered.
public struct AuditOwnerSummary: Codable, Sendable, Hashable {
    public var owner: String
    /// The `owner.registered` entry.
    public var registeredSeq: UInt64
    public var leases: Int
    public init(owner: String, registeredSeq: UInt64, leases: Int) {
        self.owner = owner; self.registeredSeq = registeredSeq; self.leases = leases
    }
}

/// `GET /v1/audit/leases`: one lease as its log entries tell it.
public struct AuditLeaseSummary: Codable, Sendable, Hashable {
    public var owner: String
    public var leaseId: String
    public var purpose: String?
    public var notBefore: String?
    public var notAfter: String?
    public var maxGrants: Int?
    /// One of `statuses`: `exhausted` when grants reached maxGrants, as of the entries indexed;
    /// time alone does not end a lease here, its `lease.expired` does.
    public var status: String
    public static let statuses = ["active", "exhausted", "revoked", "expired", "released"]
    public var grants: Int
    public var denials: Int
    public var receipts: Int
    /// The `lease.issued` entry, and every entry of the lease in log order.
    public var issuedSeq: UInt64
    public var seqs: [UInt64]
    public init(
        owner: String, leaseId: String, purpose: String?, notBefore: String?, notAfter: String?, maxGrants: Int?,
        status: String, grants: Int, denials: Int, receipts: Int, issuedSeq: UInt64, seqs: [UInt64]
    ) {
        self.owner = owner; self.leaseId = leaseId; self.purpose = purpose; self.notBefore = notBefore; self.notAfter = notAfter
        self.maxGrants = maxGrants; self.status = status; self.grants = grants; self.denials = denials; self.receipts = receipts
        self.issuedSeq = issuedSeq; self.seqs = seqs
    }
}
