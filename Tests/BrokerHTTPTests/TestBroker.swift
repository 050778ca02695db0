import Broker
import Foundation

/// A broker on a fresh temporary data directory, removed when the test ends.
final class TestBroker: @unchecked Sendable {
    let directory: String
    let broker: Broker

    init(allowSandbox: Bool = true, clock: @escaping @Sendable () -> Date = { Date() }) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-http-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        broker = try Broker.open(BrokerConfiguration(dataDirectory: directory, allowSandbox: allowSandbox, logOrigin: "leasehold.test/log", clock: clock))
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    var adminToken: String {
        get throws { try String(contentsOfFile: broker.adminTokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
    }

    /// True once the broker's operations are implemented (the stubs of BASE answer every
    /// operation with `internal: not implemented yet`). The end-to-end suites run only then.
    static var implemented: Bool {
        get async {
            guard let t = try? TestBroker() else { return false }
            do { _ = try await t.broker.checkpoint(); return true } catch { return error.message != "not implemented yet" }
        }
    }
}
