/// Fixed-width integer fields in byte arrays, little-endian unless named otherwise.
///
/// Reads return nil instead of trapping when a field does not lie wholly inside the bytes:
/// every caller reads untrusted kernel, host or device output.
enum Bytes {
    static func appendLE<T: FixedWidthInteger & UnsignedInteger>(_ value: T, to out: inout [UInt8]) {
        var v = value
        for _ in 0..<(T.bitWidth / 8) {
            out.append(UInt8(truncatingIfNeeded: v))
            v >>= 8
        }
    }

    static func appendBE<T: FixedWidthInteger & UnsignedInteger>(_ value: T, to out: inout [UInt8]) {
        let width = T.bitWidth / 8
        for i in stride(from: width - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: value >> (i * 8)))
        }
    }

    /// The `count` bytes at `offset`, or nil when they are not all inside `bytes`.
    static func slice(_ bytes: [UInt8], at offset: Int, count: Int) -> [UInt8]? {
        guard offset >= 0, count >= 0 else { return nil }
        let (end, overflow) = offset.addingReportingOverflow(count)
        guard !overflow, end <= bytes.count else { return nil }
        return Array(bytes[offset..<end])
    }

    static func readLE<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T? {
        guard let field = slice(bytes, at: offset, count: T.bitWidth / 8) else { return nil }
        var value: T = 0
        for byte in field.reversed() { value = value << 8 | T(byte) }
        return value
    }

    static func readBE<T: FixedWidthInteger & UnsignedInteger>(_ type: T.Type, _ bytes: [UInt8], at offset: Int) -> T? {
        guard let field = slice(bytes, at: offset, count: T.bitWidth / 8) else { return nil }
        var value: T = 0
        for byte in field { value = value << 8 | T(byte) }
        return value
    }

    /// Lower-case hex, for GUIDs and short values in messages (never for secrets).
    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Short, printable rendering of a kernel string for messages.
    static func printable(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(64).map { $0 >= 0x20 && $0 < 0x7F ? Character(Unicode.Scalar($0)) : "?" }
        return String(shown) + (bytes.count > 64 ? "..." : "")
    }
}
