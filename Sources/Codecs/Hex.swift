/// Lower-case hex, the form every hash and measurement takes in manifests, logs and JSON.
public enum Hex {
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digit(b >> 4))
            out.append(digit(b & 0x0F))
        }
        return String(decoding: out, as: UTF8.self)
    }

    @inline(__always) private static func digit(_ n: UInt8) -> UInt8 {
        n < 10 ? n + 0x30 : n - 10 + 0x61
    }

    /// Whether `text` is a SHA-256 digest in the form the log writes: 64 lower-case hex digits.
    /// Names that become file names and log fields are checked with this before use.
    public static func isSHA256(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }

    /// Decodes hex (either case). Nil on an odd length or any non-hex character.
    public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }

    public static func decode(_ ascii: [UInt8]) -> [UInt8]? {
        guard ascii.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(ascii.count / 2)
        var i = 0
        while i < ascii.count {
            guard let hi = nibble(ascii[i]), let lo = nibble(ascii[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}
