import Codecs
import LeaseholdAPI
import Crypto
import Foundation

/// A challenge nonce that carries its own lease and lifetime, authenticated by the broker.
///
/// Checking one needs no stored row: issuing a challenge writes nothing (no transaction, no
/// fsync, no write lock across replicas), and replicas that share the root key accept each
/// other's challenges. Single use is still the store's job: the request that first names a
/// nonce records it in the transaction that logs its outcome, and a recorded nonce is refused.
///
/// | offset | size | field                                                                 |
/// |--------|------|-----------------------------------------------------------------------|
/// | 0      | 16   | random (the system CSPRNG)                                            |
/// | 16     | 8    | issuedAt, Unix milliseconds, big-endian                               |
/// | 24     | 8    | expiresAt, Unix milliseconds, big-endian                              |
/// | 32     | 16   | HMAC-SHA256(key, lp(label) ‖ lp(owner) ‖ lp(leaseId) ‖ bytes 0..<32), first 16 bytes |
///
/// lp(x) is x's length as 4 big-endian bytes, then x; label is "leasehold/v1 challenge".
/// A 128-bit tag makes a forged nonce as likely as guessing a 128-bit key.
public enum ChallengeToken {
    public static let size = 48
    static let tagSize = 16
    static let label = "leasehold/v1 challenge"

    public static func make(random: [UInt8], owner: String, leaseID: String, issuedAt: Date, expiresAt: Date, key: SymmetricKey) -> [UInt8] {
        precondition(random.count == 16, "a challenge token takes 16 random bytes")
        var body = random
        body += bigEndian(millis(issuedAt))
        body += bigEndian(millis(expiresAt))
        return body + tag(body, owner: owner, leaseID: leaseID, key: key)
    }

    /// The challenge `nonce` stands for, if `key` issued it for `owner`/`leaseID`; nil for any
    /// other bytes (wrong length, another lease, another broker, altered). The tag is compared
    /// in constant time.
    public static func open(_ nonce: [UInt8], owner: String, leaseID: String, key: SymmetricKey) -> ChallengeStateMachine? {
        guard nonce.count == size else { return nil }
        let body = Array(nonce[0..<32])
        guard ConstantTime.equal(tag(body, owner: owner, leaseID: leaseID, key: key), Array(nonce[32...])) else { return nil }
        let issued = Date(timeIntervalSince1970: Double(readBigEndian(body[16..<24])) / 1000)
        let expires = Date(timeIntervalSince1970: Double(readBigEndian(body[24..<32])) / 1000)
        return ChallengeStateMachine(nonce: nonce, owner: owner, leaseID: leaseID, issuedAt: issued, expiresAt: expires, state: .issued)
    }

    static func tag(_ body: [UInt8], owner: String, leaseID: String, key: SymmetricKey) -> [UInt8] {
        var framed: [UInt8] = []
        for field in [label, owner, leaseID] { LengthPrefixed.append(Array(field.utf8), to: &framed) }
        var mac = HMAC<SHA256>(key: key)
        mac.update(data: framed)
        mac.update(data: body)
        return Array(Array(mac.finalize()).prefix(tagSize))
    }

    /// Unix milliseconds, clamped to 0 ... Int64.max: dates outside that make no sense here.
    static func millis(_ date: Date) -> UInt64 {
        let ms = (date.timeIntervalSince1970 * 1000).rounded(.down)
        guard ms > 0 else { return 0 }
        return ms >= 9.2e18 ? UInt64(Int64.max) : UInt64(ms)
    }

    static func bigEndian(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> (56 - 8 * $0)) } }
    static func readBigEndian(_ b: ArraySlice<UInt8>) -> UInt64 { b.reduce(0) { $0 << 8 | UInt64($1) } }
}
