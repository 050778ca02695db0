import LeaseholdWorkloadCLI
import LeaseholdOwnerClient
import ArgumentParser
import Foundation
import LeaseholdClient
import LeaseholdCore

/// `leasehold owner …`: a data owner's key and registration.
struct OwnerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "owner",
        abstract: "Make an owner key pair; register an owner with a broker.",
        subcommands: [OwnerKeygen.self, OwnerRegister.self]
    )
}

struct OwnerKeygen: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Write PREFIX.key (private, 0600) and PREFIX.pub (public, one line each).",
        discussion:
            "ed25519 by default; ml-dsa-65 for manifests that must stay unforgeable by a quantum computer. An existing PREFIX.key is never overwritten."
    )

    @Option(help: "Path prefix of the two files.") var out: String
    @Option(help: "ed25519 or ml-dsa-65.") var alg = "ed25519"

    func validate() throws {
        guard OwnerKeyAlgorithm(rawValue: alg) != nil else { throw ValidationError("--alg must be ed25519 or ml-dsa-65") }
    }

    func run() throws {
        let keyPath = out + ".key", pubPath = out + ".pub"
        guard !FileManager.default.fileExists(atPath: keyPath) else {
            throw CLIFailure(message: "\(keyPath) already exists; not overwriting a private key")
        }
        let key: OwnerSigningKey
        do { key = try OwnerSigningKey.generate(OwnerKeyAlgorithm(rawValue: alg)!) } catch { throw CLIFailure(message: "\(error)") }
        try CLIFiles.write(Array((key.text + "\n").utf8), to: keyPath, secret: true)
        try CLIFiles.write(Array((key.publicKey.text + "\n").utf8), to: pubPath)
        print("wrote \(keyPath) and \(pubPath); key id \(key.publicKey.keyID)")
    }
}

struct OwnerRegister: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "register",
        abstract: "Register an owner and its public key (needs the broker's admin token)."
    )

    @Option(help: "The broker's base URL, e.g. http://127.0.0.1:8443.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @OptionGroup var identity: BrokerIdentityOptions
    @Option(help: "File holding the admin token (the broker's DATA_DIR/admin.token).") var adminTokenFile: String
    @Option(help: "The owner's name.") var owner: String
    @Option(help: "The owner's public key file (PREFIX.pub).") var publicKey: String

    func run() async throws {
        let token = try CLIFiles.readText(adminTokenFile, what: "admin token").trimmingCharacters(in: .whitespacesAndNewlines)
        let pub = try ClientCLI.publicKey(publicKey)
        let client = try await ClientCLI.ownerClient(broker, trust: trust, identity: identity)
        let info = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            try await client.register(owner: owner, publicKey: pub, adminToken: token)
        }
        print("registered \(info.owner), key id \(info.publicKeyId), log index \(info.logIndex)")
    }
}
