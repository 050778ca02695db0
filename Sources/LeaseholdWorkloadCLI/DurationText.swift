/// Durations as an operator types them: `500ms`, `30s`, `2m`, `1h`, or a bare number of
/// seconds; at most a day, so a typo cannot make a unit wait for years.
enum DurationText {
    static func parse(_ text: String) -> Duration? {
        let units: [(suffix: String, millis: Int64)] = [("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        var digits = Substring(text)
        var scale: Int64 = 1000
        for u in units where text.hasSuffix(u.suffix) {
            digits = text.dropLast(u.suffix.count)
            scale = u.millis
            break
        }
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let n = Int64(digits) else { return nil }
        let (millis, overflow) = n.multipliedReportingOverflow(by: scale)
        guard !overflow, millis <= 86_400_000 else { return nil }
        return .milliseconds(millis)
    }
}
