import Crypto
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// An owner's data key: the secret the vault stores and a lease releases.
///
/// Held in a `SymmetricKey` so swift-crypto zeroes the memory when the last copy goes away,
/// and so equality is the library's constant-time comparison. `description`, `debugDescription`
/// and the reflection mirror all print `<redacted>`: a key that reaches a log line, an error
/// or `dump()` by accident must not leak.
public struct DataKey: Sendable, Equatable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    /// Accepted sizes. 16 bytes is the smallest key a modern cipher uses; 64 covers
    /// AES-256-SIV / XTS key pairs. Anything else is almost certainly a mistake (a hex or base64
    /// string passed as raw bytes, say), so it is refused rather than stored.
    public static let byteCountRange = 16...64

    let key: SymmetricKey

    public init<D: ContiguousBytes>(bytes: D) throws(VaultError) {
        let count = bytes.withUnsafeBytes { $0.count }
        guard Self.byteCountRange.contains(count) else {
            throw VaultError(
                .invalidKey, "a data key must be \(Self.byteCountRange.lowerBound)...\(Self.byteCountRange.upperBound) bytes, got \(count)")
        }
        self.key = SymmetricKey(data: bytes)
    }

    init(_ key: SymmetricKey) { self.key = key }

    /// A fresh random key from the system's CSPRNG (`leasehold vault put --generate`).
    public static func generate(byteCount: Int = 32) throws(VaultError) -> DataKey {
        guard byteCountRange.contains(byteCount) else {
            throw VaultError(.invalidKey, "a data key must be \(byteCountRange.lowerBound)...\(byteCountRange.upperBound) bytes, got \(byteCount)")
        }
        return DataKey(SymmetricKey(size: SymmetricKeySize(bitCount: byteCount * 8)))
    }

    public var byteCount: Int { key.bitCount / 8 }

    /// Scoped access to the key bytes, e.g. to write the released key to the workload's file.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try key.withUnsafeBytes(body)
    }

    /// Constant-time (swift-crypto's `SymmetricKey` equality uses `safeCompare`).
    public static func == (lhs: DataKey, rhs: DataKey) -> Bool { lhs.key == rhs.key }

    public var description: String { "<redacted>" }
    public var debugDescription: String { "DataKey(<redacted>)" }
    public var customMirror: Mirror { Mirror(self, children: ["key": "<redacted>"]) }
}
