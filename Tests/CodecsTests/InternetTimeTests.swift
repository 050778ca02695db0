import Foundation
import Testing

@testable import Codecs

/// RFC 3339 times read without ISO8601DateFormatter (which traps on some hostile strings).
@Suite struct InternetTimeTests {
    @Test(arguments: [
        ("2026-07-01T00:00:00Z", 1_782_864_000.0), ("2026-07-01T02:00:00+02:00", 1_782_864_000.0),
        ("2026-06-30T20:00:00-04:00", 1_782_864_000.0), ("2026-07-01T00:00:00.5Z", 1_782_864_000.5),
        ("2026-07-01T00:00:00.123456789Z", 1_782_864_000.123456789), ("2024-02-29T23:59:59Z", 1_709_251_199.0),
        ("1970-01-01T00:00:00Z", 0.0),
    ])
    func readsRFC3339(_ text: String, _ seconds: Double) {
        let d = RFC3339.parse(text)
        #expect(d.map { abs($0.timeIntervalSince1970 - seconds) < 0.000_001 } == true, "\(text)")
    }

    @Test(arguments: [
        "0,5-2T2:6:0.55555555555555555555555555555555123", "2026-07-01T00:00:00.5555555555Z", "2026-02-30T00:00:00Z",
        "2023-02-29T00:00:00Z", "2026-07-01T24:00:00Z", "2026-07-01T00:00:60Z", "2026-07-01 00:00:00Z", "2026-07-01T00:00:00",
        "2026-07-01T00:00:00+2:00", "2026-07-01T00:00:00Zx", "2026-7-01T00:00:00Z", "+2026-07-01T00:00:00Z", "", "2026-07-01T00:00:00.Z",
    ])
    func refusesEverythingElse(_ text: String) {
        #expect(RFC3339.parse(text) == nil, "\(text)")
    }
}
