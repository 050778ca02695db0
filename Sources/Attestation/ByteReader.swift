/// A bounds-checked little-endian cursor over a fixed-layout firmware structure: an SEV-SNP
/// attestation report or a DCAP quote (both store every integer little-endian).
///
/// Every read checks the remaining length first and throws `malformed` naming the structure,
/// the field and the offset, so no input, however short or hostile, can trap the verifier: no
/// subscript on evidence bytes happens anywhere else in those parsers. A reader may be limited
/// to a sub-structure (`end`, from the structure's own length field).
struct ByteReader {
    /// The whole input; reads stay within `offset..<end`.
    let input: [UInt8]
    private(set) var offset: Int
    /// The exclusive end this reader may not read past.
    let end: Int
    /// Names the structure in error messages ("DCAP quote", "SEV-SNP attestation report").
    let structure: String

    init(_ input: [UInt8], structure: String, offset: Int = 0, end: Int? = nil) {
        self.input = input
        self.structure = structure
        self.offset = min(max(offset, 0), input.count)
        self.end = max(self.offset, min(end ?? input.count, input.count))
    }

    var remaining: Int { end - offset }

    mutating func take(_ count: Int, _ field: String) throws(AttestationError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw AttestationError(
                .malformed,
                "\(structure) ends inside \(field): it needs \(count) bytes at offset 0x\(String(offset, radix: 16)), only \(max(remaining, 0)) remain"
            )
        }
        let out = Array(input[offset..<(offset + count)])
        offset += count
        return out
    }

    mutating func u8(_ field: String) throws(AttestationError) -> UInt8 {
        try take(1, field)[0]
    }

    mutating func u16(_ field: String) throws(AttestationError) -> UInt16 {
        UInt16(truncatingIfNeeded: try take(2, field).littleEndianUInt64)
    }

    mutating func u32(_ field: String) throws(AttestationError) -> UInt32 {
        UInt32(truncatingIfNeeded: try take(4, field).littleEndianUInt64)
    }

    mutating func u64(_ field: String) throws(AttestationError) -> UInt64 {
        try take(8, field).littleEndianUInt64
    }

    /// Reads a reserved range and refuses it unless every byte is zero, as the specs require:
    /// firmware that sets a reserved byte speaks a layout this parser does not know, and
    /// guessing would be unsafe.
    mutating func reserved(_ count: Int, _ field: String) throws(AttestationError) {
        let start = offset
        let b = try take(count, field)
        if let i = b.firstIndex(where: { $0 != 0 }) {
            throw AttestationError(
                .malformed,
                "\(structure) reserved field \(field) (0x\(String(start, radix: 16))..0x\(String(start + count - 1, radix: 16))) has non-zero byte at 0x\(String(start + i, radix: 16)); this layout is not supported"
            )
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
