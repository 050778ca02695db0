/// A data key as stored at rest: one AES-256-GCM encryption, self-describing enough to parse
/// strictly and nothing more. Owner, key id and version are not stored here; they live in the
/// database row and are bound through the AAD, so a record moved to another row fails to open.
///
/// Layout (all of the record, no trailing bytes):
///
/// | offset | size | field                                          |
/// |--------|------|------------------------------------------------|
/// | 0      | 1    | format version, `0x01`                         |
/// | 1      | 12   | AES-GCM nonce (random)                         |
/// | 13     | n    | ciphertext of the data key, 16 ≤ n ≤ 64        |
/// | 13 + n | 16   | AES-GCM tag                                    |
///
/// The parser decides nothing about whether the record opens; it only checks the shape.
struct SealedKeyRecord: Sendable, Hashable {
    static let formatVersion: UInt8 = 0x01
    static let nonceByteCount = 12
    static let tagByteCount = 16
    static let headerByteCount = 1 + nonceByteCount
    static let minByteCount = headerByteCount + DataKey.byteCountRange.lowerBound + tagByteCount
    static let maxByteCount = headerByteCount + DataKey.byteCountRange.upperBound + tagByteCount

    var nonce: [UInt8]
    var ciphertext: [UInt8]
    var tag: [UInt8]

    init(nonce: [UInt8], ciphertext: [UInt8], tag: [UInt8]) {
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    init(parsing bytes: [UInt8]) throws(VaultError) {
        guard let version = bytes.first else {
            throw VaultError(.malformed, "sealed key record is empty")
        }
        guard version == Self.formatVersion else {
            throw VaultError(.unsupported, "sealed key record has format version \(version); this build reads only \(Self.formatVersion)")
        }
        guard bytes.count >= Self.minByteCount, bytes.count <= Self.maxByteCount else {
            throw VaultError(.malformed, "sealed key record is \(bytes.count) bytes; expected \(Self.minByteCount)...\(Self.maxByteCount)")
        }
        let tagStart = bytes.count - Self.tagByteCount
        self.nonce = Array(bytes[1..<Self.headerByteCount])
        self.ciphertext = Array(bytes[Self.headerByteCount..<tagStart])
        self.tag = Array(bytes[tagStart...])
    }

    var serialized: [UInt8] {
        var out = [Self.formatVersion]
        out.reserveCapacity(Self.headerByteCount + ciphertext.count + Self.tagByteCount)
        out += nonce
        out += ciphertext
        out += tag
        return out
    }
}
