import ArgumentParser
import Foundation
import LeaseholdClient
import LeaseholdCore
import TransparencyLog

/// Helpers shared by the commands that talk to a broker: every failure becomes a one-line
/// `CLIFailure` (exit 1) whose message starts with the reason code, the broker's own when
/// it refused.
enum ClientCLI {
    /// `caFile`: `--ca-file`, else LEASEHOLD_CA_FILE, else the system's trust store.
    static func connection(_ url: String, caFile: String? = nil, maximumConnections: Int = 16) throws -> BrokerConnection {
        let ca = caFile ?? CLIFiles.environment("LEASEHOLD_CA_FILE")
        do { return try BrokerConnection(url, maximumConnections: maximumConnections, caFile: ca) } catch { throw CLIFailure.usage(error.message) }
    }

    static func failure(_ error: LeaseholdClientError) -> CLIFailure {
        CLIFailure(message: "\(error.reason): \(error.message)")
    }

    /// Runs a client call, turning its error into a one-line failure.
    static func call<T>(_ body: () async throws(LeaseholdClientError) -> T) async throws -> T {
        do { return try await body() } catch { throw failure(error) }
    }

    static func ownerKey(_ path: String) throws -> OwnerSigningKey {
        do { return try OwnerSigningKey(text: try CLIFiles.readText(path, what: "owner key")) } catch let e as ManifestError {
            throw CLIFailure(message: "\(path): \(e)")
        }
    }

    static func publicKey(_ path: String) throws -> OwnerPublicKey {
        do { return try OwnerPublicKey(text: try CLIFiles.readText(path, what: "owner public key")) } catch let e as ManifestError {
            throw CLIFailure(message: "\(path): \(e)")
        }
    }

    /// Prints a wire value as one line of JSON, keys sorted.
    static func printJSON<T: Encodable>(_ value: T) {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        print(String(decoding: (try? e.encode(value)) ?? Data("{}".utf8), as: UTF8.self))
    }
}

/// `--ca-file`, for every command that talks to a broker: one declaration, one help text.
struct BrokerTrustOptions: ParsableArguments {
    @Option(help: "PEM CA certificate(s) to trust for an https broker instead of the system's (default: $LEASEHOLD_CA_FILE).") var caFile: String?
}
