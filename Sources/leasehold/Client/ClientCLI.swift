import LeaseholdOwnerClient
import ArgumentParser
import Foundation
import LeaseholdWorkloadCLI
import LeaseholdClient
import LeaseholdCore
import TransparencyLog

extension ClientCLI {
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

extension ClientCLI {
    /// An owner's client for `url`, whose identity (log key, vault keys) is checked against
    /// `--broker-id FILE` or the known-brokers file before anything is sent; a broker met for
    /// the first time is recorded there, and a notice says so on stderr.
    static func ownerClient(_ url: String, trust: BrokerTrustOptions, identity: BrokerIdentityOptions) async throws -> OwnerClient {
        var client = OwnerClient(try connection(url, caFile: trust.caFile))
        let info = try await call { () async throws(LeaseholdClientError) in try await client.connection.info() }
        let presented = BrokerIdentity(info)
        let pinned = try identity.brokerId.map { path throws -> BrokerIdentity in
            do { return try JSONDecoder().decode(BrokerIdentity.self, from: Data(try CLIFiles.read(path, what: "broker id"))) } catch let e
                as CLIFailure
            {
                throw e
            } catch {
                throw CLIFailure.usage("\(path) is not a broker id (the JSON of GET /v1/broker: logKey, vaultPublicKeys)")
            }
        }
        let known = KnownBrokers(path: identity.knownBrokers ?? KnownBrokers.defaultPath())
        let recorded: Bool
        do { recorded = try known.check(presented, for: url, pinned: pinned) } catch { throw failure(error) }
        if recorded {
            FileHandle.standardError.write(
                Data(
                    "leasehold: first contact with \(url): recorded its \(presented.summary) in \(known.path); later owner commands refuse other keys\n"
                        .utf8))
        }
        client.pinned = presented
        return client
    }
}

/// Which broker an owner command may talk to: a pinned identity or the known-brokers file.
struct BrokerIdentityOptions: ParsableArguments {
    @Option(help: "JSON of the broker's GET /v1/broker (logKey, vaultPublicKeys), obtained out of band: talk only to a broker presenting these keys.")
    var brokerId: String?
    @Option(help: "The known-brokers file (default: $LEASEHOLD_KNOWN_BROKERS, else ~/.config/leasehold/known_brokers).")
    var knownBrokers: String?
}
