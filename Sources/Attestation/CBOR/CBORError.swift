/// Why `CBORDecoder` refused its input, with the byte offset where it stopped.
///
/// Callers turn this into an `AttestationError(.malformed, ...)`; the offset lets a person
/// find the offending byte in a hex dump of the evidence.
struct CBORError: Error, Sendable, Hashable, CustomStringConvertible {
    enum Kind: String, Sendable, Hashable {
        /// The input ended inside a data item.
        case truncated = "input ends inside a data item"
        /// An argument was encoded in more bytes than its value needs (RFC 8949 §4.2.1 preferred serialization).
        case nonPreferredEncoding = "argument not in its shortest form"
        /// Indefinite-length string, array or map, or a stray "break" (additional information 31).
        case indefiniteLength = "indefinite length or break"
        /// Additional information 28, 29 or 30, which RFC 8949 §3 reserves.
        case reservedAdditionalInfo = "reserved additional information"
        /// A half, single or double precision float; no field we read is one.
        case floatNotSupported = "floating-point value not supported"
        /// A one-byte simple value below 32, which RFC 8949 §3.3 declares not well-formed.
        case invalidSimpleValue = "simple value below 32 in two-byte form"
        /// A text string that is not valid UTF-8.
        case invalidUTF8 = "text string is not valid UTF-8"
        /// The same key twice in one map (RFC 8949 §5.6: such a map is not valid).
        case duplicateMapKey = "duplicate map key"
        /// Nesting deeper than the decoder's limit.
        case depthExceeded = "nesting too deep"
        /// A declared length or element count larger than the bytes left could hold.
        case lengthExceedsInput = "declared length exceeds the bytes left"
        /// Bytes after the single top-level item.
        case trailingBytes = "trailing bytes after the data item"
        /// The whole input is larger than the decoder's limit.
        case inputTooLarge = "input larger than the limit"
    }

    var kind: Kind
    var offset: Int

    var description: String { "\(kind.rawValue) at byte offset \(offset)" }
}
