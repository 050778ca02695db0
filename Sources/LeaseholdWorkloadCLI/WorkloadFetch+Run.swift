import Codecs
import Crypto
import Foundation
import LeaseholdClient
import TransparencyLog

/// `leasehold-workload fetch ... -- CMD ARGS`: the keys live as long as the command. The grant's
/// one-time receipt key never leaves this process's memory, so the receipts it signs (issue
/// 15's "receipts" and "released" in the auditor's history) are posted from here: an `output`
/// receipt with the SHA-256 of what the command produced (`--output-receipt FILE`), then, when
/// the command has ended whatever its status, the key files are overwritten and removed, and
/// either a `shredded` receipt is posted or, with `--release`, the lease is released.
extension WorkloadFetch {
    /// Runs the command with `LEASEHOLD_KEYS_DIR` set; returns its exit status (128 + signal
    /// if a signal ended it, as a shell reports it).
    func runCommand(keys directory: String) throws -> Int32 {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = command
        var environment = ProcessInfo.processInfo.environment
        environment["LEASEHOLD_KEYS_DIR"] = directory
        process.environment = environment
        do { try process.run() } catch {
            throw CLIFailure(message: "cannot run \(command.first ?? "the command"): \(error.localizedDescription)")
        }
        process.waitUntilExit()
        return process.terminationReason == .uncaughtSignal ? 128 + process.terminationStatus : process.terminationStatus
    }

    /// After the command: the receipts, the shredding, the release. A receipt or release the
    /// broker refuses is an error (exit 1) after the keys are gone: the keys never outlive
    /// the command because a post failed.
    func finish(_ grant: ReleasedGrant, client: WorkloadClient, directory: KeyDirectory, status: Int32) async throws {
        var failures: [String] = []
        if status == 0, let file = outputReceipt {
            do {
                let digest = try Self.sha256(file: file)
                let r = try await client.postReceipt(grant, kind: "output", outputDigest: digest)
                Self.say("output receipt for \(file) (sha256 \(digest)) logged at index \(r.logIndex)")
            } catch {
                failures.append("output receipt: \(error)")
            }
        } else if outputReceipt != nil {
            Self.say("the command failed (status \(status)): no output receipt")
        }
        directory.shred(grant.keys.map(\.keyId))
        do {
            let r = release ? try await client.release(grant) : try await client.postReceipt(grant, kind: "shredded")
            Self.say("keys shredded; \(release ? "lease released" : "shredded receipt"), log index \(r.logIndex)")
        } catch {
            failures.append("\(release ? "release" : "shredded receipt"): \(error)")
        }
        if !failures.isEmpty { throw CLIFailure(message: failures.joined(separator: "; ")) }
    }

    static func sha256(file: String) throws -> String {
        guard let data = FileManager.default.contents(atPath: file) else { throw CLIFailure(message: "cannot read --output-receipt \(file)") }
        return Hex.encode(Array(SHA256.hash(data: data)))
    }
}
