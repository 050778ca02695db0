import LeaseholdAPI
import TransparencyLog

/// Checks a grant's receipt offline: the checkpoint is signed by the broker's log key and
/// names its origin, and the inclusion proof puts the receipt's leaf at its index in that
/// checkpoint's tree. A workload that passes this holds proof that its grant is on the log.
public enum GrantReceiptVerifier {
    /// Returns the verified checkpoint.
    public static func verify(_ receipt: GrantReceipt, logKey: NoteVerifier) throws(LeaseholdClientError) -> Checkpoint {
        let checkpoint = try verifiedCheckpoint(receipt.checkpoint, logKey: logKey)
        guard let leaf = LogHash(base64: receipt.leafHash) else {
            throw invalid("the receipt's leaf hash is not 32 bytes of base64")
        }
        let proof = try hashes(receipt.inclusionProof)
        guard ProofVerification.verifyInclusion(leaf: leaf, index: receipt.logIndex, size: checkpoint.size, proof: proof, root: checkpoint.root)
        else {
            throw invalid("the inclusion proof does not put entry \(receipt.logIndex) in the checkpoint's tree of size \(checkpoint.size)")
        }
        return checkpoint
    }

    /// Opens a signed note with the log key and parses the checkpoint in it; the origin line
    /// must equal the key's name (C2SP: the key is named after the log it signs for).
    public static func verifiedCheckpoint(_ note: String, logKey: NoteVerifier) throws(LeaseholdClientError) -> Checkpoint {
        let text: String
        do { text = try logKey.open(note) } catch { throw invalid("checkpoint: \(error)") }
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(body: text) } catch { throw invalid("checkpoint: \(error)") }
        guard checkpoint.origin == logKey.name else {
            throw invalid("the checkpoint's origin \(checkpoint.origin) is not the log key's name \(logKey.name)")
        }
        return checkpoint
    }

    static func hashes(_ list: [String]) throws(LeaseholdClientError) -> [LogHash] {
        var out: [LogHash] = []
        for (i, text) in list.enumerated() {
            guard let h = LogHash(base64: text) else { throw invalid("proof hash \(i) is not 32 bytes of base64") }
            out.append(h)
        }
        return out
    }

    static func invalid(_ message: String) -> LeaseholdClientError {
        LeaseholdClientError(LeaseholdClientError.receiptInvalid, message)
    }
}
