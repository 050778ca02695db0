import Codecs
import Attestation
import BrokerHTTP
import Foundation
import Synchronization
import LeaseholdTestSupport
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdClient
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// A broker on a fresh temporary directory with a movable clock, one owner and one key.
final class BrokerHarness: Sendable {
    /// The temporary directory and the broker it was opened on (removed with the harness).
    let base: TestBroker
    var dir: String { base.directory }
    let clock: TestClock
    let broker: Broker
    let ownerKey: OwnerSigningKey
    let dataKey: DataKey
    let owner = "acme"
    let keyId = "k1"
    static let measurement = [UInt8](repeating: 0x5a, count: 48)

    /// `store` wraps the broker's SQLite store (a failing or slow one) for fault tests.
    static func make(allowSandbox: Bool = true, start: Date = Date(), store: ((SQLiteStore) -> any BrokerStore)? = nil) async throws -> BrokerHarness
    {
        let clock = TestClock(start)
        let base = try await TestBroker.make(allowSandbox: allowSandbox, clock: { clock.now })
        var broker = base.broker
        if let store {
            let config = broker.configuration
            let sqlite = try SQLiteStore.open(path: config.databasePath)
            broker = Broker(
                configuration: config, store: store(sqlite), signer: broker.signer, vault: broker.vault,
                vaultRecipient: broker.vaultRecipient, adminToken: broker.adminToken, verifiers: broker.verifiers,
                challengeKey: broker.challengeKey, rowMAC: broker.rowMAC)
        }
        let h = BrokerHarness(base: base, clock: clock, broker: broker, ownerKey: try OwnerSigningKey.generate(), dataKey: try DataKey.generate())
        try await h.setUp()
        return h
    }

    init(base: TestBroker, clock: TestClock, broker: Broker, ownerKey: OwnerSigningKey, dataKey: DataKey) {
        self.base = base
        self.clock = clock
        self.broker = broker
        self.ownerKey = ownerKey
        self.dataKey = dataKey
    }

    var adminToken: String {
        (try? String(contentsOfFile: broker.configuration.adminTokenPath, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }

    func setUp() async throws {
        _ = try await broker.registerOwner(RegisterOwnerRequest(owner: owner, publicKey: ownerKey.publicKey.text), adminToken: adminToken)
        let vaultKey = Base64.decodeCanonical(broker.info().vaultPublicKeys[KeyWrapSuite.default.id]!)!
        let sealed = try VaultPut.seal(dataKey, owner: owner, keyId: keyId, vaultPublicKey: vaultKey)
        _ = try await broker.putKey(
            owner: owner, keyId: keyId,
            try OwnerRequestSigning.sign(
                [
                    "op": .string("vault.put"), "owner": .string(owner), "keyId": .string(keyId), "suite": .string(KeyWrapSuite.default.id),
                    "encapsulatedKey": .string(Base64.encode(sealed.encapsulatedKey)), "ciphertext": .string(Base64.encode(sealed.ciphertext)),
                ], key: ownerKey, at: clock.now, broker: broker.logVerifierKey))
    }

    func manifest(_ leaseId: String, ttl: String = "1h", maxGrants: Int64 = 5, workloads: [WorkloadEntry]? = nil) -> LeaseManifest {
        LeaseManifest(
            owner: owner, leaseId: leaseId, purpose: "test", expiry: .ttl(LeaseManifest.Duration(ttl)!), maxGrants: maxGrants,
            keys: [keyId], workloads: workloads ?? [.sandbox(SandboxWorkload(measurement: Self.measurement))])
    }

    @discardableResult
    func issue(_ m: LeaseManifest) async throws -> LeaseStatus {
        try await broker.issueLease(envelope: try ManifestEnvelope.sign(m, with: ownerKey).json)
    }

    func fetch(_ leaseId: String, measurement: [UInt8] = BrokerHarness.measurement) async throws -> LocalWorkload.Received {
        try await LocalWorkload(broker: broker).fetch(owner: owner, leaseId: leaseId, evidence: EvidenceProviders.sandbox(measurement: measurement))
    }

    /// A grant request built by hand from challenge `ch`: sandbox evidence claiming
    /// `measurement`, bound to `pair`'s key; `requestKey` (default `pair`) is the key the
    /// request asks the keys to be sealed to.
    /// `signingKey` is the receipt key bound into the evidence; `requestSigningKey` (default
    /// the same) is the one the request names.
    func grantRequest(
        _ ch: ChallengeResponse, leaseId: String, pair: KeyWrapKeyPair, measurement: [UInt8] = BrokerHarness.measurement,
        requestKey: KeyWrapKeyPair? = nil, signingKey: String? = nil, requestSigningKey: String?? = .none
    ) throws -> GrantRequest {
        let binding = LeaseBinding(
            nonce: Base64.decodeCanonical(ch.nonce)!, suiteID: pair.suite.id, publicKey: pair.publicKey,
            owner: owner, leaseID: leaseId, manifestDigest: Hex.decode(ch.manifestDigest)!, signingKey: signingKey)
        return GrantRequest(
            tee: "sandbox", evidence: Base64.encode(try SandboxEvidence(measurement: measurement, reportData: binding.reportData).signed()),
            collateral: nil, nonce: ch.nonce, suite: pair.suite.id, publicKey: Base64.encode((requestKey ?? pair).publicKey),
            signingKey: requestSigningKey ?? signingKey)
    }

    /// A grant request for a fresh challenge, granted once; returned for a replay.
    func grantedRequest(_ leaseId: String) async throws -> GrantRequest {
        let ch = try await broker.challenge(owner: owner, leaseId: leaseId)
        let request = try grantRequest(ch, leaseId: leaseId, pair: try KeyWrapKeyPair.generate())
        _ = try await broker.grant(owner: owner, leaseId: leaseId, request)
        return request
    }

    func revokeRequest(_ leaseId: String) throws -> SignedOwnerRequest {
        try OwnerRequestSigning.sign(
            ["op": .string("lease.revoke"), "owner": .string(owner), "leaseId": .string(leaseId)], key: ownerKey, at: clock.now,
            broker: broker.logVerifierKey)
    }

    /// All log entries, parsed.
    func entries() async throws -> [LogEntry] {
        try await broker.logEntries(start: 0, limit: 1000).map { try LogEntry(bytes: $0) }
    }

    /// Audits the log from the database file with the lease invariants, as `audit verify` does.
    func audit() throws -> AuditSummary {
        let store = try SQLiteStore.openForAudit(path: broker.configuration.databasePath)
        var checker = LeaseInvariantChecker()
        let s = try store.read { tx in
            try tx.auditLog(trustedKey: try NoteVerifier(encoded: broker.logVerifierKey)) { e throws(LogAuditor.Failure) in
                do throws(LeaseInvariantChecker.Violation) { try checker.consume(e) } catch {
                    throw LogAuditor.Failure(seq: error.seq, message: error.message)
                }
            }
        }
        try checker.finish()
        return s
    }
}

/// Expects `body` to throw a BrokerError with `code`.
func expectRefusal(
    _ code: BrokerError.Code, _ comment: Comment? = nil, sourceLocation: SourceLocation = #_sourceLocation, _ body: () async throws -> Void
) async {
    do {
        try await body()
        Issue.record("expected \(code.rawValue), got success. \(comment?.description ?? "")", sourceLocation: sourceLocation)
    } catch let e as BrokerError {
        #expect(e.code == code, "\(e)", sourceLocation: sourceLocation)
    } catch {
        Issue.record("expected \(code.rawValue), got \(error)", sourceLocation: sourceLocation)
    }
}
