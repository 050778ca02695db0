import Codecs
import Foundation

/// RFC 3339 date-times as manifests write them: `2026-07-01T00:00:00Z` or with an offset
/// (`+02:00`), whole seconds only, years 1970-9999.
///
/// Stricter than the log's `RFC3339.parse`, which also takes fractions and whatever
/// `ISO8601DateFormatter` accepts: a manifest's expiry must read the same on every broker and
/// to every lawyer, so the syntax is checked here field by field first, and only then
/// converted by the log's parser. The canonical manifest writes UTC with `Z`.
public enum ManifestTime {
    /// Seconds since 1970-01-01T00:00:00Z, or nil if `text` is not such a date-time.
    static func parse(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 20 || b.count == 25 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard (0x30...0x39).contains(b[i]) else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = num(0, 4), b[4] == UInt8(ascii: "-"), let month = num(5, 2), b[7] == UInt8(ascii: "-"),
            let day = num(8, 2), b[10] == UInt8(ascii: "T"),
            let hour = num(11, 2), b[13] == UInt8(ascii: ":"), let minute = num(14, 2), b[16] == UInt8(ascii: ":"),
            let second = num(17, 2)
        else { return nil }
        guard (1970...9999).contains(year), (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day),
            hour < 24, minute < 60, second < 60
        else { return nil }
        if b.count == 20 {
            guard b[19] == UInt8(ascii: "Z") else { return nil }
        } else {
            guard b[19] == UInt8(ascii: "+") || b[19] == UInt8(ascii: "-"), let oh = num(20, 2), b[22] == UInt8(ascii: ":"),
                let om = num(23, 2), oh < 24, om < 60
            else { return nil }
        }
        guard let date = RFC3339.parse(text) else { return nil }
        return seconds(date)
    }

    /// UTC, whole seconds, `Z`.
    public static func format(_ seconds: Int64) -> String {
        let text = RFC3339.format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        // The log's form carries milliseconds, which are always .000 for whole seconds.
        return text.hasSuffix(".000Z") ? String(text.dropLast(5)) + "Z" : text
    }

    public static func format(_ date: Date) -> String { format(seconds(date)) }

    /// Whole seconds since the epoch, rounded down; manifests never carry fractions.
    public static func seconds(_ date: Date) -> Int64 {
        let t = date.timeIntervalSince1970.rounded(.down)
        guard t.isFinite, abs(t) < 1e15 else { return t > 0 ? 253_402_300_799 : 0 }
        return Int64(t)
    }

    private static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }
}
