import Crypto
import Synchronization

/// Verified VCEK/VLEK chains, keyed by the SHA-256 of the collateral's certificates.
///
/// Verifying a chain costs two RSA-4096 PSS verifications plus ASN.1 parsing; a broker sees
/// the same VCEK for every report from one chip at one TCB, so a hit leaves one P-384
/// verification per report. Only chains that verified are stored, and nothing time-dependent
/// is: the caller re-checks every validity period against the injected time on each hit.
/// Bounded: when full, the oldest entry is dropped.
public final class SNPChainCache: Sendable {
    private struct State {
        var entries: [SHA256Digest: SNPVerifiedChain] = [:]
        var order: [SHA256Digest] = []
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
    }

    /// The number of cached chains (for tests and the bench command).
    public var count: Int { state.withLock { $0.entries.count } }

    public func removeAll() {
        state.withLock { $0 = State() }
    }

    /// The key for a list of DER certificates: SHA-256 over each one's length and bytes, in
    /// the order supplied, so two different lists can never share a key.
    static func key(for certificates: [[UInt8]]) -> SHA256Digest {
        var hasher = SHA256()
        for der in certificates {
            let n = UInt32(truncatingIfNeeded: der.count)
            hasher.update(data: [UInt8(n >> 24), UInt8(n >> 16 & 0xFF), UInt8(n >> 8 & 0xFF), UInt8(n & 0xFF)])
            hasher.update(data: der)
        }
        return hasher.finalize()
    }

    func chain(for key: SHA256Digest) -> SNPVerifiedChain? {
        state.withLock { $0.entries[key] }
    }

    func insert(_ chain: SNPVerifiedChain, for key: SHA256Digest) {
        state.withLock { s in
            guard s.entries[key] == nil else { return }
            if s.order.count >= capacity {
                s.entries[s.order.removeFirst()] = nil
            }
            s.entries[key] = chain
            s.order.append(key)
        }
    }
}
