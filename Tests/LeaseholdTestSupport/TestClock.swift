import Foundation
import Synchronization

/// A clock a test moves by hand (inject `{ clock.now }` as a broker's or verifier's clock):
/// leases expire and real vectors stay valid exactly when the test says.
public final class TestClock: Sendable {
    private let time: Mutex<Date>
    public init(_ start: Date) { time = Mutex(start) }
    public var now: Date { time.withLock { $0 } }
    public func advance(_ seconds: TimeInterval) { time.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
