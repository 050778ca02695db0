/// `lp(x)` of DESIGN.md: x's length as 4 big-endian bytes, then x.
///
/// Every multi-field value the vault authenticates (record AAD, HPKE `info`) is built from
/// length-prefixed fields so that no two different field lists can produce the same bytes
/// ("ab" + "c" versus "a" + "bc").
enum LengthPrefixed {
    /// Longest owner or key id accepted. Ids are names, not payloads; the bound keeps AAD small
    /// and makes the 32-bit length prefix impossible to overflow.
    static let maxIdentifierBytes = 1024

    static func append<C: Collection>(_ field: C, to out: inout [UInt8]) where C.Element == UInt8 {
        let n = UInt32(truncatingIfNeeded: field.count)
        out.append(UInt8(truncatingIfNeeded: n >> 24))
        out.append(UInt8(truncatingIfNeeded: n >> 16))
        out.append(UInt8(truncatingIfNeeded: n >> 8))
        out.append(UInt8(truncatingIfNeeded: n))
        out.append(contentsOf: field)
    }

    static func appendBigEndian(_ value: UInt64, to out: inout [UInt8]) {
        for shift in stride(from: 56, through: 0, by: -8) {
            out.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
        }
    }

    /// UTF-8 bytes of an owner or key id, refused if empty or longer than `maxIdentifierBytes`.
    static func identifier(_ value: String, _ what: String) throws(VaultError) -> [UInt8] {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { throw VaultError(.invalidIdentifier, "\(what) is empty") }
        guard bytes.count <= maxIdentifierBytes else {
            throw VaultError(.invalidIdentifier, "\(what) is \(bytes.count) bytes; at most \(maxIdentifierBytes) allowed")
        }
        return bytes
    }
}
