import Foundation

/// Standard base64 (RFC 4648 §4), the encoding of checkpoints, signed notes and proofs.
public enum Base64 {
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        Data(bytes).base64EncodedString()
    }

    /// Decodes padded base64 and refuses any non-canonical form: wrong padding, white space,
    /// or non-zero bits in the last character's unused part. Signed notes and proofs are
    /// compared byte for byte elsewhere, so two spellings of one value must not both pass.
    public static func decodeCanonical(_ text: String) -> [UInt8]? {
        guard text.utf8.count % 4 == 0, let data = Data(base64Encoded: text) else { return nil }
        let bytes = [UInt8](data)
        guard encode(bytes) == text else { return nil }
        return bytes
    }

    /// Lenient decoding for operator input: white space ignored, padding optional.
    public static func decodeLenient(_ ascii: [UInt8]) -> [UInt8]? {
        var text = ascii.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        guard !text.isEmpty, text.count % 4 != 1 else { return nil }
        if text.count % 4 != 0 { text += Array(repeating: UInt8(ascii: "="), count: 4 - text.count % 4) }
        guard let data = Data(base64Encoded: Data(text)) else { return nil }
        return [UInt8](data)
    }
}
