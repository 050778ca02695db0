import Foundation

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
    package static func parseCanonical(_ s: String) -> Date? {
        var s = s
        return s.withUTF8 { parseCanonical(UnsafeRawBufferPointer($0)) }
    }

    /// `parseCanonical` on the raw bytes of the string (the entry scanner reads them in place).
    package static func parseCanonical(_ u: UnsafeRawBufferPointer) -> Date? {
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
