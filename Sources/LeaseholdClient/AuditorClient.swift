import LeaseholdAPI
import Foundation
import TransparencyLog

/// What an auditor reads from a broker: checkpoints, entries and proofs, each verified here
/// with the log key the auditor trusts, not the one the broker would tell them.
public struct AuditorClient: Sendable {
    public let connection: BrokerConnection
    public let logKey: NoteVerifier
    /// An auditor (or the admin) token: reading entries needs one unless the broker runs
    /// with `--public-log`. Checkpoints and proofs are public.
    public var token: String?

    public init(_ connection: BrokerConnection, logKey: NoteVerifier, token: String? = nil) {
        self.connection = connection
        self.logKey = logKey
        self.token = token
    }

    /// `GET /v1/log/checkpoint`, the signed note exactly as served.
    public func checkpointNote() async throws(LeaseholdClientError) -> String {
        let bytes = try await connection.send("GET", ["v1", "log", "checkpoint"])
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "the checkpoint is not UTF-8")
        }
        return text
    }

    /// The latest checkpoint, signature and origin verified.
    public func checkpoint() async throws(LeaseholdClientError) -> Checkpoint {
        try GrantReceiptVerifier.verifiedCheckpoint(try await checkpointNote(), logKey: logKey)
    }

    /// `GET /v1/log/entries`: up to `limit` entries from `start`, each its exact stored bytes.
    public func entries(start: UInt64, limit: Int = 100) async throws(LeaseholdClientError) -> [[UInt8]] {
        let body = try await connection.send(
            "GET", ["v1", "log", "entries"],
            query: [
                URLQueryItem(name: "start", value: String(start)), URLQueryItem(name: "limit", value: String(limit)),
            ], headers: token.map { ["Authorization": "Bearer " + $0] } ?? [:])
        return try Self.splitLines(body)
    }

    /// JSON Lines: every line ends in "\n"; the lines are the entries.
    static func splitLines(_ body: [UInt8]) throws(LeaseholdClientError) -> [[UInt8]] {
        guard body.isEmpty || body.last == 0x0A else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "the entries do not end with a line break")
        }
        return body.split(separator: 0x0A, omittingEmptySubsequences: false).dropLast().map(Array.init)
    }

    /// `GET /v1/log/proof/inclusion?index=N`.
    public func inclusionProof(index: UInt64) async throws(LeaseholdClientError) -> InclusionProofResponse {
        try await connection.json(
            InclusionProofResponse.self, "GET", ["v1", "log", "proof", "inclusion"],
            query: [URLQueryItem(name: "index", value: String(index))])
    }

    /// `GET /v1/log/proof/consistency?old=M`.
    public func consistencyProof(old: UInt64) async throws(LeaseholdClientError) -> ConsistencyProofResponse {
        try await connection.json(
            ConsistencyProofResponse.self, "GET", ["v1", "log", "proof", "consistency"],
            query: [URLQueryItem(name: "old", value: String(old))])
    }

    /// Checks that `entry` is at `index` in the tree of `checkpoint`, with a proof from the broker.
    public func verifyInclusion(entry: [UInt8], index: UInt64, in checkpoint: Checkpoint) async throws(LeaseholdClientError) {
        let proof = try await inclusionProof(index: index)
        guard proof.treeSize == checkpoint.size, proof.leafIndex == index else {
            throw GrantReceiptVerifier.invalid(
                "the proof is for entry \(proof.leafIndex) in a tree of \(proof.treeSize), not \(index) in \(checkpoint.size)")
        }
        let leaf = MerkleHash.leaf(entry)
        guard
            ProofVerification.verifyInclusion(
                leaf: leaf, index: index, size: checkpoint.size,
                proof: try GrantReceiptVerifier.hashes(proof.inclusionProof), root: checkpoint.root)
        else {
            throw GrantReceiptVerifier.invalid("entry \(index) is not in the checkpoint's tree")
        }
    }

    /// Checks that the log at `old` (size and root the auditor kept) is a prefix of `checkpoint`.
    public func verifyConsistency(oldSize: UInt64, oldRoot: LogHash, to checkpoint: Checkpoint) async throws(LeaseholdClientError) {
        let proof = try await consistencyProof(old: oldSize)
        guard
            ProofVerification.verifyConsistency(
                oldSize: oldSize, oldRoot: oldRoot, newSize: checkpoint.size, newRoot: checkpoint.root,
                proof: try GrantReceiptVerifier.hashes(proof.consistencyProof))
        else {
            throw GrantReceiptVerifier.invalid(
                "the log of size \(checkpoint.size) is not an extension of the one of size \(oldSize) the auditor kept")
        }
    }
}
