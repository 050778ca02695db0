/// Encodes `CBOR` items in RFC 8949 §4.2.1 preferred serialization (shortest argument form,
/// definite lengths), keeping map entries in their given order.
///
/// Needed for one thing in production: building the COSE `Sig_structure` the signature
/// covers (RFC 9052 §4.4). Its byte strings are copied from the received message unchanged,
/// so the signed bytes are exactly those the sender signed. Tests also use it to rebuild
/// documents with a chosen defect.
enum CBOREncoder {
    static func encode(_ item: CBOR) -> [UInt8] {
        var out = [UInt8]()
        append(item, to: &out)
        return out
    }

    static func append(_ item: CBOR, to out: inout [UInt8]) {
        switch item {
        case .unsigned(let n): appendHead(major: 0, n, to: &out)
        case .negative(let n): appendHead(major: 1, n, to: &out)
        case .bytes(let b):
            appendHead(major: 2, UInt64(b.count), to: &out)
            out += b
        case .text(let s):
            let utf8 = Array(s.utf8)
            appendHead(major: 3, UInt64(utf8.count), to: &out)
            out += utf8
        case .array(let items):
            appendHead(major: 4, UInt64(items.count), to: &out)
            for i in items { append(i, to: &out) }
        case .map(let pairs):
            appendHead(major: 5, UInt64(pairs.count), to: &out)
            for p in pairs {
                append(p.key, to: &out)
                append(p.value, to: &out)
            }
        case .tagged(let tag, let content):
            appendHead(major: 6, tag, to: &out)
            append(content, to: &out)
        case .bool(let b): out.append(b ? 0xF5 : 0xF4)
        case .null: out.append(0xF6)
        case .undefined: out.append(0xF7)
        case .simple(let v):
            if v < 24 { out.append(0xE0 | v) } else { out += [0xF8, v] }
        }
    }

    /// Appends the head for `major` with argument `value` in its shortest form.
    static func appendHead(major: UInt8, _ value: UInt64, to out: inout [UInt8]) {
        let m = major << 5
        switch value {
        case 0..<24: out.append(m | UInt8(value))
        case 24...0xFF: out += [m | 24, UInt8(value)]
        case 0x100...0xFFFF: out.append(m | 25); appendBigEndian(value, width: 2, to: &out)
        case 0x1_0000...0xFFFF_FFFF: out.append(m | 26); appendBigEndian(value, width: 4, to: &out)
        default: out.append(m | 27); appendBigEndian(value, width: 8, to: &out)
        }
    }

    private static func appendBigEndian(_ value: UInt64, width: Int, to out: inout [UInt8]) {
        for i in stride(from: width - 1, through: 0, by: -1) {
            out.append(UInt8(truncatingIfNeeded: value >> (UInt64(i) * 8)))
        }
    }
}
