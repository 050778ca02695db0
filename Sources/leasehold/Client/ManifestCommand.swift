import Codecs
import LeaseholdWorkloadCLI
import ArgumentParser
import Foundation
import LeaseholdCore
import TransparencyLog

/// `leasehold manifest sign|show|verify`: an owner's lease manifest as a DSSE envelope.
///
/// What you sign is what you see (CRYPTO-REVIEW-2026-12 M5): `sign` prints the manifest as it
/// will be signed (every field in plain words, the canonical JSON, its digest) on stdout and
/// asks for confirmation on the terminal unless `--yes`; `show` and `verify` print the same
/// for an envelope. The last line of `sign` and `verify` on stdout is the one-line summary
/// they have always printed.
struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest",
        abstract: "Sign a lease manifest (YAML or JSON) as a DSSE envelope, show one, or verify one.",
        subcommands: [ManifestSign.self, ManifestShow.self, ManifestVerify.self]
    )
}

struct ManifestSign: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sign",
        abstract: "Check a manifest, show it as it will be signed, and write its signed envelope.",
        discussion: """
            The manifest is printed on stdout in plain words (every field, defaults included), then its canonical JSON (the signed payload) and SHA-256 digest. Unless --yes is given, it asks "Sign this manifest? [y/N]" on the terminal and signs only after y; without a terminal on stdin it signs nothing and exits 2.
            """
    )

    @Argument(help: "The manifest, YAML or JSON.") var file: String
    @Option(help: "The owner's private key file (PREFIX.key).") var ownerKey: String
    @Option(help: "Where to write the envelope JSON.") var out: String
    @Flag(help: "Sign without asking (for scripts): the manifest is still printed; read it.") var yes = false

    func run() throws {
        let key = try ClientCLI.ownerKey(ownerKey)
        let manifest: LeaseManifest
        do {
            manifest = try LeaseManifest(yaml: try CLIFiles.readText(file, what: "manifest"))
        } catch let e as ManifestError {
            throw CLIFailure(message: "manifest-invalid: \(file): \(e)")
        }
        let review =
            manifest.plainDescription
            + "To be signed with the owner's \(key.publicKey.algorithm.rawValue) key, key id \(key.publicKey.keyID).\n"
        print(review, terminator: "")
        fflush(nil)  // stdout before anything goes to stderr
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else {
                throw CLIFailure.usage(
                    "not signed: there is no terminal to confirm on (stdin is not a terminal); read the manifest as printed above and pass --yes to sign it without asking"
                )
            }
            // The person confirming must see what they confirm, even with stdout redirected.
            if isatty(STDOUT_FILENO) != 1 { FileHandle.standardError.write(Data(review.utf8)) }
            FileHandle.standardError.write(Data("Sign this manifest? [y/N] ".utf8))
            let answer = readLine(strippingNewline: true)?.trimmingCharacters(in: .whitespaces).lowercased()
            guard answer == "y" || answer == "yes" else {
                throw CLIFailure(message: "not signed: not confirmed (answer y to sign); nothing was written")
            }
        }
        let envelope: DSSEEnvelope
        do {
            envelope = try ManifestEnvelope.sign(manifest, with: key)
        } catch {
            throw CLIFailure(message: "manifest-invalid: \(file): \(error)")
        }
        try CLIFiles.write(envelope.json + [0x0A], to: out)
        print("signed \(manifest.owner)/\(manifest.leaseId), digest \(Hex.encode(manifest.digest)), key id \(key.publicKey.keyID) -> \(out)")
    }
}

struct ManifestShow: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a manifest envelope's lease in plain words, its canonical JSON, digest and signers.",
        discussion: """
            Without --public-key the signatures are listed by key id but not checked. With
            --public-key the envelope is verified first, exactly as `manifest verify` does
            (same output, same exit codes).
            """
    )

    @Argument(help: "The envelope JSON.") var file: String
    @Option(help: "Also verify against the owner's public key file (PREFIX.pub).") var publicKey: String?

    func run() throws {
        if let publicKey {
            try ManifestVerify.verifyAndShow(file, publicKey: publicKey)
            return
        }
        let envelope: DSSEEnvelope
        let manifest: LeaseManifest
        do {
            envelope = try DSSEEnvelope(json: try CLIFiles.readText(file, what: "envelope"))
            guard envelope.payloadType == ManifestEnvelope.payloadType else {
                throw ManifestError("payloadType", "is \(envelope.payloadType), not \(ManifestEnvelope.payloadType)")
            }
            manifest = try LeaseManifest(canonicalJSON: envelope.payload)
        } catch let e as ManifestError {
            throw CLIFailure(message: "refused: \(file): \(e)")
        }
        print(manifest.plainDescription, terminator: "")
        if envelope.signatures.isEmpty { print("The envelope carries no signature.") }
        for s in envelope.signatures {
            print("Signed by key id \(s.keyID.isEmpty ? "(none given)" : s.keyID): NOT verified (pass --public-key FILE to check it)")
        }
    }
}

struct ManifestVerify: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify an envelope's signature and manifest against an owner public key, and print the lease.",
        discussion: "Prints the lease as `manifest show` does, then one line starting with ok:. Exit 1 if refused."
    )

    @Argument(help: "The envelope JSON.") var file: String
    @Option(help: "The owner's public key file (PREFIX.pub).") var publicKey: String

    func run() throws {
        try Self.verifyAndShow(file, publicKey: publicKey)
    }

    static func verifyAndShow(_ file: String, publicKey: String) throws {
        let pub = try ClientCLI.publicKey(publicKey)
        let verified: ManifestEnvelope.Verified
        do {
            let envelope = try DSSEEnvelope(json: try CLIFiles.readText(file, what: "envelope"))
            verified = try ManifestEnvelope.verify(envelope, trustedKeys: [pub])
        } catch let e as ManifestError {
            throw CLIFailure(message: "refused: \(file): \(e)")
        }
        let m = verified.manifest
        print(m.plainDescription, terminator: "")
        print("Signed by key id \(verified.signer.keyID) (\(verified.signer.algorithm.rawValue)): verified against \(publicKey).")
        print(
            "ok: \(m.owner)/\(m.leaseId) signed by \(verified.signer.keyID), digest \(Hex.encode(verified.digest)), maxGrants \(m.maxGrants), keys \(m.keys.joined(separator: ",")), tees \(m.tees.map(\.rawValue).joined(separator: ","))"
        )
    }
}
