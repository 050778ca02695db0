import Crypto
import Synchronization

/// Remembers CA bundles that have already been verified, so that a warm verification costs
/// only the document certificate's signature and the COSE signature (two P-384 verifies)
/// instead of five.
///
/// AWS's bundle (root, regional, zonal and per-instance CAs) changes at most daily per
/// instance while documents are produced per request, so a broker sees the same bundle many
/// times. Entries are keyed by the SHA-256 of the bundle's certificates (each prefixed by its
/// length, so different splits of the same bytes cannot collide) and hold only
/// time-independent results: validity periods are re-checked against the verification time
/// on every use. At most `capacity` bundles are kept; the oldest is dropped first.
public final class NitroChainCache: Sendable {
    private struct State {
        var entries: [[UInt8]: NitroVerifiedBundle] = [:]
        var order: [[UInt8]] = []
    }

    public let capacity: Int
    private let state = Mutex(State())

    public init(capacity: Int = 256) {
        self.capacity = max(1, capacity)
    }

    /// How many verified bundles are cached.
    public var count: Int { state.withLock { $0.entries.count } }

    /// Forgets every bundle, e.g. to measure cold verifications.
    public func removeAll() {
        state.withLock { $0 = State() }
    }

    static func key(for cabundle: [[UInt8]]) -> [UInt8] {
        var hasher = SHA256()
        for der in cabundle {
            let n = UInt32(truncatingIfNeeded: der.count)
            hasher.update(data: [UInt8(n >> 24), UInt8(truncatingIfNeeded: n >> 16), UInt8(truncatingIfNeeded: n >> 8), UInt8(truncatingIfNeeded: n)])
            hasher.update(data: der)
        }
        return Array(hasher.finalize())
    }

    func lookup(_ key: [UInt8]) -> NitroVerifiedBundle? {
        state.withLock { $0.entries[key] }
    }

    func insert(_ bundle: NitroVerifiedBundle, for key: [UInt8]) {
        state.withLock { state in
            if state.entries.updateValue(bundle, forKey: key) == nil {
                state.order.append(key)
            }
            while state.order.count > capacity {
                state.entries[state.order.removeFirst()] = nil
            }
        }
    }
}
