/// `lp(x)` of PROTOCOL.md: x's length as 4 big-endian bytes, then x.
///
/// Every multi-field value that is signed, MACed, hashed or authenticated (report data, HPKE
/// `info`, vault AAD, challenge tokens, cache keys) is built from length-prefixed fields, so
/// that no two different field lists produce the same bytes ("ab" + "c" versus "a" + "bc").
/// Fields are bounded by their callers far below 4 GiB.
public enum LengthPrefixed {
    public static func append<C: Collection>(_ field: C, to out: inout [UInt8]) where C.Element == UInt8 {
        out.append(contentsOf: prefix(field.count))
        out.append(contentsOf: field)
    }

    /// The 4-byte big-endian length alone (for a hasher fed field by field).
    public static func prefix(_ count: Int) -> [UInt8] {
        let n = UInt32(truncatingIfNeeded: count)
        return [
            UInt8(truncatingIfNeeded: n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n),
        ]
    }

    /// `value` as 8 big-endian bytes.
    public static func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }
}
