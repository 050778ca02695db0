/// When a workload at boot tries again: a value type that is told each failure and answers
/// with what to do, so the policy is tested without a clock, a network or a broker.
///
/// It retries only what may pass by itself: the broker unreachable (`transport`), a 5xx, a
/// 429, and `collateral-unavailable`. A refusal (any other 4xx: measurement-mismatch,
/// lease-expired, ...) is an answer, not an outage, and is never retried: retrying would only
/// spend the lease's grants and fill the log with denials. Delays grow exponentially from
/// `base` to `cap` with full jitter (a random fraction of the step), so a fleet that boots at
/// once does not hammer a broker that is coming back; the last delay is cut to end at `window`,
/// and once `window` has passed the failure is reported.
public struct BootRetry: Sendable, Hashable {
    public enum Action: Sendable, Hashable {
        /// Wait this long, then try again from the challenge (a nonce is good once).
        case retry(after: Duration)
        /// Report this failure: a refusal, or an outage that outlasted the window.
        case stop(retried: Bool)
    }

    public let window: Duration
    public let base: Duration
    public let cap: Duration
    public private(set) var attempts = 0

    public init(window: Duration, base: Duration = .milliseconds(250), cap: Duration = .seconds(8)) {
        self.window = window
        self.base = base
        self.cap = cap
    }

    /// Whether `error` may pass by itself.
    public static func isRetryable(_ error: LeaseholdClientError) -> Bool {
        if error.reason == LeaseholdClientError.transport || error.reason == "collateral-unavailable" { return true }
        guard let status = error.httpStatus else { return false }
        return status >= 500 || status == 429
    }

    /// What to do after attempt number `attempts + 1` failed with `error`, `elapsed` after the
    /// first attempt began; `random` is a fraction in [0, 1) for the jitter.
    public mutating func next(after error: LeaseholdClientError, elapsed: Duration, random: Double) -> Action {
        attempts += 1
        guard Self.isRetryable(error) else { return .stop(retried: attempts > 1) }
        // base * 2^(attempts-1), capped; the exponent is capped too so nothing overflows.
        var step = base
        for _ in 0..<min(attempts - 1, 30) where step < cap { step = step * 2 }
        step = min(step, cap)
        let fraction = min(max(random, 0), 1)
        let delay = max(step * fraction, .milliseconds(50))
        guard elapsed < window else { return .stop(retried: attempts > 1) }
        // The last try is made at the deadline rather than skipped: a broker that comes
        // back late in the window still gets its chance.
        return .retry(after: min(delay, window - elapsed))
    }
}
