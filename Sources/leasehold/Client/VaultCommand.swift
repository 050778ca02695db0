import LeaseholdWorkloadCLI
import LeaseholdOwnerClient
import ArgumentParser
import Foundation
import LeaseholdClient
import Vault

/// `leasehold vault put`: hand a data key to the broker, sealed to its vault key and signed.
struct VaultCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vault",
        abstract: "Put data keys in the broker's vault.",
        subcommands: [VaultPutCommand.self]
    )
}

struct VaultPutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "put",
        abstract: "Seal a key to the broker's vault public key, sign the request, and store it.",
        discussion: """
            --from-file takes the raw key bytes (16 to 64). --generate makes a fresh 32-byte key that exists only in the vault: workloads granted a lease on it receive it; nobody else sees it. Putting an existing key id stores a new version.
            """
    )

    @Option(help: "The broker's base URL.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @OptionGroup var identity: BrokerIdentityOptions
    @Option(help: "The owner's name.") var owner: String
    @Option(help: "The owner's private key file (PREFIX.key).") var ownerKey: String
    @Option(help: "The key's id in the vault.") var keyId: String
    @Option(help: "A file with the raw key bytes.") var fromFile: String?
    @Flag(help: "Generate a fresh random 32-byte key.") var generate = false
    @Option(help: "Key-wrap suite for the transfer: x25519-sha256-aes256gcm or xwing-sha256-aes256gcm.") var suite = KeyWrapSuite.default.id

    func validate() throws {
        guard (fromFile == nil) != !generate else { throw ValidationError("give exactly one of --from-file FILE or --generate") }
        guard KeyWrapSuite(rawValue: suite) != nil else { throw ValidationError("--suite must be x25519-sha256-aes256gcm or xwing-sha256-aes256gcm") }
    }

    func run() async throws {
        let signingKey = try ClientCLI.ownerKey(ownerKey)
        let key: DataKey
        do {
            key = try fromFile.map { try DataKey(bytes: try CLIFiles.read($0, what: "key file")) } ?? DataKey.generate()
        } catch let e as VaultError {
            throw CLIFailure(message: "\(e)")
        }
        let client = try await ClientCLI.ownerClient(broker, trust: trust, identity: identity)
        let result = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            try await client.putKey(owner: owner, keyId: keyId, key: key, signingKey: signingKey, suite: KeyWrapSuite(rawValue: suite)!)
        }
        print("stored \(result.owner)/\(result.keyId) version \(result.version), log index \(result.logIndex)")
    }
}
