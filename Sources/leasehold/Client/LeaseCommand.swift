import LeaseholdWorkloadCLI
import LeaseholdOwnerClient
import ArgumentParser
import Foundation
import LeaseholdClient

/// `leasehold lease issue|revoke|show`.
struct LeaseCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lease",
        abstract: "Issue, revoke and show leases.",
        subcommands: [LeaseIssue.self, LeaseRevoke.self, LeaseShow.self]
    )
}

struct LeaseIssue: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "issue",
        abstract: "Send a signed manifest envelope to the broker; prints the lease as JSON."
    )

    @Option(help: "The broker's base URL.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @OptionGroup var identity: BrokerIdentityOptions
    @Argument(help: "The envelope written by `manifest sign`.") var envelope: String

    func run() async throws {
        let bytes = try CLIFiles.read(envelope, what: "envelope")
        let client = try await ClientCLI.ownerClient(broker, trust: trust, identity: identity)
        let status = try await ClientCLI.call { () async throws(LeaseholdClientError) in try await client.issueLease(envelopeJSON: bytes) }
        ClientCLI.printJSON(status)
    }
}

struct LeaseRevoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revoke",
        abstract: "Revoke a lease with an owner-signed request; no key is released under it afterwards."
    )

    @Option(help: "The broker's base URL.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @OptionGroup var identity: BrokerIdentityOptions
    @Option(help: "The owner's name.") var owner: String
    @Option(help: "The lease id.") var lease: String
    @Option(help: "The owner's private key file (PREFIX.key).") var ownerKey: String

    func run() async throws {
        let key = try ClientCLI.ownerKey(ownerKey)
        let client = try await ClientCLI.ownerClient(broker, trust: trust, identity: identity)
        let r = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            try await client.revoke(owner: owner, leaseId: lease, signingKey: key)
        }
        print("revoked \(owner)/\(lease), log index \(r.logIndex)")
    }
}

struct LeaseShow: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a lease's state and counters as JSON."
    )

    @Option(help: "The broker's base URL.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @Option(help: "The owner's name.") var owner: String
    @Option(help: "The lease id.") var lease: String

    func run() async throws {
        let client = OwnerClient(try ClientCLI.connection(broker, caFile: trust.caFile))
        let status = try await ClientCLI.call { () async throws(LeaseholdClientError) in try await client.leaseStatus(owner: owner, leaseId: lease) }
        ClientCLI.printJSON(status)
    }
}
