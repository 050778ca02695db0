/// A strict decoder for the subset of CBOR (RFC 8949) that signed attestation documents use.
///
/// Every data item starts with a head (RFC 8949 §3):
///
/// | offset | size        | field                                                      |
/// |--------|-------------|------------------------------------------------------------|
/// | 0      | 1           | major type (top 3 bits), additional information (low 5)    |
/// | 1      | 0/1/2/4/8   | argument, big-endian, when additional information is 24-27 |
/// | ...    | argument    | content of a byte or text string                           |
///
/// Additional information 0-23 is the argument itself; 24, 25, 26, 27 say it follows in
/// 1, 2, 4, 8 bytes; 28-30 are reserved; 31 means indefinite length (or "break").
///
/// What is refused, and why: the bytes are signed, so any input with more than one encoding
/// for the same value lets two parsers disagree about what was signed. This decoder therefore
/// accepts only RFC 8949 §4.2.1 preferred serialization of arguments (shortest form),
/// definite lengths, unique map keys (§5.6), valid UTF-8, exactly one top-level item with no
/// trailing bytes, and floats not at all. Depth and input size are bounded, and every declared
/// length or count is checked against the bytes left before anything is allocated, so the
/// decoder never traps and never allocates more than the input could describe.
struct CBORDecoder {
    struct Limits: Sendable {
        /// Deepest nesting of arrays, maps and tags. The Nitro document needs 2.
        var maxDepth: Int = 16
        /// Largest input accepted, in bytes.
        var maxInputSize: Int = 1 << 20

        init(maxDepth: Int = 16, maxInputSize: Int = 1 << 20) {
            self.maxDepth = maxDepth
            self.maxInputSize = maxInputSize
        }
    }

    /// Decodes exactly one data item that fills `bytes` entirely.
    static func decode(_ bytes: [UInt8], limits: Limits = Limits()) throws(CBORError) -> CBOR {
        guard bytes.count <= limits.maxInputSize else { throw CBORError(kind: .inputTooLarge, offset: 0) }
        var decoder = CBORDecoder(bytes: bytes, limits: limits)
        let item = try decoder.item(depth: 0)
        guard decoder.offset == bytes.count else { throw CBORError(kind: .trailingBytes, offset: decoder.offset) }
        return item
    }

    private let bytes: [UInt8]
    private let limits: Limits
    private var offset = 0

    private init(bytes: [UInt8], limits: Limits) {
        self.bytes = bytes
        self.limits = limits
    }

    private var remaining: Int { bytes.count - offset }

    private mutating func byte() throws(CBORError) -> UInt8 {
        guard offset < bytes.count else { throw CBORError(kind: .truncated, offset: offset) }
        defer { offset += 1 }
        return bytes[offset]
    }

    /// Reads `count` bytes after checking they are there.
    private mutating func take(_ count: Int) throws(CBORError) -> [UInt8] {
        guard count >= 0, count <= remaining else { throw CBORError(kind: .lengthExceedsInput, offset: offset) }
        defer { offset += count }
        return Array(bytes[offset..<(offset + count)])
    }

    /// Reads the argument that follows an initial byte with additional information `info`,
    /// refusing any form longer than the value needs.
    private mutating func argument(_ info: UInt8, at start: Int) throws(CBORError) -> UInt64 {
        let width: Int
        switch info {
        case 0...23: return UInt64(info)
        case 24: width = 1
        case 25: width = 2
        case 26: width = 4
        case 27: width = 8
        case 31: throw CBORError(kind: .indefiniteLength, offset: start)
        default: throw CBORError(kind: .reservedAdditionalInfo, offset: start)
        }
        guard width <= remaining else { throw CBORError(kind: .truncated, offset: offset) }
        var value: UInt64 = 0
        for _ in 0..<width { value = value << 8 | UInt64(try byte()) }
        // Shortest form: the value must not have fitted in the next smaller encoding.
        let smallest: UInt64 =
            switch width {
            case 1: 24
            case 2: 0x100
            case 4: 0x1_0000
            default: 0x1_0000_0000
            }
        guard value >= smallest else { throw CBORError(kind: .nonPreferredEncoding, offset: start) }
        return value
    }

    /// Converts a declared length to `Int` once it is known to fit in what is left, with each
    /// element taking at least `minimumBytesEach` bytes.
    private func checkedCount(_ declared: UInt64, minimumBytesEach: Int, at start: Int) throws(CBORError) -> Int {
        let capacity = UInt64(remaining / minimumBytesEach)
        guard declared <= capacity else { throw CBORError(kind: .lengthExceedsInput, offset: start) }
        return Int(declared)
    }

    private mutating func item(depth: Int) throws(CBORError) -> CBOR {
        let start = offset
        let initial = try byte()
        let major = initial >> 5
        let info = initial & 0x1F

        if major == 7 { return try simpleOrFloat(info, at: start) }

        let argument = try argument(info, at: start)
        switch major {
        case 0:
            return .unsigned(argument)
        case 1:
            return .negative(argument)
        case 2:
            return .bytes(try take(checkedCount(argument, minimumBytesEach: 1, at: start)))
        case 3:
            let raw = try take(checkedCount(argument, minimumBytesEach: 1, at: start))
            guard let text = String(validating: raw, as: UTF8.self) else {
                throw CBORError(kind: .invalidUTF8, offset: start)
            }
            return .text(text)
        case 4:
            try checkDepth(depth, at: start)
            let count = try checkedCount(argument, minimumBytesEach: 1, at: start)
            var items = [CBOR]()
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try item(depth: depth + 1)) }
            return .array(items)
        case 5:
            try checkDepth(depth, at: start)
            let count = try checkedCount(argument, minimumBytesEach: 2, at: start)
            var pairs = [CBOR.Pair]()
            pairs.reserveCapacity(count)
            var seen = Set<CBOR>(minimumCapacity: count)
            for _ in 0..<count {
                let keyOffset = offset
                let key = try item(depth: depth + 1)
                guard seen.insert(key).inserted else { throw CBORError(kind: .duplicateMapKey, offset: keyOffset) }
                pairs.append(CBOR.Pair(key: key, value: try item(depth: depth + 1)))
            }
            return .map(pairs)
        default:  // 6: tag
            try checkDepth(depth, at: start)
            return .tagged(argument, try item(depth: depth + 1))
        }
    }

    private func checkDepth(_ depth: Int, at start: Int) throws(CBORError) {
        guard depth < limits.maxDepth else { throw CBORError(kind: .depthExceeded, offset: start) }
    }

    /// Major type 7 (RFC 8949 §3.3): simple values in their one preferred form; floats refused.
    private mutating func simpleOrFloat(_ info: UInt8, at start: Int) throws(CBORError) -> CBOR {
        switch info {
        case 20: return .bool(false)
        case 21: return .bool(true)
        case 22: return .null
        case 23: return .undefined
        case 0...19: return .simple(info)
        case 24:
            let value = try byte()
            guard value >= 32 else { throw CBORError(kind: .invalidSimpleValue, offset: start) }
            return .simple(value)
        case 25, 26, 27: throw CBORError(kind: .floatNotSupported, offset: start)
        case 31: throw CBORError(kind: .indefiniteLength, offset: start)
        default: throw CBORError(kind: .reservedAdditionalInfo, offset: start)
        }
    }
}
