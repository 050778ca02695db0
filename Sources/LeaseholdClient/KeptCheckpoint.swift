import LeaseholdAPI
import Foundation
import TransparencyLog

/// A workload's memory of the broker's log (CRYPTO-REVIEW L4; issue 12 item 3): the last
/// checkpoint it saw. A broker showing this workload a log that does not extend it (a fork,
/// or a database rolled back) is caught, with a consistency proof from the broker itself.
public enum KeptCheckpoint {
    /// A grant's checkpoint, or the broker's log, is not an extension of the kept checkpoint.
    public static let forked = "log-forked"

    /// Checks that `received` (a checkpoint already verified under `auditor.logKey`, e.g. a
    /// grant's) and the kept note `kept` (nil: nothing kept yet, trust on first use) are of one
    /// log: both are proven prefixes of the broker's latest checkpoint. Returns the note to keep
    /// from now on: the newest one verified.
    public static func check(
        kept: String?, received: Checkpoint, receivedNote: String,
        auditor: AuditorClient
    ) async throws(LeaseholdClientError) -> String {
        guard let kept else { return receivedNote }
        let old: Checkpoint
        do { old = try GrantReceiptVerifier.verifiedCheckpoint(kept, logKey: auditor.logKey) } catch {
            throw LeaseholdClientError(forked, "the kept checkpoint is not one of this broker's log key (\(auditor.logKey.name)): \(error.message)")
        }
        if old.size == received.size {
            guard old.root == received.root else { throw fork(old, received) }
            return receivedNote
        }
        // The proof endpoint proves to the broker's latest checkpoint, which may move between
        // the two requests: a proof that fails is asked again against the new latest, a few times.
        var lastError: LeaseholdClientError?
        for _ in 0..<3 {
            let latestNote = try await auditor.checkpointNote()
            let latest = try GrantReceiptVerifier.verifiedCheckpoint(latestNote, logKey: auditor.logKey)
            guard latest.size >= max(old.size, received.size) else {
                lastError = fork(old, latest)
                continue
            }
            do {
                try await prove(old, to: latest, auditor: auditor)
                try await prove(received, to: latest, auditor: auditor)
                return latestNote
            } catch {
                lastError = error
                // Only worth asking again if the broker's latest moved meanwhile.
                let now = try GrantReceiptVerifier.verifiedCheckpoint(try await auditor.checkpointNote(), logKey: auditor.logKey)
                if now == latest { break }
            }
        }
        throw lastError ?? fork(old, received)
    }

    static func prove(_ c: Checkpoint, to latest: Checkpoint, auditor: AuditorClient) async throws(LeaseholdClientError) {
        if c.size == latest.size {
            guard c.root == latest.root else { throw fork(c, latest) }
            return
        }
        let proof = try await auditor.consistencyProof(old: c.size)
        guard
            ProofVerification.verifyConsistency(
                oldSize: c.size, oldRoot: c.root, newSize: latest.size, newRoot: latest.root,
                proof: try GrantReceiptVerifier.hashes(proof.consistencyProof))
        else {
            throw fork(c, latest)
        }
    }

    static func fork(_ a: Checkpoint, _ b: Checkpoint) -> LeaseholdClientError {
        LeaseholdClientError(
            forked,
            "the broker's log of size \(b.size) (root \(b.root.base64)) is not an extension of the checkpoint of size \(a.size) (root \(a.root.base64)) seen before: it shows different logs to different clients, or its database was rolled back"
        )
    }
}
