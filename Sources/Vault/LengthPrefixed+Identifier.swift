import Codecs

/// The vault's identifiers inside length-prefixed fields (`LengthPrefixed`, in Codecs).
extension LengthPrefixed {
    /// Longest owner or key id accepted. Ids are names, not payloads; the bound keeps AAD small
    /// and makes the 32-bit length prefix impossible to overflow.
    static let maxIdentifierBytes = 1024

    /// UTF-8 bytes of an owner or key id, refused if empty or longer than `maxIdentifierBytes`.
    static func identifier(_ value: String, _ what: String) throws(VaultError) -> [UInt8] {
        let bytes = Array(value.utf8)
        guard !bytes.isEmpty else { throw VaultError(.invalidIdentifier, "\(what) is empty") }
        guard bytes.count <= maxIdentifierBytes else {
            throw VaultError(.invalidIdentifier, "\(what) is \(bytes.count) bytes; at most \(maxIdentifierBytes) allowed")
        }
        return bytes
    }
}
