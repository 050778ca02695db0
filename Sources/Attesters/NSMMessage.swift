/// The two NSM messages a Nitro attester exchanges, in the CBOR that the NSM (serde_cbor,
/// externally tagged enums) speaks (nsm-api `api/mod.rs`; ATTESTERS.md §3).
///
/// Request, keys in this order, all three always present (absent = CBOR null, as AWS's own
/// code sends them):
/// ```
/// A1                              map(1)
///    6B "Attestation"             text(11)
///    A3                           map(3)
///       69 "user_data"            text(9)   bstr | F6 (null)
///       65 "nonce"                text(5)   bstr | F6
///       6A "public_key"           text(10)  bstr | F6
/// ```
/// Response: `{"Attestation": {"document": bstr}}` or `{"Error": "<ErrorCode>"}`. The decoder
/// takes exactly those shapes: definite lengths, one entry per map, no trailing bytes.
enum NSMMessage {
    /// `NSM_REQUEST_MAX_SIZE`.
    static let maxRequestSize = 0x1000
    /// `NSM_RESPONSE_MAX_SIZE`.
    static let maxResponseSize = 0x3000

    static func encodeAttestationRequest(userData: [UInt8]?, nonce: [UInt8]?, publicKey: [UInt8]?) -> [UInt8] {
        var out: [UInt8] = []
        appendHead(major: 5, 1, to: &out)
        appendText("Attestation", to: &out)
        appendHead(major: 5, 3, to: &out)
        for (key, value) in [("user_data", userData), ("nonce", nonce), ("public_key", publicKey)] {
            appendText(key, to: &out)
            if let value {
                appendHead(major: 2, UInt64(value.count), to: &out)
                out += value
            } else {
                out.append(0xF6)
            }
        }
        return out
    }

    enum Response: Sendable, Hashable {
        case document([UInt8])
        case error(String)
    }

    static func decodeResponse(_ bytes: [UInt8], source: String) throws(AttesterError) -> Response {
        var reader = Reader(bytes: bytes)
        func bad(_ why: String) -> AttesterError {
            AttesterError(
                .badResponse,
                "\(source) sent an NSM response (\(bytes.count) bytes) that is not {\"Attestation\": {\"document\": bytes}} or {\"Error\": text}: \(why)"
            )
        }
        guard try reader.head(bad) == (5, 1) else { throw bad("the top level is not a map of one entry") }
        let variant = try reader.text(bad)
        let result: Response
        switch variant {
        case "Attestation":
            guard try reader.head(bad) == (5, 1) else { throw bad("Attestation is not a map of one entry") }
            guard try reader.text(bad) == "document" else { throw bad("Attestation's only key is not \"document\"") }
            let (major, length) = try reader.head(bad)
            guard major == 2 else { throw bad("document is not a byte string") }
            result = .document(try reader.take(length, bad))
        case "Error":
            result = .error(try reader.text(bad))
        default:
            throw bad("unknown variant \"\(Bytes.printable(Array(variant.utf8)))\"")
        }
        guard reader.position == bytes.count else { throw bad("\(bytes.count - reader.position) bytes follow the message") }
        return result
    }

    /// A CBOR head: major type (0-7) and argument, short forms and 1/2/4/8-byte arguments;
    /// indefinite lengths and reserved additional-information values are refused.
    private struct Reader {
        let bytes: [UInt8]
        var position = 0

        mutating func head(_ bad: (String) -> AttesterError) throws(AttesterError) -> (UInt8, UInt64) {
            guard position < bytes.count else { throw bad("it ends early") }
            let initial = bytes[position]
            position += 1
            let major = initial >> 5
            let info = initial & 0x1F
            switch info {
            case 0..<24: return (major, UInt64(info))
            case 24, 25, 26, 27:
                let width = 1 << Int(info - 24)
                let field = try take(UInt64(width), bad)
                return (major, field.reduce(0) { $0 << 8 | UInt64($1) })
            default:
                throw bad("additional information \(info) (indefinite or reserved) at byte \(position - 1)")
            }
        }

        mutating func take(_ count: UInt64, _ bad: (String) -> AttesterError) throws(AttesterError) -> [UInt8] {
            guard count <= UInt64(bytes.count - position) else { throw bad("a \(count)-byte item runs past the end") }
            let end = position + Int(count)
            defer { position = end }
            return Array(bytes[position..<end])
        }

        mutating func text(_ bad: (String) -> AttesterError) throws(AttesterError) -> String {
            let (major, length) = try head(bad)
            guard major == 3 else { throw bad("a map key or error code is not a text string") }
            guard length <= 64 else { throw bad("a \(length)-byte text where a short name belongs") }
            let raw = try take(length, bad)
            guard let text = String(validating: raw, as: UTF8.self) else { throw bad("a text string is not UTF-8") }
            return text
        }
    }

    private static func appendText(_ text: String, to out: inout [UInt8]) {
        let utf8 = Array(text.utf8)
        appendHead(major: 3, UInt64(utf8.count), to: &out)
        out += utf8
    }

    /// RFC 8949 preferred serialization: the shortest argument form.
    static func appendHead(major: UInt8, _ value: UInt64, to out: inout [UInt8]) {
        let m = major << 5
        switch value {
        case 0..<24: out.append(m | UInt8(value))
        case 24...0xFF: out += [m | 24, UInt8(value)]
        case 0x100...0xFFFF: out.append(m | 25); Bytes.appendBE(UInt16(value), to: &out)
        case 0x1_0000...0xFFFF_FFFF: out.append(m | 26); Bytes.appendBE(UInt32(value), to: &out)
        default: out.append(m | 27); Bytes.appendBE(value, to: &out)
        }
    }
}
