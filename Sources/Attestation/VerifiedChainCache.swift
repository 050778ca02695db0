import Codecs
import Crypto
import Synchronization

/// The bounded store behind the per-TEE chain caches (`SNPChainCache`, `NitroChainCache`):
/// verified, time-independent results keyed by the SHA-256 of the certificates they came from,
/// each prefixed by its length so that different splits of the same bytes cannot collide.
/// Callers store only what verified, and re-check validity periods on every hit. When full,
/// the oldest entry is dropped.
final class VerifiedChainCache<Value: Sendable>: Sendable {
    private struct State: Sendable {
        var entries: [[UInt8]: Value] = [:]
        var order: [[UInt8]] = []
    }

    let capacity: Int
    private let state = Mutex(State())

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    var count: Int { state.withLock { $0.entries.count } }

    func removeAll() {
        state.withLock { $0 = State() }
    }

    static func key(for certificates: [[UInt8]]) -> [UInt8] {
        var hasher = SHA256()
        for der in certificates {
            hasher.update(data: LengthPrefixed.prefix(der.count))
            hasher.update(data: der)
        }
        return Array(hasher.finalize())
    }

    func value(for key: [UInt8]) -> Value? {
        state.withLock { $0.entries[key] }
    }

    func insert(_ value: Value, for key: [UInt8]) {
        state.withLock { s in
            if s.entries.updateValue(value, forKey: key) == nil { s.order.append(key) }
            while s.order.count > capacity { s.entries[s.order.removeFirst()] = nil }
        }
    }
}
