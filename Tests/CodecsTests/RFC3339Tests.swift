import Foundation
import Testing

@testable import Codecs

/// The log writes exactly one time form (UTC, `Z`, three fraction digits) and reads it back
/// without a formatter; other RFC 3339 forms are read through `InternetTime`.
@Suite struct RFC3339Tests {
    @Test func theLogsFormRoundTrips() {
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        for seconds in stride(from: -86_400.0 * 365, through: 86_400.0 * 365 * 80, by: 86_400.0 * 97.3 + 0.125) {
            let d = Date(timeIntervalSince1970: seconds)
            let text = RFC3339.format(d)
            #expect(text.utf8.count == 24)
            #expect(RFC3339.parseCanonical(text).map(RFC3339.format) == text)
        }
    }

    @Test func impossibleDatesAndOtherFormsAreNotTheLogsForm() {
        #expect(RFC3339.parseCanonical("2001-02-29T00:00:00.000Z") == nil)
        #expect(RFC3339.parseCanonical("2001-13-01T00:00:00.000Z") == nil)
        #expect(RFC3339.parseCanonical("2001-01-01T24:00:00.000Z") == nil)
        #expect(RFC3339.parseCanonical("2001-01-01T00:00:00Z") == nil)
        #expect(RFC3339.parseCanonical("2001-01-01t00:00:00.000z") == nil)
        // Another offset is a valid RFC 3339 time, read through InternetTime.
        #expect(RFC3339.parse("2001-01-01T01:00:00+01:00") == Date(timeIntervalSince1970: 978_307_200))
        #expect(RFC3339.parse("not a time") == nil)
    }
}
