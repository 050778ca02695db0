/// A bounds-checked little-endian reader over a fixed-layout firmware structure.
///
/// Every read checks its range and throws `malformed` instead of trapping, so no input,
/// however short or hostile, can crash the verifier. The SEV-SNP ABI stores every integer
/// little-endian.
struct SNPByteReader {
    private let bytes: [UInt8]
    private(set) var offset: Int
    /// Names the structure in error messages ("attestation report", "signature").
    private let structure: String

    init(_ bytes: [UInt8], structure: String) {
        self.bytes = bytes
        self.offset = 0
        self.structure = structure
    }

    var remaining: Int { bytes.count - offset }

    mutating func bytes(_ count: Int, _ field: String) throws(AttestationError) -> [UInt8] {
        guard count >= 0, count <= remaining else {
            throw AttestationError(.malformed, "\(structure) ends inside \(field) at offset 0x\(String(offset, radix: 16))")
        }
        let out = Array(bytes[offset..<(offset + count)])
        offset += count
        return out
    }

    mutating func u8(_ field: String) throws(AttestationError) -> UInt8 {
        try bytes(1, field)[0]
    }

    mutating func u32(_ field: String) throws(AttestationError) -> UInt32 {
        let b = try bytes(4, field)
        return b.reversed().reduce(0) { $0 << 8 | UInt32($1) }
    }

    mutating func u64(_ field: String) throws(AttestationError) -> UInt64 {
        let b = try bytes(8, field)
        return b.reversed().reduce(0) { $0 << 8 | UInt64($1) }
    }

    /// Reads a reserved range and refuses it unless every byte is zero: firmware that sets a
    /// reserved byte speaks a layout this parser does not know, and guessing would be unsafe.
    mutating func reserved(_ count: Int, _ field: String) throws(AttestationError) {
        let start = offset
        let b = try bytes(count, field)
        if let i = b.firstIndex(where: { $0 != 0 }) {
            throw AttestationError(
                .malformed,
                "\(structure) reserved field \(field) (0x\(String(start, radix: 16))..0x\(String(start + count - 1, radix: 16))) has non-zero byte at 0x\(String(start + i, radix: 16)); this layout is not supported"
            )
        }
    }
}
