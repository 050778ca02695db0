import ArgumentParser
import Foundation
import LeaseholdClient

/// Helpers shared by the commands that talk to a broker: every failure becomes a one-line
/// `CLIFailure` (exit 1) whose message starts with the reason code, the broker's own when
/// it refused.
public enum ClientCLI {
    /// `caFile`: `--ca-file`, else LEASEHOLD_CA_FILE, else the system's trust store.
    public static func connection(
        _ url: String, caFile: String? = nil, maximumConnections: Int = 16,
        connectTimeout: Duration = .seconds(5)
    ) throws -> BrokerConnection {
        let ca = caFile ?? CLIFiles.environment("LEASEHOLD_CA_FILE")
        do { return try BrokerConnection(url, maximumConnections: maximumConnections, caFile: ca, connectTimeout: connectTimeout) } catch {
            throw CLIFailure.usage(error.message)
        }
    }

    public static func failure(_ error: LeaseholdClientError) -> CLIFailure {
        CLIFailure(message: "\(error.reason): \(error.message)")
    }

    /// Runs a client call, turning its error into a one-line failure.
    public static func call<T>(_ body: () async throws(LeaseholdClientError) -> T) async throws -> T {
        do { return try await body() } catch { throw failure(error) }
    }
}

/// `--ca-file`, for every command that talks to a broker: one declaration, one help text.
public struct BrokerTrustOptions: ParsableArguments {
    public init() {}

    @Option(help: "PEM CA certificate(s) to trust for an https broker instead of the system's (default: $LEASEHOLD_CA_FILE).") public var caFile:
        String?
}
