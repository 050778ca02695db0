import SwiftASN1

/// Boundary-value seed variants for DER inputs. A coverage-guided fuzzer cannot grow a
/// one-byte INTEGER into an eight-byte one (every enclosing length would have to change with
/// it), so arithmetic on decoded INTEGERs near `Int.max`/`Int.min` is out of its reach. Each
/// variant re-encodes the document with one short INTEGER widened to 8 bytes one step away
/// from a limit (`0x7FFF…FE`, `0x8000…01`): a single byte mutation then reaches the limit.
enum DERVariants {
    static let widened: [[UInt8]] = [
        [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE],
        [0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01],
    ]

    /// Up to `limit` INTEGERs of at most 2 content bytes, each widened in turn.
    static func variants(of der: [UInt8], limit: Int = 6) -> [[UInt8]] {
        guard let root = try? DER.parse(der), Array(root.encodedBytes) == der else { return [] }
        var count = 0
        countIntegers(root, &count)
        var out: [[UInt8]] = []
        for index in 0..<min(count, limit) {
            for value in widened {
                var seen = 0
                if let bytes = rebuild(root, target: index, value: value, seen: &seen) { out.append(bytes) }
            }
        }
        return out
    }

    private static func isShortInteger(_ node: ASN1Node) -> Bool {
        guard node.identifier == .integer, case .primitive(let content) = node.content else { return false }
        return content.count <= 2
    }

    private static func countIntegers(_ node: ASN1Node, _ count: inout Int) {
        if isShortInteger(node) { count += 1 }
        if case .constructed(let children) = node.content { for child in children { countIntegers(child, &count) } }
    }

    /// The node's bytes with the `target`-th short INTEGER (in document order) replaced;
    /// nil if the node's identifier cannot be copied.
    private static func rebuild(_ node: ASN1Node, target: Int, value: [UInt8], seen: inout Int) -> [UInt8]? {
        let encoded = Array(node.encodedBytes)
        if isShortInteger(node) {
            defer { seen += 1 }
            return seen == target ? [0x02, UInt8(value.count)] + value : encoded
        }
        guard case .constructed(let children) = node.content else { return encoded }
        var content: [UInt8] = []
        for child in children {
            guard let bytes = rebuild(child, target: target, value: value, seen: &seen) else { return nil }
            content += bytes
        }
        // The identifier octets: one, or more for tag numbers of 31 and up.
        var idLength = 1
        if encoded[0] & 0x1F == 0x1F {
            while idLength < encoded.count, encoded[idLength] & 0x80 != 0 { idLength += 1 }
            idLength += 1
        }
        guard idLength <= encoded.count else { return nil }
        return Array(encoded[0..<idLength]) + length(content.count) + content
    }

    private static func length(_ n: Int) -> [UInt8] {
        if n < 0x80 { return [UInt8(n)] }
        var bytes: [UInt8] = []
        var v = n
        while v > 0 { bytes.insert(UInt8(v & 0xFF), at: 0); v >>= 8 }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}
