import CYaml

extension ManifestNode {
    /// The YAML text as libyaml's marks index it, for finding what follows a scalar on its line.
    ///
    /// libyaml does not report comments, so a comment that cut a plain value short
    /// (`purpose: Fraud model training for partner #2 ONLY`, signed as "Fraud model training
    /// for partner": CRYPTO-REVIEW-2026-12 M5) is found here: a plain scalar whose end is
    /// followed, on the same line and after blanks only, by `#`. Marks count Unicode scalars
    /// (a CR LF counts two), and a byte order mark at the very start is not counted.
    struct Source {
        private let scalars: [Unicode.Scalar]

        init(_ text: String) {
            var s = Array(text.unicodeScalars)
            if s.first == "\u{FEFF}" { s.removeFirst() }
            scalars = s
        }

        /// Refuses a plain scalar (from `start` to `end`, libyaml mark indices) that a comment
        /// follows on the same line. Empty and null scalars (`~`, `null`) are left to the schema
        /// reader, which refuses them with a message about empty values.
        func refuseCommentAfterPlainScalar(start: Int, end: Int, line: Int) throws(ManifestError) {
            guard start >= 0, start < end, end <= scalars.count else { return }
            let value = String(String.UnicodeScalarView(scalars[start..<end]))
            guard !["~", "null", "Null", "NULL"].contains(value) else { return }
            var i = end
            while i < scalars.count, scalars[i] == " " || scalars[i] == "\t" { i += 1 }
            guard i > end, i < scalars.count, scalars[i] == "#" else { return }
            var lineEnd = i
            while lineEnd < scalars.count, !Self.isBreak(scalars[lineEnd]) { lineEnd += 1 }
            let written = String(String.UnicodeScalarView(scalars[start..<lineEnd]))
            throw ManifestError(
                "",
                "line \(line): a comment follows the unquoted value \(Self.shown(value)) on the same line, so "
                    + "YAML ends the value at \" #\": \(Self.shown(written)) would be read as \(Self.shown(value)). "
                    + "Quote the value if it contains # (\"...#...\"), or put the comment on a line of its own")
        }

        /// libyaml's line breaks: LF, CR, NEL, LS, PS.
        private static func isBreak(_ c: Unicode.Scalar) -> Bool {
            c == "\n" || c == "\r" || c == "\u{85}" || c == "\u{2028}" || c == "\u{2029}"
        }

        /// Quoted, and cut to 120 characters: an error message stays one readable line.
        private static func shown(_ s: String) -> String {
            let cut = s.unicodeScalars.count > 120 ? String(String.UnicodeScalarView(s.unicodeScalars.prefix(117))) + "..." : s
            return "'\(cut)'"
        }
    }

    /// Whether an event is a plain (unquoted) scalar.
    static func isPlainScalar(_ event: yaml_event_t) -> Bool {
        event.type == YAML_SCALAR_EVENT && event.data.scalar.style == YAML_PLAIN_SCALAR_STYLE
    }
}
