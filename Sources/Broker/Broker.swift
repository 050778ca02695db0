import Attestation
import Foundation
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// Where a broker keeps its state and how it behaves.
public struct BrokerConfiguration: Sendable {
    /// Holds `leasehold.db`, `log-signing.key`, `root.key` (unless LEASEHOLD_ROOT_KEY is set) and `admin.token`.
    public var dataDirectory: String
    /// Accept `tee: sandbox` evidence (development only).
    public var allowSandbox: Bool
    /// The log's origin line and key name.
    public var logOrigin: String
    public var challengeLifetime: TimeInterval
    /// The clock; injected so tests can move time.
    public var clock: @Sendable () -> Date
    /// Environment, for LEASEHOLD_ROOT_KEY.
    public var environment: [String: String]

    public init(dataDirectory: String, allowSandbox: Bool = false, logOrigin: String = "leasehold.local/log",
                challengeLifetime: TimeInterval = 60, clock: @escaping @Sendable () -> Date = { Date() },
                environment: [String: String] = ProcessInfo.processInfo.environment) {
        self.dataDirectory = dataDirectory
        self.allowSandbox = allowSandbox
        self.logOrigin = logOrigin
        self.challengeLifetime = challengeLifetime
        self.clock = clock
        self.environment = environment
    }

    public var databasePath: String { dataDirectory + "/leasehold.db" }
    public var adminTokenPath: String { dataDirectory + "/admin.token" }
    public var logKeyPath: String { dataDirectory + "/log-signing.key" }
    public var rootKeyPath: String { dataDirectory + "/root.key" }
}

/// What a sweep did.
public struct SweepReport: Sendable, Hashable {
    public var expired: [String]
    public var noncesPurged: Int
}

/// The key broker: issue, challenge, grant, revoke, release, receipts, sweep, over one store
/// and one log. Thread-safe; every long-running part (HTTP, sweeper) calls into it.
public final class Broker: Sendable {
    public static let version = "0.1.0"
    public let configuration: BrokerConfiguration

    /// Opens (creating on first start) the data directory: database, log key, root key, admin token.
    public static func open(_ configuration: BrokerConfiguration) throws(BrokerError) -> Broker {
        Broker(configuration: configuration)
    }

    init(configuration: BrokerConfiguration) {
        self.configuration = configuration
    }

    /// The admin token (written 0600 on first start) that authorises owner registration.
    public var adminTokenPath: String { configuration.adminTokenPath }
}
