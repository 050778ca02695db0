import LeaseholdClient
import Testing

@Suite struct BootRetryTests {
    static let unreachable = LeaseholdClientError(LeaseholdClientError.transport, "connection refused")
    static let unavailable = LeaseholdClientError("log-unavailable", "the log is down", httpStatus: 503)
    static let collateral = LeaseholdClientError("collateral-unavailable", "PCS timed out", httpStatus: 503)
    static let refused = LeaseholdClientError("measurement-mismatch", "not the manifest's software", httpStatus: 403)
    static let missing = LeaseholdClientError("lease-not-found", "no such lease", httpStatus: 404)

    @Test(arguments: [unreachable, unavailable, collateral, LeaseholdClientError("rate-limited", "slow down", httpStatus: 429)])
    func outagesAreRetriedWithinTheWindow(_ error: LeaseholdClientError) {
        var r = BootRetry(window: .seconds(30))
        #expect(r.next(after: error, elapsed: .zero, random: 0.5) == .retry(after: .milliseconds(125)))
    }

    @Test(arguments: [refused, missing, LeaseholdClientError("bad-response", "garbage"), LeaseholdClientError("evidence-failed", "no TEE")])
    func aRefusalIsNeverRetried(_ error: LeaseholdClientError) {
        var r = BootRetry(window: .seconds(300))
        #expect(r.next(after: error, elapsed: .zero, random: 0.5) == .stop(retried: false))
        #expect(r.attempts == 1)
    }

    @Test func delaysGrowExponentiallyToTheCapWithJitter() {
        var r = BootRetry(window: .seconds(3600), base: .milliseconds(100), cap: .seconds(2))
        var delays: [Duration] = []
        for _ in 0..<8 {
            guard case .retry(let d) = r.next(after: Self.unreachable, elapsed: .seconds(1), random: 0.999_999) else {
                Issue.record("stopped early")
                return
            }
            delays.append(d)
        }
        // Full jitter near 1: about 100, 200, 400, 800, 1600 ms, then the 2 s cap.
        #expect(delays[0] < .milliseconds(101) && delays[0] > .milliseconds(99))
        #expect(delays[3] < .milliseconds(801) && delays[3] > .milliseconds(799))
        #expect(delays[5...].allSatisfy { $0 <= .seconds(2) && $0 > .milliseconds(1999) })
        // With no jitter luck the floor still spaces the tries.
        var low = BootRetry(window: .seconds(60))
        #expect(low.next(after: Self.unreachable, elapsed: .zero, random: 0) == .retry(after: .milliseconds(50)))
    }

    @Test func theWindowEndsTheRetries() {
        var r = BootRetry(window: .seconds(10), base: .seconds(1), cap: .seconds(4))
        #expect(r.next(after: Self.unreachable, elapsed: .seconds(2), random: 0.5) == .retry(after: .milliseconds(500)))
        // The next try would start after the window: it is made at the deadline instead,
        // and a failure after the deadline is reported.
        #expect(r.next(after: Self.unreachable, elapsed: .milliseconds(9_500), random: 0.9) == .retry(after: .milliseconds(500)))
        #expect(r.next(after: Self.unreachable, elapsed: .seconds(10), random: 0.9) == .stop(retried: true))
        #expect(r.attempts == 3)
        // A zero window (no --retry-for) tries once.
        var once = BootRetry(window: .zero)
        #expect(once.next(after: Self.unreachable, elapsed: .zero, random: 0.5) == .stop(retried: false))
    }

    @Test func manyAttemptsNeverOverflow() {
        var r = BootRetry(window: .seconds(86_400), base: .milliseconds(250), cap: .seconds(8))
        for _ in 0..<200 { _ = r.next(after: Self.unreachable, elapsed: .seconds(1), random: 0.5) }
        #expect(r.next(after: Self.unreachable, elapsed: .seconds(1), random: 0.5) == .retry(after: .seconds(4)))
    }
}
