import Codecs

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
        if let bytes = Base64.decodeLenient(text) { return bytes }
        return data
    }
}
