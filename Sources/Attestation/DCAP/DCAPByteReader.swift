/// A bounds-checked little-endian cursor over a DCAP quote.
///
/// Every read checks the remaining length first and throws `malformed` naming the field, so a
/// truncated or hostile quote can never trap the broker: no subscript on input data happens
/// anywhere else in the DCAP parsers.
struct DCAPByteReader {
    let bytes: [UInt8]
    private(set) var offset: Int
    /// The exclusive end this reader may not read past (a sub-structure's own length field).
    let end: Int

    init(_ bytes: [UInt8], offset: Int = 0, end: Int? = nil) {
        self.bytes = bytes
        self.offset = offset
        self.end = min(end ?? bytes.count, bytes.count)
    }

    var remaining: Int { end - offset }

    mutating func take(_ count: Int, _ field: String) throws(AttestationError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw AttestationError(
                .malformed, "DCAP quote truncated: \(field) needs \(count) bytes at offset \(offset), only \(max(remaining, 0)) remain")
        }
        let out = Array(bytes[offset..<(offset + count)])
        offset += count
        return out
    }

    mutating func u16(_ field: String) throws(AttestationError) -> UInt16 {
        let b = try take(2, field)
        return UInt16(b[0]) | UInt16(b[1]) << 8
    }

    mutating func u32(_ field: String) throws(AttestationError) -> UInt32 {
        let b = try take(4, field)
        return UInt32(b[0]) | UInt32(b[1]) << 8 | UInt32(b[2]) << 16 | UInt32(b[3]) << 24
    }

    /// Reads a reserved field and refuses it unless it is all zero, as the spec requires.
    mutating func reserved(_ count: Int, _ field: String) throws(AttestationError) {
        let b = try take(count, field)
        guard b.allSatisfy({ $0 == 0 }) else {
            throw AttestationError(.malformed, "DCAP quote: reserved field \(field) is not zero")
        }
    }
}

extension Array where Element == UInt8 {
    /// Little-endian integer of up to 8 bytes (SVNs and flags in DCAP structures are LE).
    var littleEndianUInt64: UInt64 {
        var v: UInt64 = 0
        for (i, b) in prefix(8).enumerated() { v |= UInt64(b) << (8 * UInt64(i)) }
        return v
    }
}
