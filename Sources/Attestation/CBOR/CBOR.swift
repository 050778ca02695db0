/// One CBOR data item (RFC 8949 §3), as produced by `CBORDecoder` and consumed by `CBOREncoder`.
///
/// Only what the Nitro attestation document and its COSE_Sign1 envelope use is modelled:
/// integers, byte and text strings, arrays, maps, tags and the simple values. Floating-point
/// numbers are refused by the decoder rather than modelled, because no field of the document
/// is a float and every decoded form we do not need is attack surface we do not have to carry.
indirect enum CBOR: Sendable, Hashable {
    /// Major type 0: an unsigned integer.
    case unsigned(UInt64)
    /// Major type 1: the integer `-1 - n` for the stored `n` (so -35 is `.negative(34)`).
    case negative(UInt64)
    /// Major type 2: a definite-length byte string.
    case bytes([UInt8])
    /// Major type 3: a definite-length, valid UTF-8 text string.
    case text(String)
    /// Major type 4: a definite-length array.
    case array([CBOR])
    /// Major type 5: a definite-length map, in the order received (keys are unique).
    case map([Pair])
    /// Major type 6: a tag number and its content.
    case tagged(UInt64, CBOR)
    /// Major type 7, values 20 and 21.
    case bool(Bool)
    /// Major type 7, value 22.
    case null
    /// Major type 7, value 23.
    case undefined
    /// Major type 7, any other simple value (0...19 and 32...255).
    case simple(UInt8)

    /// A map entry. Maps keep their received order so re-encoding reproduces the input.
    struct Pair: Sendable, Hashable {
        var key: CBOR
        var value: CBOR
    }

    /// The value as a signed integer, if it is an integer that fits in `Int64`.
    var int64: Int64? {
        switch self {
        case .unsigned(let n): return n <= UInt64(Int64.max) ? Int64(n) : nil
        case .negative(let n): return n <= UInt64(Int64.max) ? -1 - Int64(n) : nil
        default: return nil
        }
    }
}
