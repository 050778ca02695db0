import Codecs
import ArgumentParser
import Attesters
import Foundation
import LeaseholdClient
import TransparencyLog
import Vault

/// `leasehold-workload fetch` and `leasehold workload fetch` (one command, two binaries): the
/// workload's side of key release at boot, from evidence to keys on a memory file system.
public struct WorkloadFetch: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Attest, receive the lease's keys, verify the grant's log receipt, write DIR/<keyId>.",
        discussion: [
            "Evidence comes from the platform (--tee auto looks for configfs-tsm, /dev/sev-guest, /dev/tdx_guest, Gramine's /dev/attestation and /dev/nsm, in that order, and says on stderr which it used), or is sandbox development evidence (--tee sandbox, accepted only by a broker run with --allow-sandbox). Each key is written raw to DIR/<keyId>, mode 0600; DIR must be on tmpfs or ramfs unless --allow-disk.",
            "Exit codes: 0 granted; 1 refused or failed, and the last line on stderr starts with the reason code (measurement-mismatch, lease-expired, evidence-failed, ...; after `leasehold: ` in the full binary); 2 usage, or an --out directory that cannot hold keys (checked before anything is sent); 3 the broker stayed unreachable (or answered 5xx, 429 or collateral-unavailable) until --retry-for ran out.",
        ].joined(separator: "\n\n")
    )

    @Option(help: "The broker's base URL.") var broker: String
    @OptionGroup var trust: BrokerTrustOptions
    @Option(help: "The owner's name.") var owner: String
    @Option(help: "The lease id.") var lease: String
    @Option(help: "auto, sev-snp, tdx, sgx, nitro or sandbox.") var tee = "auto"
    @Option(help: "With --tee sandbox: the measurement to claim, 96 hex digits.") var sandboxMeasurement: String?
    @Option(help: "Directory to write the keys to (created 0700 if missing); must be on tmpfs or ramfs.") var out: String
    @Flag(help: "Allow --out on a disk-backed file system (keys then outlive the workload).") var allowDisk = false
    @Option(help: "The configfs-tsm report directory.") var tsmRoot = ConfigfsTSMAttester.defaultRoot
    @Option(help: "The SEV-SNP guest device.") var sevGuest = SEVGuestDeviceAttester.defaultPath
    @Option(help: "The TDX guest device.") var tdxGuest = TDXGuestDeviceAttester.defaultPath
    @Option(help: "Gramine's attestation directory.") var gramineDir = GramineSGXAttester.defaultDirectory
    @Option(help: "The Nitro Security Module device.") var nsm = NitroNSMAttester.defaultPath
    @Option(help: "SEV-SNP: the VMPL to request the report at (configfs privlevel).") var vmpl: UInt32?
    @Option(help: "x25519-sha256-aes256gcm (default) or xwing-sha256-aes256gcm.") var suite = KeyWrapSuite.default.id
    @Option(
        help:
            "Keep trying this long while the broker is unreachable or answers 5xx / collateral-unavailable (e.g. 30s, 2m; default: one try). A refusal is never retried."
    )
    var retryFor = "0s"
    @Option(help: "Also write the grant request as sent to FILE (evidence, nonce, one-time public key: nothing secret).")
    var saveRequest: String?
    @Option(name: .customLong("log-key"), help: "Pin the broker's log key (name+keyid+base64, @FILE or a file); default: the one it publishes.")
    var logKey: String?
    @Option(
        help:
            "Keep the last checkpoint of the broker's log seen in FILE (created on first use), and refuse a grant whose log is not an extension of it (log-forked, no key written)."
    )
    var checkpointFile: String?
    @Flag(help: "With --tee sandbox: claim a debug TEE (to see a lease refuse debug evidence).") var sandboxDebug = false
    @Option(help: "With a command: when it exits 0, post an `output` receipt carrying the SHA-256 of FILE (what it produced).")
    var outputReceipt: String?
    @Flag(help: "With a command: when it ends, release the lease (after shredding the keys) instead of posting a `shredded` receipt.")
    var release = false
    @Argument(
        parsing: .postTerminator,
        help:
            "-- CMD ARGS: run CMD with the keys (LEASEHOLD_KEYS_DIR is set to --out); when it ends, the key files are overwritten and removed and a signed `shredded` receipt (or, with --release, a release) is logged. Exits with CMD's status."
    )
    var command: [String] = []

    public init() {}

    public func validate() throws {
        guard tee == "auto" || tee == "sandbox" || AttesterTEE(rawValue: tee) != nil else {
            throw ValidationError("--tee must be auto, sev-snp, tdx, sgx, nitro or sandbox")
        }
        if tee == "sandbox" {
            guard let m = sandboxMeasurement, let bytes = Hex.decode(m), bytes.count == 48 else {
                throw ValidationError("--tee sandbox needs --sandbox-measurement, 96 hex digits (48 bytes)")
            }
        } else if sandboxMeasurement != nil || sandboxDebug {
            throw ValidationError("--sandbox-measurement and --sandbox-debug go with --tee sandbox only")
        }
        if command.isEmpty, outputReceipt != nil || release {
            throw ValidationError("--output-receipt and --release go with a command (fetch ... -- CMD ARGS)")
        }
        guard KeyWrapSuite(rawValue: suite) != nil else { throw ValidationError("--suite must be x25519-sha256-aes256gcm or xwing-sha256-aes256gcm") }
        guard DurationText.parse(retryFor) != nil else { throw ValidationError("--retry-for must be a duration such as 500ms, 30s, 2m or 1h") }
    }

    public func run() async throws {
        let started = ContinuousClock.now
        let directory = KeyDirectory(path: out, allowDisk: allowDisk)
        _ = try directory.prepare()
        let evidence = try evidenceProvider()
        let pinned = try logKey.map(CLIFiles.verifierKey)
        guard let window = DurationText.parse(retryFor), let suite = KeyWrapSuite(rawValue: suite) else {
            throw CLIFailure.usage("bad --retry-for or --suite")
        }
        // One attempt's connect may not outlast a short --retry-for window (5 s otherwise).
        let connectTimeout = window > .zero ? min(.seconds(5), max(.milliseconds(500), window)) : .seconds(5)
        let connection = try ClientCLI.connection(broker, caFile: trust.caFile, connectTimeout: connectTimeout)
        let client = WorkloadClient(connection, logKey: pinned)
        let send = requestSaver()
        var retry = BootRetry(window: window)
        var grant: ReleasedGrant
        while true {
            do {
                grant = try await client.fetch(owner: owner, leaseId: lease, suite: suite, evidence: evidence, sending: send)
                break
            } catch {
                switch retry.next(after: error, elapsed: ContinuousClock.now - started, random: Double.random(in: 0..<1)) {
                case .retry(let delay):
                    Self.say(
                        "attempt \(retry.attempts) failed (\(error.reason): \(error.message.prefix(160))); retrying in \(delay.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))"
                    )
                    try await Task.sleep(for: delay)
                case .stop(let retried):
                    var failure = ClientCLI.failure(error)
                    if BootRetry.isRetryable(error) {
                        failure.exitCode = 3
                        if retried { failure.message += " (after \(retry.attempts) attempts in \(retryFor))" }
                    }
                    throw failure
                }
            }
        }
        if let path = checkpointFile {
            try await keepCheckpoint(path, grant: grant, connection: connection, pinned: pinned)
        }
        try directory.write(grant.keys)
        print(
            "granted \(grant.keys.count) key(s) of \(owner)/\(lease) -> \(out); grant \(grant.grantId), log index \(grant.receipt.logIndex) proven in checkpoint of size \(grant.checkpoint.size)"
        )
        guard !command.isEmpty else { return }
        let status: Int32
        do { status = try runCommand(keys: out) } catch {
            directory.shred(grant.keys.map(\.keyId))
            throw error
        }
        try await finish(grant, client: client, directory: directory, status: status)
        if status != 0 { throw CLIFailure(message: "\(command[0]) exited with status \(status)", exitCode: status) }
    }

    /// Sandbox evidence, a named TEE's interface, or the one `auto` finds; says which on stderr.
    func evidenceProvider() throws -> EvidenceProvider {
        if tee == "sandbox", let m = sandboxMeasurement, let measurement = Hex.decode(m) {
            return EvidenceProviders.sandbox(measurement: measurement, debug: sandboxDebug)
        }
        let detector = AttesterDetector(
            paths: AttesterDetector.Paths(
                tsmRoot: tsmRoot, sevGuest: sevGuest, tdxGuest: tdxGuest,
                gramine: gramineDir, nsm: nsm),
            privlevel: vmpl)
        let choice: AttesterDetector.Choice
        do {
            if let named = AttesterTEE(rawValue: tee) { choice = try detector.attester(for: named) } else { choice = try detector.detect() }
        } catch {
            throw CLIFailure(message: "evidence-failed: \(error)")
        }
        Self.say("evidence: \(choice.attester.tee.rawValue) from \(choice.attester.interface) (\(choice.reason))")
        return EvidenceProviders.attester(choice.attester)
    }

    func requestSaver() -> (@Sendable ([UInt8]) -> Void)? {
        guard let path = saveRequest else { return nil }
        return { body in
            do { try CLIFiles.write(body, to: path) } catch { Self.say("warning: cannot save the grant request: \(error)") }
        }
    }

    /// CRYPTO-REVIEW L4: the grant's log must extend the one this workload saw before.
    func keepCheckpoint(_ path: String, grant: ReleasedGrant, connection: BrokerConnection, pinned: NoteVerifier?) async throws {
        let kept = FileManager.default.fileExists(atPath: path) ? try CLIFiles.readText(path, what: "checkpoint file") : nil
        let note = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            let key: NoteVerifier
            if let pinned {
                key = pinned
            } else {
                let info = try await connection.info()
                do { key = try NoteVerifier(encoded: info.logKey) } catch {
                    throw LeaseholdClientError(LeaseholdClientError.badResponse, "the broker's log key: \(error)")
                }
            }
            return try await KeptCheckpoint.check(
                kept: kept, received: grant.checkpoint, receivedNote: grant.receipt.checkpoint,
                auditor: AuditorClient(connection, logKey: key))
        }
        try CLIFiles.write(Array(note.utf8), to: path)
    }

    static func say(_ line: String) {
        FileHandle.standardError.write(Data("leasehold-workload: \(line)\n".utf8))
    }
}
