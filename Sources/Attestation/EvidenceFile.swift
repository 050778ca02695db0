/// Decodes an evidence file that may be raw binary, hex text or base64 text.
///
/// Operators paste evidence from many tools; the CLI accepts all three forms. Text forms
/// are recognised only when the whole file (ignoring surrounding white space and line breaks)
/// is valid hex or valid base64; anything else is taken as raw bytes, which the TEE's strict
/// parser then accepts or refuses.
public enum EvidenceFile {
    public static func decode(_ data: [UInt8]) -> [UInt8] {
        let text = data.filter { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }
        if text.isEmpty { return data }
        if text.count % 2 == 0, let bytes = Hex.decode(text) { return bytes }
        if let bytes = Base64Text.decode(text) { return bytes }
        return data
    }
}

/// Lower-case hex, the form every measurement takes in manifests, logs and JSON output.
public enum Hex {
    public static func encode<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        out.reserveCapacity(bytes.count * 2)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case). Returns nil on an odd length or a non-hex character.
    public static func decode(_ text: String) -> [UInt8]? { decode(Array(text.utf8)) }

    public static func decode(_ ascii: [UInt8]) -> [UInt8]? {
        guard ascii.count % 2 == 0 else { return nil }
        func nibble(_ c: UInt8) -> UInt8? {
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
            default: return nil
            }
        }
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
}

/// Standard base64 (RFC 4648 §4) decoding of text with white space already removed.
/// Accepts padded input and, for tools that strip it, unpadded input.
enum Base64Text {
    static func decode(_ ascii: [UInt8]) -> [UInt8]? {
        var text = ascii
        if text.count % 4 != 0 {
            guard text.count % 4 != 1 else { return nil }
            text += Array(repeating: UInt8(ascii: "="), count: 4 - text.count % 4)
        }
        guard let data = Foundation.Data(base64Encoded: Foundation.Data(text)) else { return nil }
        return [UInt8](data)
    }
}

import Foundation
