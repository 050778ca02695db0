import Attestation
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import TransparencyLog
import Vault

/// The workload side of key release, against an in-process broker: what `leasehold demo` and
/// the tests run. (Over HTTP, `LeaseholdClient` does the same steps.) It makes a one-time key,
/// binds it with the nonce and the lease into its evidence, asks for the keys, opens them, and
/// checks that its grant is on the log before it trusts anything it received.
public struct LocalWorkload: Sendable {
    public struct Received: Sendable {
        public var keys: [String: DataKey]
        public var response: GrantResponse
        /// The MAC key for receipts and release.
        public var receiptKey: SymmetricKey
    }

    /// Produces evidence for `reportData` (sandbox: `SandboxEvidence`; tests: a real report).
    public typealias EvidenceMaker = @Sendable (_ reportData: [UInt8], _ nonce: [UInt8], _ publicKey: [UInt8]) throws -> (tee: String, evidence: [UInt8], collateral: [[UInt8]])

    public var broker: Broker
    public var suite: KeyWrapSuite

    public init(broker: Broker, suite: KeyWrapSuite = .default) {
        self.broker = broker
        self.suite = suite
    }

    public static func sandbox(measurement: [UInt8], debug: Bool = false) -> EvidenceMaker {
        { reportData, _, _ in ("sandbox", try SandboxEvidence(measurement: measurement, reportData: reportData, debug: debug).signed(), []) }
    }

    public func fetch(owner: String, leaseId: String, evidence make: EvidenceMaker) async throws -> Received {
        let challenge = try await broker.challenge(owner: owner, leaseId: leaseId)
        let pair = try KeyWrapKeyPair.generate(suite: suite)
        guard let nonce = Base64.decodeCanonical(challenge.nonce), let digest = Hex.decode(challenge.manifestDigest) else {
            throw BrokerError(.internal, "malformed challenge")
        }
        let binding = LeaseBinding(nonce: nonce, suiteID: suite.id, publicKey: pair.publicKey, owner: owner, leaseID: leaseId, manifestDigest: digest)
        let e = try make(binding.reportData, nonce, pair.publicKey)
        let response = try await broker.grant(owner: owner, leaseId: leaseId, GrantRequest(
            tee: e.tee, evidence: Base64.encode(e.evidence), collateral: e.collateral.isEmpty ? nil : e.collateral.map { Base64.encode($0) },
            nonce: challenge.nonce, suite: suite.id, publicKey: Base64.encode(pair.publicKey)))
        try Self.checkReceipt(response.receipt, logKey: broker.logVerifierKey)
        do {
            _ = try response.receipt.checkEntry(owner: owner, leaseId: leaseId, grantId: response.grantId,
                                                keys: response.keys, publicKey: pair.publicKey)
        } catch {
            throw BrokerError(.internal, "the grant's receipt is not this grant's entry: \(error.description); do not trust these keys")
        }
        var keys = [String: DataKey]()
        var mac: DataKey?
        for k in response.keys {
            let info = LeaseBinding.grantInfo(owner: owner, leaseID: leaseId, keyID: k.keyId, notAfter: response.notAfter)
            if mac == nil {
                (keys[k.keyId], mac) = try pair.open(try Self.wrapped(k), info: info, exporting: ReceiptMAC.receiptKeyContext)
            } else {
                keys[k.keyId] = try pair.open(try Self.wrapped(k), info: info)
            }
        }
        guard let mac else { throw BrokerError(.internal, "the grant holds no key") }
        return Received(keys: keys, response: response, receiptKey: mac.withUnsafeBytes { SymmetricKey(data: $0) })
    }

    static func wrapped(_ k: GrantedKey) throws -> WrappedKey {
        guard let enc = Base64.decodeCanonical(k.encapsulatedKey), let ct = Base64.decodeCanonical(k.ciphertext) else {
            throw BrokerError(.internal, "malformed sealed key")
        }
        return WrappedKey(encapsulatedKey: enc, ciphertext: ct)
    }

    /// Verifies that the grant's log entry is included in a checkpoint signed by the log key.
    public static func checkReceipt(_ r: GrantReceipt, logKey: String) throws {
        let verifier = try NoteVerifier(encoded: logKey)
        let cp = try Checkpoint(body: try verifier.open(r.checkpoint))
        guard let leaf = LogHash(base64: r.leafHash) else { throw BrokerError(.internal, "malformed receipt leaf hash") }
        let proof = try r.inclusionProof.map { s throws -> LogHash in
            guard let h = LogHash(base64: s) else { throw BrokerError(.internal, "malformed receipt proof") }
            return h
        }
        guard ProofVerification.verifyInclusion(leaf: leaf, index: r.logIndex, size: cp.size, proof: proof, root: cp.root) else {
            throw BrokerError(.internal, "the grant's receipt does not prove its log entry: do not trust these keys")
        }
    }

    /// Sends an authenticated receipt (`output` with a digest, or `shredded`) or the release.
    public func report(op: String, owner: String, leaseId: String, received: Received, kind: String, outputDigest: String? = nil, at time: Date) async throws -> LogIndexResponse {
        var r = WorkloadReceipt(grantId: received.response.grantId, kind: kind, outputDigest: outputDigest, time: RFC3339.format(time), mac: "")
        r.mac = ReceiptMAC.mac(key: received.receiptKey, op: op, owner: owner, leaseId: leaseId, receipt: r)
        return op == "release" ? try await broker.release(owner: owner, leaseId: leaseId, r) : try await broker.receipt(owner: owner, leaseId: leaseId, r)
    }
}
