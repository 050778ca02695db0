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

/// RFC 3339 timestamps in the one form the log writes: UTC, `Z`, exactly three fraction digits.
public enum RFC3339 {
    public static func format(_ date: Date) -> String {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        let seconds = Int64((ms / 1000).rounded(.down))
        let millis = Int(ms - Double(seconds) * 1000)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = Int(seconds - days * 86400)
        let (y, m, d) = civil(fromDays: days)
        guard (0...9999).contains(y) else {
            func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
            return
                "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(secOfDay / 3600, 2)):\(pad(secOfDay / 60 % 60, 2)):\(pad(secOfDay % 60, 2)).\(pad(millis, 3))Z"
        }
        // Every append formats a time: fixed-width digits straight into the 24 bytes.
        return String(unsafeUninitializedCapacity: 24) { out in
            var at = 0
            func put(_ v: Int, _ width: Int) {
                var v = v
                for k in stride(from: width - 1, through: 0, by: -1) {
                    out[at + k] = UInt8(truncatingIfNeeded: 0x30 + v % 10)
                    v /= 10
                }
                at += width
            }
            func sep(_ c: UInt8) { out[at] = c; at += 1 }
            put(y, 4); sep(0x2D); put(m, 2); sep(0x2D); put(d, 2); sep(0x54)
            put(secOfDay / 3600, 2); sep(0x3A); put(secOfDay / 60 % 60, 2); sep(0x3A); put(secOfDay % 60, 2)
            sep(0x2E); put(millis, 3); sep(0x5A)
            return at
        }
    }

    /// Parses an RFC 3339 time (any offset, optional fraction); the log itself only writes UTC.
    /// Never through `ISO8601DateFormatter`, which traps on some hostile strings (`InternetTime`).
    public static func parse(_ s: String) -> Date? {
        if let d = parseCanonical(s) { return d }
        return InternetTime.parse(s)
    }

    /// The log's own form, `YYYY-MM-DDTHH:MM:SS.mmmZ`, without a formatter: `audit verify`
    /// reads a time from every entry and must not spend microseconds on each.
    static func parseCanonical(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { parseCanonical(UnsafeRawBufferPointer($0)) }
    }

    /// `parseCanonical` on the raw bytes of the string (the entry scanner reads them in place).
    static func parseCanonical(_ u: UnsafeRawBufferPointer) -> Date? {
        guard u.count == 24, u[4] == 0x2D, u[7] == 0x2D, u[10] == 0x54, u[13] == 0x3A, u[16] == 0x3A,
            u[19] == 0x2E, u[23] == 0x5A
        else { return nil }
        func num(_ a: Int, _ n: Int) -> Int? {
            var v = 0
            for k in a..<(a + n) {
                guard (0x30...0x39).contains(u[k]) else { return nil }
                v = v * 10 + Int(u[k] - 0x30)
            }
            return v
        }
        guard let y = num(0, 4), let mo = num(5, 2), let d = num(8, 2), let h = num(11, 2), let mi = num(14, 2),
            let se = num(17, 2), let ms = num(20, 3), (1...12).contains(mo), (1...31).contains(d), h < 24, mi < 60, se < 60
        else { return nil }
        let days = daysFromCivil(y, mo, d)
        guard civil(fromDays: days) == (y, mo, d) else { return nil }  // e.g. Feb 30
        let secs = Double(days * 86400 + Int64(h * 3600 + mi * 60 + se))
        return Date(timeIntervalSince1970: secs + Double(ms) / 1000)
    }

    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int64 { InternetTime.daysFromCivil(y0, m, d) }

    /// Days since 1970-01-01 to (year, month, day), proleptic Gregorian (H. Hinnant's algorithm).
    static func civil(fromDays z0: Int64) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }
}
