import ArgumentParser
import Foundation
import LeaseholdCore
import TransparencyLog

/// `leasehold manifest sign|verify`: an owner's lease manifest as a DSSE envelope.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Sign a lease manifest (YAML or JSON) as a DSSE envelope, or verify one.",
        subcommands: [ManifestSign.self, ManifestVerify.self]
    )
}

struct ManifestSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Check a manifest and write its signed envelope (canonical JSON payload)."
    )

    @Argument(help: "The manifest, YAML or JSON.") var file: String
    @Option(help: "The owner's private key file (PREFIX.key).") var ownerKey: String
    @Option(help: "Where to write the envelope JSON.") var out: String

    func run() throws {
        let key = try ClientCLI.ownerKey(ownerKey)
        let envelope: DSSEEnvelope
        let manifest: LeaseManifest
        do {
            manifest = try LeaseManifest(yaml: try CLIFiles.readText(file, what: "manifest"))
            envelope = try ManifestEnvelope.sign(manifest, with: key)
        } catch let e as ManifestError {
            throw CLIFailure(message: "manifest-invalid: \(file): \(e)")
        }
        try CLIFiles.write(envelope.json + [0x0A], to: out)
        print("signed \(manifest.owner)/\(manifest.leaseId), digest \(Hex.encode(manifest.digest)), key id \(key.publicKey.keyID) -> \(out)")
    }
}

struct ManifestVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an envelope's signature and manifest against an owner public key."
    )

    @Argument(help: "The envelope JSON.") var file: String
    @Option(help: "The owner's public key file (PREFIX.pub).") var publicKey: String

    func run() throws {
        let pub = try ClientCLI.publicKey(publicKey)
        let verified: ManifestEnvelope.Verified
        do {
            let envelope = try DSSEEnvelope(json: try CLIFiles.readText(file, what: "envelope"))
            verified = try ManifestEnvelope.verify(envelope, trustedKeys: [pub])
        } catch let e as ManifestError {
            throw CLIFailure(message: "refused: \(file): \(e)")
        }
        let m = verified.manifest
        print("ok: \(m.owner)/\(m.leaseId) signed by \(verified.signer.keyID), digest \(Hex.encode(verified.digest)), maxGrants \(m.maxGrants), keys \(m.keys.joined(separator: ",")), tees \(m.tees.map(\.rawValue).joined(separator: ","))")
    }
}
