import Attestation
import Foundation

/// An owner's lease, as written in a manifest: which keys, for what, for how long, how many
/// times, and to which software.
///
/// The manifest is the *maximum* the broker may do. Everything here is checked when the
/// manifest is read (`LeaseManifest(yaml:)`, `LeaseManifest(json:)`), so a value of this type
/// is always a valid lease; its one byte form, `canonicalJSON`, is what the owner signs.
public struct LeaseManifest: Sendable, Hashable {
    /// How the lease ends on its own: at a fixed time, or a duration after it starts.
    public enum Expiry: Sendable, Hashable {
        /// `notAfter`: seconds since 1970 (UTC, whole seconds).
        case notAfter(Int64)
        /// `ttl`: a duration, counted from `notBefore` (or from the issue time).
        case ttl(Duration)
    }

    /// A `ttl` as written (`90s`, `30m`, `2h`, `7d`): the written form is kept so the signed
    /// manifest shows the owner exactly what they wrote.
    public struct Duration: Sendable, Hashable, CustomStringConvertible {
        public enum Unit: String, Sendable, Hashable, CaseIterable {
            case seconds = "s", minutes = "m", hours = "h", days = "d"
            var seconds: Int64 {
                switch self {
                case .seconds: return 1
                case .minutes: return 60
                case .hours: return 3600
                case .days: return 86_400
                }
            }
        }

        public var count: Int64
        public var unit: Unit
        public var seconds: Int64 { count * unit.seconds }
        public var description: String { "\(count)\(unit.rawValue)" }

        /// Ten years at most: a longer lease is a transfer, not a lease, and the bound keeps
        /// every later addition far from overflow.
        static let maximumSeconds: Int64 = 3650 * 86_400

        public init?(_ text: String) {
            guard let last = text.last, let unit = Unit(rawValue: String(last)) else { return nil }
            let digits = text.dropLast()
            guard !digits.isEmpty, digits.count <= 9, digits.first != "0",
                digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let count = Int64(digits)
            else { return nil }
            guard count * unit.seconds <= Self.maximumSeconds else { return nil }
            self.count = count
            self.unit = unit
        }
    }

    /// Whether the workload must post receipts (what it did with the keys, and that it
    /// shredded them). `optional` by default.
    public enum Receipts: String, Sendable, Hashable, CaseIterable {
        case required, optional
    }

    /// The registered owner's name; the envelope must be signed by that owner's key.
    public var owner: String
    /// Chosen by the owner, unique per owner: `LeaseholdName` (`[A-Za-z0-9._-]{1,128}`, no leading dot).
    public var leaseId: String
    /// What the data may be used for, in the owner's words. Recorded, not interpreted.
    public var purpose: String
    /// Seconds since 1970; nil means "from the moment the broker issues the lease".
    public var notBefore: Int64?
    public var expiry: Expiry
    /// How many times the keys may be released in all (at least 1).
    public var maxGrants: Int64
    /// Vault key ids; non-empty, no duplicates.
    public var keys: [String]
    /// The software allowed to receive the keys; the first entry that matches is used.
    public var workloads: [WorkloadEntry]
    public var receipts: Receipts
    /// The audience: the log key (`name+keyid+base64`, as `GET /v1/broker` publishes it) of the
    /// one broker that may issue this lease. Without it, anyone holding the envelope can issue
    /// it on any broker where the owner is registered (SECURITY-REVIEW-2026-12, M3).
    public var broker: String?
    /// Seconds since 1970: the envelope may not be issued at or after this time, so that a
    /// signed but unissued envelope does not stay a bearer token for ever.
    public var issueBefore: Int64?
    /// The key-transport suite grants must use (`xwing-sha256-aes256gcm` for post-quantum);
    /// nil lets the workload choose among the broker's suites (CRYPTO-REVIEW M4).
    public var suite: String?

    /// The key-transport suite ids a manifest may require (Vault's `KeyWrapSuite` wire ids).
    public static let suites: Set<String> = ["x25519-sha256-aes256gcm", "xwing-sha256-aes256gcm"]

    public init(
        owner: String, leaseId: String, purpose: String, notBefore: Int64? = nil, expiry: Expiry,
        maxGrants: Int64, keys: [String], workloads: [WorkloadEntry], receipts: Receipts = .optional,
        broker: String? = nil, issueBefore: Int64? = nil, suite: String? = nil
    ) {
        self.suite = suite
        self.broker = broker
        self.issueBefore = issueBefore
        self.owner = owner
        self.leaseId = leaseId
        self.purpose = purpose
        self.notBefore = notBefore
        self.expiry = expiry
        self.maxGrants = maxGrants
        self.keys = keys
        self.workloads = workloads
        self.receipts = receipts
    }
}

/// The time a lease is valid, fixed when the broker issues it.
public struct LeaseWindow: Sendable, Hashable {
    /// Seconds since 1970; grants are allowed from this second on.
    public var notBefore: Int64
    /// Seconds since 1970; grants are refused from this second on.
    public var notAfter: Int64

    public init(notBefore: Int64, notAfter: Int64) {
        self.notBefore = notBefore
        self.notAfter = notAfter
    }

    public var notBeforeDate: Date { Date(timeIntervalSince1970: TimeInterval(notBefore)) }
    public var notAfterDate: Date { Date(timeIntervalSince1970: TimeInterval(notAfter)) }
    /// `notAfter` as RFC 3339 UTC, the form the grant's HPKE `info` and the log use.
    public var notAfterText: String { ManifestTime.format(notAfter) }
    public var notBeforeText: String { ManifestTime.format(notBefore) }
}

extension LeaseManifest {
    /// The lease's window if the broker issues it at `issuedAt`: `notBefore` defaults to the
    /// issue time and a `ttl` counts from `notBefore`. Refuses a window that is already over,
    /// so an owner cannot issue a lease that could never be used (or one backdated to look
    /// used).
    public func window(issuedAt: Date) throws(ManifestError) -> LeaseWindow {
        let issued = ManifestTime.seconds(issuedAt)
        let start = notBefore ?? issued
        let end: Int64
        switch expiry {
        case .notAfter(let t): end = t
        case .ttl(let d): end = start + d.seconds
        }
        guard end > issued else {
            throw ManifestError("notAfter", "the lease ended at \(ManifestTime.format(end)), before it was issued (\(ManifestTime.format(issued)))")
        }
        guard end > start else {
            throw ManifestError("notAfter", "the lease ends (\(ManifestTime.format(end))) before it starts (\(ManifestTime.format(start)))")
        }
        // Ten years from whichever is later, the start or the issue, as for a ttl; and never
        // past 9999-12-31T23:59:59Z, the last time RFC 3339 parsers (an auditor's tools) read.
        guard end <= Self.latestTime else {
            throw ManifestError("notAfter", "the lease would end after 9999-12-31T23:59:59Z (\(end) s since 1970)")
        }
        guard end - max(start, issued) <= Duration.maximumSeconds else {
            throw ManifestError(
                "notAfter", "the lease would last more than 3650 days from \(ManifestTime.format(max(start, issued))); a longer lease is a transfer")
        }
        return LeaseWindow(notBefore: start, notAfter: end)
    }

    /// Bounds that keep every log entry a lease causes small (README, "Security"): the
    /// largest, `lease.issued`, lists every key id and the purpose.
    public static let maximumKeys = 64
    public static let maximumWorkloads = 64

    /// 9999-12-31T23:59:59Z in seconds since 1970: the latest time a lease may name.
    static let latestTime: Int64 = 253_402_300_799

    /// The TEE kinds the manifest names, in order of first appearance.
    public var tees: [TEE] {
        var seen: [TEE] = []
        for w in workloads where !seen.contains(w.tee) { seen.append(w.tee) }
        return seen
    }
}
