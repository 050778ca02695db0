import Codecs
import Foundation
import Crypto

/// A SHA-256 value in the Merkle tree or the hash chain.
///
/// Stored inline as four words rather than as an array so that hashing a million leaves
/// (`audit verify`, `bench log`) allocates nothing per node.
public struct LogHash: Hashable, Sendable, CustomStringConvertible {
    public static let byteCount = 32
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    /// 32 zero bytes: the `prev` of the first entry, which has no predecessor.
    public static let zero = LogHash()

    private init() {}

    public init?<C: Collection>(bytes: C) where C.Element == UInt8 {
        // Arrays, slices and Data: one copy, not an unspecialised element-by-element loop
        // (the store restores a frontier of up to 64 hashes on every append).
        if let contiguous = bytes.withContiguousStorageIfAvailable({ LogHash(rawBytes: UnsafeRawBufferPointer($0)) }) {
            guard let hash = contiguous else { return nil }
            self = hash
            return
        }
        guard bytes.count == Self.byteCount else { return nil }
        self.init()
        Swift.withUnsafeMutableBytes(of: &self) { dst in
            for (i, b) in bytes.enumerated() { dst[i] = b }
        }
    }

    /// From exactly 32 bytes in memory (a row of the store), without going through a collection.
    public init?(rawBytes: UnsafeRawBufferPointer) {
        guard rawBytes.count == Self.byteCount else { return nil }
        self.init()
        Swift.withUnsafeMutableBytes(of: &self) { $0.copyMemory(from: rawBytes) }
    }

    init(digest: SHA256.Digest) {
        self.init()
        Swift.withUnsafeMutableBytes(of: &self) { dst in
            digest.withUnsafeBytes { src in dst.copyMemory(from: src) }
        }
    }

    /// For filling a hash in place (hex decoding in the entry scanner) without an array.
    mutating func withUnsafeMutableBytes<R>(_ body: (UnsafeMutableRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeMutableBytes(of: &self, body)
    }

    public var bytes: [UInt8] { Swift.withUnsafeBytes(of: self) { Array($0) } }

    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try Swift.withUnsafeBytes(of: self, body)
    }

    public var hex: String { Hex.encode(bytes) }
    public var base64: String { Base64.encode(bytes) }
    public var description: String { hex }

    public init?(hex: String) {
        guard let b = Hex.decode(hex) else { return nil }
        self.init(bytes: b)
    }

    public init?(base64: String) {
        guard let b = Base64.decodeCanonical(base64) else { return nil }
        self.init(bytes: b)
    }
}

/// The RFC 6962 / RFC 9162 §2.1.1 hashing rules, with domain separation between leaves and
/// interior nodes so that no leaf can be passed off as a subtree.
public enum MerkleHash {
    /// MTH({}) = SHA-256(""): the root of the empty tree.
    public static let emptyRoot = LogHash(digest: SHA256.hash(data: [UInt8]()))

    /// SHA-256(0x00 || entry).
    public static func leaf<C: ContiguousBytes>(_ entry: C) -> LogHash {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { h.update(bufferPointer: $0) }
        entry.withUnsafeBytes { h.update(bufferPointer: $0) }
        return LogHash(digest: h.finalize())
    }

    /// SHA-256(0x01 || left || right).
    public static func node(_ left: LogHash, _ right: LogHash) -> LogHash {
        var h = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { h.update(bufferPointer: $0) }
        left.withUnsafeBytes { h.update(bufferPointer: $0) }
        right.withUnsafeBytes { h.update(bufferPointer: $0) }
        return LogHash(digest: h.finalize())
    }
}
