/// The one grammar for owners, lease ids and key ids: `[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}`
/// (1 to 128 of `A-Z a-z 0-9 . _ -`, not starting with a dot), safe in URLs, file names and log
/// lines without escaping: no `.`, `..` or dot file can be named. (Before 2026-12-02 a leading
/// dot passed here and was refused in some places only, so a lease `.` could be issued that no
/// grant could reach, and a key `.k` granted that the client refused to write.) It is part of the wire vocabulary so that the
/// manifest reader (`LeaseManifest.isName`), the broker and the workload client, which must
/// not link the manifest code, all call this one definition.
public enum LeaseholdName {
    public static let pattern = "[A-Za-z0-9_-][A-Za-z0-9._-]{0,127}"

    public static func isValid(_ s: String) -> Bool {
        let b = s.utf8
        return (1...128).contains(b.count) && b.first != UInt8(ascii: ".")
            && b.allSatisfy { c in
                (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
                    || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
            }
    }
}
