import Collateral
import Broker
import LeaseholdAPI
import Foundation

/// A broker on a fresh temporary data directory, removed when the test ends: the one harness
/// every broker suite starts from (BrokerTests' `BrokerHarness` adds an owner, a key and a
/// movable clock on top). Hermetic: the process environment (LEASEHOLD_ROOT_KEY) is not read.
public final class TestBroker: @unchecked Sendable {
    public let directory: String
    public let broker: Broker

    private init(directory: String, broker: Broker) {
        self.directory = directory
        self.broker = broker
    }

    public static func make(
        allowSandbox: Bool = true, requireSNPCRL: Bool = false, metrics: BrokerMetrics = .disabled,
        collateral: CollateralService? = nil, publicLog: Bool = false, clock: @escaping @Sendable () -> Date = { Date() }
    ) async throws -> TestBroker {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-http-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var config = BrokerConfiguration(dataDirectory: directory, allowSandbox: allowSandbox, logOrigin: "leasehold.test/log", clock: clock)
        config.requireSNPCRL = requireSNPCRL
        config.metrics = metrics
        config.collateral = collateral
        config.publicLog = publicLog
        config.environment = [:]
        do {
            return TestBroker(directory: directory, broker: try await Broker.open(config))
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    public var adminToken: String {
        get throws { try String(contentsOfFile: broker.adminTokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines) }
    }
}
