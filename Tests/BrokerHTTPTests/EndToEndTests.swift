import Codecs
import Broker
import LeaseholdAPI
import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LeaseholdClient
@testable import LeaseholdOwnerClient
import LeaseholdCore
import Logging
import LeaseholdTestSupport
import Testing
import TransparencyLog
import Vault

/// The whole lifecycle over real HTTP: a live server on loopback, driven by LeaseholdClient.
@Suite
struct EndToEndTests {
    let measurement = [UInt8](repeating: 0x5A, count: 48)

    struct Setup {
        var t: TestBroker
        var ownerKey: OwnerSigningKey
        var dataKey: DataKey
    }

    func live<T: Sendable>(maxGrants: Int64 = 5, _ body: @escaping @Sendable (BrokerConnection, Setup) async throws -> T) async throws -> T {
        let t = try await TestBroker.make()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        let ownerKey = try OwnerSigningKey.generate()
        let dataKey = try DataKey.generate()
        let token = try t.adminToken
        let m = measurement
        return try await app.test(.live) { client in
            let connection = try BrokerConnection("http://127.0.0.1:\(try #require(client.port))")
            let owner = OwnerClient(connection)
            _ = try await owner.register(owner: "acme", publicKey: ownerKey.publicKey, adminToken: token)
            _ = try await owner.putKey(owner: "acme", keyId: "k1", key: dataKey, signingKey: ownerKey)
            let manifest = LeaseManifest(
                owner: "acme", leaseId: "l1", purpose: "test", expiry: .ttl(.init("1h")!), maxGrants: maxGrants,
                keys: ["k1"], workloads: [.sandbox(SandboxWorkload(measurement: m))])
            let status = try await owner.issueLease(try ManifestEnvelope.sign(manifest, with: ownerKey))
            #expect(status.maxGrants == maxGrants)
            #expect(status.manifestDigest == Hex.encode(manifest.digest))
            return try await body(connection, Setup(t: t, ownerKey: ownerKey, dataKey: dataKey))
        }
    }

    func reason(_ body: () async throws -> Void) async -> String? {
        do { try await body(); return nil } catch { return (error as? LeaseholdClientError)?.reason ?? "\(error)" }
    }

    @Test func aMatchingWorkloadGetsTheKeyWithAVerifiedReceipt() async throws {
        try await live { connection, s in
            let grant = try await WorkloadClient(connection).fetch(
                owner: "acme", leaseId: "l1", evidence: EvidenceProviders.sandbox(measurement: measurement))
            #expect(grant.keys.map(\.keyId) == ["k1"])
            #expect(grant.keys.first?.key == s.dataKey)
            let status = try await OwnerClient(connection).leaseStatus(owner: "acme", leaseId: "l1")
            #expect(status.grantsIssued == 1)

            // The auditor finds the grant's entry, and it hashes to the receipt's leaf.
            let info = try await connection.info()
            // Entries need a reader's token (no --public-log): an auditor's, made by the admin.
            await #expect(throws: LeaseholdClientError.self) {
                _ = try await AuditorClient(connection, logKey: try NoteVerifier(encoded: info.logKey)).entries(start: 0, limit: 1)
            }
            let auditorToken = try #require(try await AdminClient(connection, adminToken: try s.t.adminToken).addAuditor(name: "e2e").token)
            let auditor = AuditorClient(connection, logKey: try NoteVerifier(encoded: info.logKey), token: auditorToken)
            let entry = try #require(try await auditor.entries(start: grant.receipt.logIndex, limit: 1).first)
            #expect(MerkleHash.leaf(entry).base64 == grant.receipt.leafHash)
            let checkpoint = try await auditor.checkpoint()
            try await auditor.verifyInclusion(entry: entry, index: grant.receipt.logIndex, in: checkpoint)
            try await auditor.verifyConsistency(oldSize: grant.checkpoint.size, oldRoot: grant.checkpoint.root, to: checkpoint)

            _ = try await WorkloadClient(connection).postReceipt(grant, kind: "output", outputDigest: String(repeating: "ab", count: 32))
            _ = try await WorkloadClient(connection).release(grant)
            let after = try await OwnerClient(connection).leaseStatus(owner: "acme", leaseId: "l1")
            #expect(after.state == "released")
        }
    }

    @Test func aWrongMeasurementIsRefusedWithItsReason() async throws {
        try await live { connection, _ in
            let r = await reason {
                _ = try await WorkloadClient(connection).fetch(
                    owner: "acme", leaseId: "l1",
                    evidence: EvidenceProviders.sandbox(measurement: [UInt8](repeating: 0x11, count: 48)))
            }
            #expect(r == "measurement-mismatch")
        }
    }

    @Test func evidenceBoundToAnotherKeyIsRefused() async throws {
        try await live { connection, _ in
            let m = measurement
            let r = await reason {
                _ = try await WorkloadClient(connection).fetch(owner: "acme", leaseId: "l1") { binding in
                    var other = binding
                    other.publicKey = [UInt8](repeating: 7, count: 32)
                    return try await EvidenceProviders.sandbox(measurement: m)(other)
                }
            }
            #expect(r == "report-data-mismatch")
        }
    }

    @Test func aRevokedLeaseReleasesNothing() async throws {
        try await live { connection, s in
            _ = try await OwnerClient(connection).revoke(owner: "acme", leaseId: "l1", signingKey: s.ownerKey)
            let r = await reason {
                _ = try await WorkloadClient(connection).fetch(
                    owner: "acme", leaseId: "l1", evidence: EvidenceProviders.sandbox(measurement: measurement))
            }
            #expect(r == "lease-revoked")
        }
    }

    @Test func revocationByAnotherKeyIsRefused() async throws {
        try await live { connection, _ in
            let r = await reason {
                _ = try await OwnerClient(connection).revoke(owner: "acme", leaseId: "l1", signingKey: try! OwnerSigningKey.generate())
            }
            #expect(r == "signature-invalid")
        }
    }

    @Test func maxGrantsIsEnforced() async throws {
        try await live(maxGrants: 1) { connection, _ in
            let client = WorkloadClient(connection)
            _ = try await client.fetch(owner: "acme", leaseId: "l1", evidence: EvidenceProviders.sandbox(measurement: measurement))
            let r = await reason {
                _ = try await client.fetch(owner: "acme", leaseId: "l1", evidence: EvidenceProviders.sandbox(measurement: measurement))
            }
            #expect(r == "lease-exhausted")
        }
    }

    @Test func aNonceIsSingleUseEvenAfterARefusal() async throws {
        try await live { connection, _ in
            let client = WorkloadClient(connection)
            let c = try await client.challenge(owner: "acme", leaseId: "l1")
            let keyPair = try KeyWrapKeyPair.generate()
            let binding = LeaseBinding(
                nonce: Base64.decodeCanonical(c.nonce)!, suiteID: keyPair.suite.id, publicKey: keyPair.publicKey,
                owner: "acme", leaseID: "l1", manifestDigest: Hex.decode(c.manifestDigest)!)
            let good = try await EvidenceProviders.sandbox(measurement: measurement)(binding)
            let bad = try await EvidenceProviders.sandbox(measurement: [UInt8](repeating: 1, count: 48))(binding)
            func grant(_ e: WorkloadEvidence) async -> String? {
                await reason {
                    let body = try! JSONEncoder().encode(
                        GrantRequest(
                            tee: "sandbox", evidence: Base64.encode(e.evidence), collateral: nil, nonce: c.nonce,
                            suite: keyPair.suite.id, publicKey: Base64.encode(keyPair.publicKey)))
                    _ = try await OwnerClient(connection).connection.json(
                        GrantResponse.self, "POST", ["v1", "leases", "acme", "l1", "grants"], body: Array(body))
                }
            }
            #expect(await grant(bad) == "measurement-mismatch")
            #expect(await grant(good) == "nonce-invalid")
        }
    }

    @Test func unknownLeaseAndOwnerAre404() async throws {
        try await live { connection, _ in
            let r = await reason { _ = try await OwnerClient(connection).leaseStatus(owner: "acme", leaseId: "nope") }
            #expect(r == "lease-not-found")
        }
    }

    @Test func theCheckpointIsServedAsASignedNote() async throws {
        try await live { connection, _ in
            let info = try await connection.info()
            let key = try NoteVerifier(encoded: info.logKey)
            let checkpoint = try await AuditorClient(connection, logKey: key).checkpoint()
            // owner.registered, vault.key.put, lease.issued at least.
            #expect(checkpoint.size >= 3)
            #expect(checkpoint.origin == key.name)
            #expect(info.tees.contains("sandbox"))
            #expect(info.vaultPublicKeys[KeyWrapSuite.default.id] != nil)
        }
    }
}
