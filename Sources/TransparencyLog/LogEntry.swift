import Codecs
import Foundation

/// One record of the transparency log, and its canonical bytes.
///
/// An entry is canonical JSON (see `CanonicalJSON`) with these members, sorted:
///
/// | key       | type    | meaning                                                        |
/// |-----------|---------|----------------------------------------------------------------|
/// | `seq`     | integer | the entry's leaf index, from 0                                 |
/// | `time`    | string  | RFC 3339 UTC with milliseconds, e.g. `2026-11-21T10:00:00.000Z`  |
/// | `kind`    | string  | `owner.registered`, `lease.issued`, `key.granted`, ...           |
/// | `owner`   | string  | the data owner the entry concerns (absent for log-wide kinds)  |
/// | `leaseId` | string  | the lease the entry concerns (absent where none)               |
/// | `prev`    | string  | hex leaf hash of entry `seq - 1`; 64 zeros for entry 0         |
/// | others    | any     | kind-specific fields (evidence hash, key ids, reason, ...)     |
///
/// The bytes are what is stored and hashed; `LogEntry` is only a convenience for building and
/// reading them. No secret ever goes into an entry.
public struct LogEntry: Sendable, Hashable {
    public static let reservedKeys: Set<String> = ["seq", "time", "kind", "owner", "leaseId", "prev"]

    public var seq: UInt64
    public var time: Date
    public var kind: String
    public var owner: String?
    public var leaseId: String?
    public var prev: LogHash
    public var fields: [String: JSONValue]

    public init(seq: UInt64, time: Date, kind: String, owner: String? = nil, leaseId: String? = nil, prev: LogHash, fields: [String: JSONValue] = [:])
    {
        self.seq = seq
        self.time = time
        self.kind = kind
        self.owner = owner
        self.leaseId = leaseId
        self.prev = prev
        self.fields = fields
    }

    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    /// The canonical bytes. Kind-specific fields may not shadow the common ones.
    public func encoded() -> [UInt8] {
        // The same members as a dictionary with the common ones set last would hold, built as
        // one array and sorted once (every append encodes an entry).
        var pairs = [(String, JSONValue)]()
        pairs.reserveCapacity(fields.count + 6)
        for (k, v) in fields where !Self.reservedKeys.contains(k) { pairs.append((k, v)) }
        pairs.append(("seq", .int(Int64(seq))))
        pairs.append(("time", .string(RFC3339.format(time))))
        pairs.append(("kind", .string(kind)))
        if let owner { pairs.append(("owner", .string(owner))) }
        if let leaseId { pairs.append(("leaseId", .string(leaseId))) }
        pairs.append(("prev", .string(prev.hex)))
        pairs.sort { CanonicalJSON.keyLess($0.0, $1.0) }
        return CanonicalJSON.encode(.object(pairs))
    }

    /// Member names are `[a-z][A-Za-z0-9]*`, 64 characters at most: ASCII only, so that no
    /// decoder that folds case or Unicode (Go's `encoding/json` matches `\u212Aind` to `kind`)
    /// reads an entry differently from this one (CRYPTO-REVIEW-2026-12, L3). The writer and
    /// every reader refuse other names. Auditors should still decode by exact key.
    public static func isMemberName(_ name: String) -> Bool {
        let b = name.utf8
        guard let first = b.first, (0x61...0x7A).contains(first), b.count <= 64 else { return false }
        return b.allSatisfy { (0x61...0x7A).contains($0) || (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
    }

    /// Reads canonical entry bytes back, checking that the common members are present and well typed.
    public init(bytes: [UInt8]) throws(LogEntry.FormatError) {
        let value: JSONValue
        do { value = try CanonicalJSON.parse(bytes) } catch { throw FormatError(description: "not canonical JSON: \(error)") }
        try self.init(value: value)
    }

    public init(value: JSONValue) throws(LogEntry.FormatError) {
        guard case .object(let pairs) = value else { throw FormatError(description: "an entry must be a JSON object") }
        var seq: UInt64?, time: Date?, kind: String?, owner: String?, leaseId: String?, prev: LogHash?
        var fields = [String: JSONValue]()
        for (k, v) in pairs {
            switch k {
            case "seq":
                guard let i = v.intValue, i >= 0 else { throw FormatError(description: "seq must be a non-negative integer") }
                seq = UInt64(i)
            case "time":
                guard let s = v.stringValue, let t = RFC3339.parse(s) else { throw FormatError(description: "time must be an RFC 3339 UTC time") }
                time = t
            case "kind":
                guard let s = v.stringValue, !s.isEmpty else { throw FormatError(description: "kind must be a non-empty string") }
                kind = s
            case "owner":
                guard let s = v.stringValue else { throw FormatError(description: "owner must be a string") }
                owner = s
            case "leaseId":
                guard let s = v.stringValue else { throw FormatError(description: "leaseId must be a string") }
                leaseId = s
            case "prev":
                guard let s = v.stringValue, s.utf8.count == 64, let h = LogHash(hex: s), s == h.hex else {
                    throw FormatError(description: "prev must be 64 lower-case hex digits")
                }
                prev = h
            default:
                guard Self.isMemberName(k) else {
                    throw FormatError(description: "member name \(k.debugDescription.prefix(40)) is not [a-z][A-Za-z0-9]*")
                }
                fields[k] = v
            }
        }
        guard let seq, let time, let kind, let prev else { throw FormatError(description: "an entry needs seq, time, kind and prev") }
        self.init(seq: seq, time: time, kind: kind, owner: owner, leaseId: leaseId, prev: prev, fields: fields)
    }
}
