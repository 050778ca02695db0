import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import Synchronization
import TransparencyLog

/// "Signed data decides" (CRYPTO-REVIEW-2026-12, H1): before a grant, the broker checks the
/// database rows it is about to act on against data that someone who can only write the
/// database cannot forge:
///
/// - the lease's envelope verifies under the owner's key, and its payload is exactly the
///   manifest the row holds (so the workloads, keys and purpose are what the owner signed);
/// - the owner's key is the one its `owner.registered` entry names, and the lease's window,
///   grant limit and manifest digest are the ones its `lease.issued` entry names;
/// - each of those two entries is proven, by an inclusion proof, to be in a tree whose
///   checkpoint verifies under this broker's log key (a database writer cannot sign one).
///
/// Every proven fact is remembered by the exact bytes it rests on (entry bytes at their index,
/// envelope bytes with the key text, checkpoint note), never by a row, so a warm grant costs
/// two SHA-256 look-ups and two equality checks. The log is append-only, so an entry proven
/// once stays proven. What this does not cover yet: the mutable counters (`grantsIssued`,
/// `state`) and used nonces, which no signature covers (issue 12 adds row MACs for them), and
/// a database rolled back together with its checkpoints (the checkpoint floor's job).
final class SignedDataCheck: Sendable {
    /// What a grant's check needs from one read transaction.
    struct Inputs: Sendable {
        var owner: OwnerRecord?
        var ownerEntry: [UInt8]?
        var leaseEntry: [UInt8]?
        var checkpoint: StoredCheckpoint?
        /// Inclusion proofs of the two entries in `checkpoint`, fetched only when not yet proven.
        var ownerProof: [LogHash]?
        var leaseProof: [LogHash]?
    }

    private let verifier: NoteVerifier
    private let proven = Mutex(Set<SHA256Digest>())
    /// Far above the facts a broker meets between restarts (two per lease, one per owner,
    /// one per checkpoint); emptied when full, which only costs re-proving.
    private let capacity = 200_000

    init(logKey verifier: NoteVerifier) {
        self.verifier = verifier
    }

    static func fact(_ label: String, _ parts: [UInt8]...) -> SHA256Digest {
        var h = SHA256()
        h.update(data: Array(label.utf8))
        for p in parts {
            withUnsafeBytes(of: UInt64(p.count).littleEndian) { h.update(bufferPointer: $0) }
            h.update(data: p)
        }
        return h.finalize()
    }

    func isProven(_ fact: SHA256Digest) -> Bool { proven.withLock { $0.contains(fact) } }

    private func remember(_ fact: SHA256Digest) {
        proven.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0.insert(fact)
        }
    }

    static func entryFact(seq: UInt64, _ bytes: [UInt8]) -> SHA256Digest {
        withUnsafeBytes(of: seq.bigEndian) { fact("leasehold/v1 proven entry", Array($0), bytes) }
    }

    /// Reads what `check` needs, inside the grant's read transaction: the owner row, the two
    /// entries, and (only for entries not proven before) the latest checkpoint and proofs.
    func read(_ lease: LeaseRecord, in tx: any BrokerTransaction) throws -> Inputs {
        var inputs = Inputs()
        guard let owner = try tx.owner(lease.owner) else { return inputs }
        inputs.owner = owner
        inputs.ownerEntry = try tx.entries(start: owner.registeredSeq, limit: 1).first
        inputs.leaseEntry = try tx.entries(start: lease.issuedSeq, limit: 1).first
        let ownerProven = inputs.ownerEntry.map { isProven(Self.entryFact(seq: owner.registeredSeq, $0)) } ?? true
        let leaseProven = inputs.leaseEntry.map { isProven(Self.entryFact(seq: lease.issuedSeq, $0)) } ?? true
        guard !(ownerProven && leaseProven) else { return inputs }
        guard let cp = try tx.latestCheckpoint() else { return inputs }
        inputs.checkpoint = cp
        try tx.withPrefetchedSubtrees { t in
            if !ownerProven, owner.registeredSeq < cp.size {
                inputs.ownerProof = try MerkleProofs.inclusionProof(index: owner.registeredSeq, size: cp.size, t)
            }
            if !leaseProven, lease.issuedSeq < cp.size {
                inputs.leaseProof = try MerkleProofs.inclusionProof(index: lease.issuedSeq, size: cp.size, t)
            }
        }
        return inputs
    }

    /// Checks the lease row and its owner against the signed data (see the type's comment);
    /// throws `state-invalid` naming the first thing that differs. A warm grant hashes the rows
    /// and entries it rests on once and finds that exact combination already checked.
    func check(_ lease: LeaseRecord, _ inputs: Inputs) throws(BrokerError) {
        guard let owner = inputs.owner else { throw Self.invalid("lease \(lease.owner)/\(lease.leaseId) has no owner row") }
        let numbers = [
            owner.registeredSeq, lease.issuedSeq, UInt64(bitPattern: lease.notBefore), UInt64(bitPattern: lease.notAfter),
            UInt64(bitPattern: lease.maxGrants),
        ].map(\.bigEndian)
        let rows = numbers.withUnsafeBytes { Array($0) }
        let combined = Self.fact(
            "leasehold/v1 checked lease rows", Array(owner.publicKey.utf8), Array(lease.owner.utf8), Array(lease.leaseId.utf8),
            inputs.ownerEntry ?? [], inputs.leaseEntry ?? [], lease.digest, lease.manifest, lease.envelope, rows)
        if isProven(combined) { return }
        try checkCold(lease, owner: owner, inputs)
        remember(combined)
    }

    private func checkCold(_ lease: LeaseRecord, owner: OwnerRecord, _ inputs: Inputs) throws(BrokerError) {
        let key: OwnerPublicKey
        do { key = try OwnerPublicKey(text: owner.publicKey) } catch { throw Self.invalid("owner \(owner.owner)'s stored key does not parse") }

        // The owner's key, against its owner.registered entry.
        let ownerEntry = try proveEntry(
            inputs.ownerEntry, seq: owner.registeredSeq, proof: inputs.ownerProof, checkpoint: inputs.checkpoint,
            what: "owner \(owner.owner)'s owner.registered entry")
        guard ownerEntry.kind == "owner.registered", ownerEntry.owner == owner.owner,
            ownerEntry.fields["publicKeyId"]?.stringValue == key.keyID
        else {
            throw Self.invalid("owner \(owner.owner)'s stored key is not the one its owner.registered entry (seq \(owner.registeredSeq)) names")
        }

        // The lease row, against its lease.issued entry.
        let leaseEntry = try proveEntry(
            inputs.leaseEntry, seq: lease.issuedSeq, proof: inputs.leaseProof, checkpoint: inputs.checkpoint,
            what: "lease \(lease.owner)/\(lease.leaseId)'s lease.issued entry")
        let f = leaseEntry.fields
        guard leaseEntry.kind == "lease.issued", leaseEntry.owner == lease.owner, leaseEntry.leaseId == lease.leaseId,
            f["manifestDigest"]?.stringValue == Hex.encode(lease.digest),
            f["notBefore"]?.stringValue == ManifestTime.format(lease.notBefore),
            f["notAfter"]?.stringValue == ManifestTime.format(lease.notAfter),
            f["maxGrants"]?.intValue == lease.maxGrants,
            f["signer"]?.stringValue == key.keyID
        else {
            throw Self.invalid("lease \(lease.owner)/\(lease.leaseId)'s row differs from its lease.issued entry (seq \(lease.issuedSeq))")
        }

        // The manifest, against the owner's signature over the envelope.
        guard Array(SHA256.hash(data: lease.manifest)) == lease.digest else {
            throw Self.invalid("lease \(lease.owner)/\(lease.leaseId)'s manifest does not hash to its digest")
        }
        let envelopeFact = Self.fact("leasehold/v1 verified envelope", lease.envelope, Array(owner.publicKey.utf8), lease.manifest)
        if !isProven(envelopeFact) {
            let verified: ManifestEnvelope.Verified
            do { verified = try ManifestEnvelope.verify(try DSSEEnvelope(json: lease.envelope), trustedKeys: [key]) } catch {
                throw Self.invalid("lease \(lease.owner)/\(lease.leaseId)'s envelope does not verify under \(owner.owner)'s key: \(error)")
            }
            guard verified.payload == lease.manifest, verified.manifest.owner == lease.owner, verified.manifest.leaseId == lease.leaseId else {
                throw Self.invalid("lease \(lease.owner)/\(lease.leaseId)'s manifest is not the one its envelope carries")
            }
            remember(envelopeFact)
        }
    }

    /// The entry at `seq`, proven to be in a tree this broker's log key signed.
    private func proveEntry(
        _ bytes: [UInt8]?, seq: UInt64, proof: [LogHash]?, checkpoint: StoredCheckpoint?,
        what: String
    ) throws(BrokerError) -> LogEntry {
        guard let bytes else { throw Self.invalid("\(what) is missing from the log") }
        let fact = Self.entryFact(seq: seq, bytes)
        if !isProven(fact) {
            guard let checkpoint, let proof else { throw Self.invalid("\(what) is not covered by a signed checkpoint") }
            let tree = try verifiedCheckpoint(checkpoint)
            guard ProofVerification.verifyInclusion(leaf: MerkleHash.leaf(bytes), index: seq, size: tree.size, proof: proof, root: tree.root) else {
                throw Self.invalid("\(what) is not in the tree the log key signed (size \(tree.size))")
            }
            remember(fact)
        }
        do { return try LogEntry(bytes: bytes) } catch { throw Self.invalid("\(what) does not parse") }
    }

    /// The checkpoint's signature under the log key, and its body (the row's size and root are
    /// not trusted: they are read from the signed text).
    private func verifiedCheckpoint(_ cp: StoredCheckpoint) throws(BrokerError) -> Checkpoint {
        let text: String
        do { text = try verifier.open(cp.note) } catch { throw Self.invalid("the latest checkpoint is not signed by this broker's log key") }
        do {
            let checkpoint = try Checkpoint(body: text)
            guard checkpoint.origin == verifier.name else { throw Self.invalid("the latest checkpoint names another log") }
            return checkpoint
        } catch let e as BrokerError {
            throw e
        } catch {
            throw Self.invalid("the latest checkpoint does not parse")
        }
    }

    static func invalid(_ message: String) -> BrokerError {
        BrokerError(.stateInvalid, "the database does not match the signed record: \(message); nothing was released (see the operator's log)")
    }
}
