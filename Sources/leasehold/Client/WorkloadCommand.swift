import ArgumentParser
import Foundation
import LeaseholdClient
import TransparencyLog
import Vault

/// `leasehold workload fetch`: the workload's side of key release, from the command line.
struct WorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Obtain a lease's keys as an attested workload.",
        subcommands: [WorkloadFetch.self]
    )
}

struct WorkloadFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Challenge, attest, receive the keys, verify the grant's log receipt, write DIR/<keyId>.",
        discussion: """
            Only --tee sandbox is produced here (development evidence signed with the published key);
            real TEEs use the LeaseholdClient library with their own evidence provider. Each key is
            written raw to DIR/<keyId> with mode 0600. On refusal: exit 1, and the message starts with
            the broker's reason code (measurement-mismatch, lease-expired, ...).
            """
    )

    @Option(help: "The broker's base URL.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @Option(help: "The owner's name.") var owner: String
    @Option(help: "The lease id.") var lease: String
    @Option(help: "The TEE kind (sandbox).") var tee: String
    @Option(help: "The sandbox measurement to claim, 96 hex digits.") var sandboxMeasurement: String?
    @Option(help: "Directory to write the keys to (created 0700 if missing).") var out: String
    @Option(help: "x25519-sha256-aes256gcm (default) or xwing-sha256-aes256gcm.") var suite = KeyWrapSuite.default.id
    @Option(help: "Also write the grant request as sent to FILE (evidence, nonce, one-time public key: nothing secret).")
    var saveRequest: String?
    @Option(name: .customLong("log-key"), help: "Pin the broker's log key (name+keyid+base64, @FILE or a file); default: the one it publishes.") var logKey: String?
    @Option(help: "Keep the last checkpoint of the broker's log seen in FILE (created on first use), and refuse a grant whose log is not an extension of it (log-forked, no key written): a broker showing different logs to different clients, or one on a rolled-back database, is caught.")
    var checkpointFile: String?

    func validate() throws {
        guard tee == "sandbox" else { throw ValidationError("--tee: only sandbox evidence can be made by this command") }
        guard let m = sandboxMeasurement, let bytes = Hex.decode(m), bytes.count == 48 else {
            throw ValidationError("--sandbox-measurement must be 96 hex digits (48 bytes)")
        }
        guard KeyWrapSuite(rawValue: suite) != nil else { throw ValidationError("--suite must be x25519-sha256-aes256gcm or xwing-sha256-aes256gcm") }
    }

    func run() async throws {
        let measurement = Hex.decode(sandboxMeasurement!)!
        let pinned = try logKey.map(CLIFiles.verifierKey)
        let connection = try ClientCLI.connection(broker, caFile: trust.caFile)
        let client = WorkloadClient(connection, logKey: pinned)
        var sending: (@Sendable ([UInt8]) -> Void)?
        if let path = saveRequest {
            sending = { body in
                do { try CLIFiles.write(body, to: path) } catch {
                    FileHandle.standardError.write(Data("leasehold: warning: cannot save the grant request: \(error)\n".utf8))
                }
            }
        }
        let send = sending
        let grant = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            try await client.fetch(owner: owner, leaseId: lease, suite: KeyWrapSuite(rawValue: suite)!,
                                   evidence: EvidenceProviders.sandbox(measurement: measurement), sending: send)
        }
        if let path = checkpointFile {
            // CRYPTO-REVIEW L4: the grant's log must extend the one this workload saw before.
            let kept = FileManager.default.fileExists(atPath: path) ? try CLIFiles.readText(path, what: "checkpoint file") : nil
            let note = try await ClientCLI.call { () async throws(LeaseholdClientError) in
                let key: NoteVerifier
                if let pinned { key = pinned } else {
                    let info = try await connection.info()
                    do { key = try NoteVerifier(encoded: info.logKey) } catch {
                        throw LeaseholdClientError(LeaseholdClientError.badResponse, "the broker's log key: \(error)")
                    }
                }
                return try await KeptCheckpoint.check(kept: kept, received: grant.checkpoint, receivedNote: grant.receipt.checkpoint,
                                                      auditor: AuditorClient(connection, logKey: key))
            }
            try CLIFiles.write(Array(note.utf8), to: path)
        }
        try Self.writeKeys(grant.keys, to: out)
        print("granted \(grant.keys.count) key(s) of \(owner)/\(lease) -> \(out); grant \(grant.grantId), log index \(grant.receipt.logIndex) proven in checkpoint of size \(grant.checkpoint.size)")
    }

    static func writeKeys(_ keys: [ReleasedKey], to dir: String) throws {
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIFailure(message: "cannot create \(dir): \(error.localizedDescription)")
        }
        for k in keys {
            // A key id becomes a file name: never let it name another directory.
            // The manifest's name grammar, [A-Za-z0-9._-]{1,128}, never a dot file: a broker that
            // answers with another name must not get to choose what is written where.
            guard WorkloadClient.isKeyID(k.keyId) else {
                throw CLIFailure(message: "bad-response: key id \(k.keyId.prefix(40)) is not a key id ([A-Za-z0-9._-]{1,128}, not starting with a dot)")
            }
            try CLIFiles.write(k.key.withUnsafeBytes { Array($0) }, to: dir + "/" + k.keyId, secret: true)
        }
    }
}
