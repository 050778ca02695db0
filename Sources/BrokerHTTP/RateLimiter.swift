import Broker
import LeaseholdAPI
import NIOCore
import Synchronization

/// A token bucket's settings: `rate` requests per second on average, `burst` at once.
/// A rate of 0 turns the limit off.
public struct RateLimit: Sendable, Hashable {
    public var rate: Double
    public var burst: Int

    public init(rate: Double, burst: Int) {
        self.rate = rate
        self.burst = burst
    }

    public var isOff: Bool { rate <= 0 || burst <= 0 }
    public static let off = RateLimit(rate: 0, burst: 0)
}

/// The limits `serve` applies (review finding H2: challenge and grants are unauthenticated and
/// each refusal costs a commit; owner routes cost a signature check and a commit).
public struct RateLimitPolicy: Sendable, Hashable {
    /// Per client address (IPv6 by /64), on `POST …/challenge` and `POST …/grants`, and on
    /// `POST /v1/leases` (whose owner is only inside the signed envelope).
    public var client: RateLimit
    /// Per lease (owner and lease id from the path), on `POST …/challenge` and `POST …/grants`.
    public var lease: RateLimit
    /// Per owner (from the path), on `PUT /v1/vault/{owner}/{keyId}` and `POST …/revoke`.
    public var owner: RateLimit
    /// Buckets kept per kind; beyond it the least recently used are dropped (their clients
    /// start again with a full bucket, a leniency that only an attacker with many addresses
    /// gets, and memory stays bounded).
    public var maxTrackedKeys: Int

    public init(
        client: RateLimit = .init(rate: 50, burst: 100), lease: RateLimit = .init(rate: 50, burst: 100),
        owner: RateLimit = .init(rate: 10, burst: 50), maxTrackedKeys: Int = 10_000
    ) {
        self.client = client
        self.lease = lease
        self.owner = owner
        self.maxTrackedKeys = maxTrackedKeys
    }

    /// `serve`'s defaults: well above what workloads and owners need, well below what a
    /// flood of refusals costs the log.
    public static let `default` = RateLimitPolicy()
    public static let off = RateLimitPolicy(client: .off, lease: .off, owner: .off)
}

/// Token buckets by key, as a value: no clock of its own (times are passed in), so it is
/// tested with made-up times. Memory is bounded by `capacity` buckets.
struct TokenBuckets<Key: Hashable> {
    struct Bucket {
        var tokens: Double
        var updated: Duration
    }

    enum Decision: Equatable {
        case allowed
        /// Refused; a token will be there again after this long.
        case limited(retryAfter: Duration)
    }

    let limit: RateLimit
    let capacity: Int
    private(set) var buckets: [Key: Bucket] = [:]

    init(limit: RateLimit, capacity: Int) {
        self.limit = limit
        self.capacity = max(1, capacity)
    }

    /// What taking a token from `key`'s bucket at time `now` (any monotonic time origin) would
    /// give, without taking it.
    func peek(_ key: Key, now: Duration) -> Decision {
        if limit.isOff { return .allowed }
        let tokens = refilled(key, now: now)
        return tokens >= 1 ? .allowed : .limited(retryAfter: .seconds((1 - tokens) / limit.rate))
    }

    /// Takes one token from `key`'s bucket at time `now`.
    mutating func take(_ key: Key, now: Duration) -> Decision {
        let decision = peek(key, now: now)
        guard decision == .allowed, !limit.isOff else { return decision }
        if buckets[key] == nil, buckets.count >= capacity { evict(now: now) }
        buckets[key] = Bucket(tokens: refilled(key, now: now) - 1, updated: now)
        return .allowed
    }

    private func refilled(_ key: Key, now: Duration) -> Double {
        guard let b = buckets[key] else { return Double(limit.burst) }
        let elapsed = max(0, (now - b.updated) / .seconds(1))
        return min(Double(limit.burst), b.tokens + elapsed * limit.rate)
    }

    /// Drops every bucket that has refilled (it is the same as no bucket), and if that freed
    /// too little, the least recently used ones, down to 7/8 of the capacity: O(n log n) once
    /// per n/8 new keys, so O(log n) per request on average.
    private mutating func evict(now: Duration) {
        let full = Duration.seconds(Double(limit.burst) / limit.rate)
        buckets = buckets.filter { now - $0.value.updated < full }
        let target = capacity - max(1, capacity / 8)
        if buckets.count > target {
            let drop = buckets.sorted { $0.value.updated < $1.value.updated }.prefix(buckets.count - target)
            for (key, _) in drop { buckets[key] = nil }
        }
    }
}

/// The three kinds of bucket of `RateLimitPolicy`, behind one lock, with an injected clock.
final class RateLimiter: Sendable {
    enum Kind: String, Sendable, CaseIterable {
        case client, lease, owner
    }

    struct Limited: Error {
        var kind: Kind
        var retryAfter: Duration
    }

    private struct State {
        var client: TokenBuckets<String>
        var lease: TokenBuckets<String>
        var owner: TokenBuckets<String>
    }

    let policy: RateLimitPolicy
    private let state: Mutex<State>
    private let now: @Sendable () -> Duration

    /// `now` is any monotonic clock (the default is NIO's uptime clock).
    init(policy: RateLimitPolicy, now: @escaping @Sendable () -> Duration = { .nanoseconds(NIODeadline.now().uptimeNanoseconds) }) {
        self.policy = policy
        self.now = now
        state = Mutex(
            State(
                client: .init(limit: policy.client, capacity: policy.maxTrackedKeys),
                lease: .init(limit: policy.lease, capacity: policy.maxTrackedKeys),
                owner: .init(limit: policy.owner, capacity: policy.maxTrackedKeys)))
    }

    /// Takes a token from each named bucket, all or none: a request refused by one bucket does
    /// not use up the others. Throws `Limited` with the longest wait.
    func check(client: String? = nil, lease: String? = nil, owner: String? = nil) throws(Limited) {
        let t = now()
        let refusal: Limited? = state.withLock { s in
            // Look first, take only if every bucket allows: a refusal consumes nothing.
            var worst: Limited?
            func note(_ d: TokenBuckets<String>.Decision, _ kind: Kind) {
                if case .limited(let wait) = d, wait > (worst?.retryAfter ?? .zero) { worst = Limited(kind: kind, retryAfter: wait) }
            }
            if let client { note(s.client.peek(client, now: t), .client) }
            if let lease { note(s.lease.peek(lease, now: t), .lease) }
            if let owner { note(s.owner.peek(owner, now: t), .owner) }
            guard worst == nil else { return worst }
            if let client { _ = s.client.take(client, now: t) }
            if let lease { _ = s.lease.take(lease, now: t) }
            if let owner { _ = s.owner.take(owner, now: t) }
            return nil
        }
        if let refusal { throw refusal }
    }

    /// The bucket key of a client address: the IP, IPv6 addresses by their /64 (one host's
    /// usual allocation, so a host cannot dodge the limit by rotating its interface id).
    static func clientKey(_ address: SocketAddress?) -> String {
        guard let address else { return "unknown" }
        switch address {
        case .v4: return address.ipAddress ?? "unknown"
        case .v6:
            guard let ip = address.ipAddress else { return "unknown" }
            // An IPv4 client of a dual-stack listener: keyed by its IPv4 address.
            if ip.lowercased().hasPrefix("::ffff:"), ip.contains(".") { return String(ip.dropFirst(7)) }
            // ipAddress is the canonical text form; expand "::" to take the first four groups.
            let halves = ip.split(separator: "::", maxSplits: 1, omittingEmptySubsequences: false).map { $0.split(separator: ":").map(String.init) }
            var groups = halves[0]
            if halves.count == 2 { groups += Array(repeating: "0", count: max(0, 8 - halves[0].count - halves[1].count)) + halves[1] }
            return groups.prefix(4).joined(separator: ":") + "::/64"
        case .unixDomainSocket: return "unix"
        }
    }
}
