/// The one grammar for owners, lease ids and key ids: `[A-Za-z0-9._-]{1,128}`, safe in URLs,
/// file names and log lines without escaping. It is part of the wire vocabulary so that the
/// manifest reader (`LeaseManifest.isName`), the broker and the workload client, which must
/// not link the manifest code, all call this one definition.
public enum LeaseholdName {
    public static let pattern = "[A-Za-z0-9._-]{1,128}"

    public static func isValid(_ s: String) -> Bool {
        let b = s.utf8
        return (1...128).contains(b.count) && b.allSatisfy { c in
            (0x30...0x39).contains(c) || (0x41...0x5A).contains(c) || (0x61...0x7A).contains(c)
                || c == UInt8(ascii: ".") || c == UInt8(ascii: "_") || c == UInt8(ascii: "-")
        }
    }
}
