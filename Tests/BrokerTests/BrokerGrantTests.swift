import Codecs
import Crypto
import Attestation
import BrokerHTTP
import Foundation
import Synchronization
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdClient
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

@Suite struct BrokerGrantTests {
    @Test func aMatchingWorkloadGetsTheOwnersKeyWithAProofOfItsGrant() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let got = try await h.fetch("l1")
        #expect(got.keys[h.keyId] == h.dataKey)
        let entries = try await h.entries()
        let granted = entries.filter { $0.kind == "key.granted" }
        #expect(granted.count == 1)
        #expect(granted.first?.seq == got.response.receipt.logIndex)
        // No secret in the log: the key's bytes appear in no entry.
        let keyHex = h.dataKey.withUnsafeBytes { Hex.encode(Array($0)) }
        let keyB64 = h.dataKey.withUnsafeBytes { Base64.encode(Array($0)) }
        for raw in try await h.broker.logEntries(start: 0, limit: 1000) {
            let s = String(decoding: raw, as: UTF8.self)
            #expect(!s.contains(keyHex) && !s.contains(keyB64))
        }
        let status = try await h.broker.leaseStatus(owner: h.owner, leaseId: "l1")
        #expect(status.grantsIssued == 1 && status.state == "active")
        #expect(try h.audit().entries == UInt64(entries.count))
    }

    @Test func theXWingSuiteWorksToo() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("pq"))
        let got = try await LocalWorkload(broker: h.broker, suite: .xwingSHA256AES256GCM)
            .fetch(owner: h.owner, leaseId: "pq", evidence: EvidenceProviders.sandbox(measurement: BrokerHarness.measurement))
        #expect(got.keys[h.keyId] == h.dataKey)
    }

    @Test func theWrongMeasurementIsRefusedAndLogged() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        await expectRefusal(.measurementMismatch) { _ = try await h.fetch("l1", measurement: [UInt8](repeating: 1, count: 48)) }
        let denied = try await h.entries().filter { $0.kind == "key.denied" }
        #expect(denied.count == 1)
        #expect(denied.first?.fields["reason"]?.stringValue == "measurement-mismatch")
        #expect(try await h.broker.leaseStatus(owner: h.owner, leaseId: "l1").grantsIssued == 0)
    }

    @Test func debugSandboxEvidenceIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        await expectRefusal(.debugNotAllowed) {
            _ = try await LocalWorkload(broker: h.broker).fetch(
                owner: h.owner, leaseId: "l1",
                evidence: EvidenceProviders.sandbox(measurement: BrokerHarness.measurement, debug: true))
        }
    }

    @Test func aNonceIsSingleUseEvenAfterARefusal() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let pair = try KeyWrapKeyPair.generate()
        func request(_ m: [UInt8]) throws -> GrantRequest { try h.grantRequest(ch, leaseId: "l1", pair: pair, measurement: m) }
        await expectRefusal(.measurementMismatch) {
            _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", try request([UInt8](repeating: 7, count: 48)))
        }
        // The same nonce with now-correct evidence: already consumed.
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", try request(BrokerHarness.measurement)) }
        // A fresh nonce works, and replaying the successful request fails.
        let ok = try await h.fetch("l1")
        #expect(ok.keys[h.keyId] == h.dataKey)
    }

    @Test func aReplayedGrantRequestIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let req = try await h.grantedRequest("l1")
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", req) }
        // An expired nonce.
        let ch2 = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        h.clock.advance(61)
        var late = req
        late.nonce = ch2.nonce
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", late) }
    }

    @Test func twoConcurrentRequestsWithOneNonceGetOneGrant() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let req = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        let broker = h.broker, owner = h.owner
        let outcomes = await withTaskGroup(of: BrokerError.Code?.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    do { _ = try await broker.grant(owner: owner, leaseId: "l1", req); return nil } catch let e as BrokerError { return e.code } catch
                    { return .internal }
                }
            }
            return await group.reduce(into: [BrokerError.Code?]()) { $0.append($1) }
        }
        #expect(outcomes.filter { $0 == nil }.count == 1)
        #expect(outcomes.filter { $0 == BrokerError.Code.nonceInvalid }.count == 7)
        #expect(try await h.broker.leaseStatus(owner: owner, leaseId: "l1").grantsIssued == 1)
        _ = try h.audit()
    }

    @Test func aNonceIsGoodOnlyForItsLeaseAndOnlyAsIssued() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        try await h.issue(h.manifest("l2"))
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        // Evidence correctly bound to l2 (so only the nonce is wrong), with l1's nonce.
        let elsewhere = try h.grantRequest(ch, leaseId: "l2", pair: try KeyWrapKeyPair.generate())
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l2", elsewhere) }
        // One bit changed anywhere in the nonce (here its expiry) makes it unknown.
        var bytes = Base64.decodeCanonical(ch.nonce)!
        bytes[30] ^= 0x01
        var altered = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        altered.nonce = Base64.encode(bytes)
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", altered) }
        // Neither nonce is one this broker issued for that lease: refused, and nothing logged
        // (SECURITY-REVIEW-2026-12, H2: the log grows only for a genuine, unused nonce).
        let denied = try await h.entries().filter { $0.kind == "key.denied" }
        #expect(denied.isEmpty)
        // The untouched nonce still works for its own lease: neither refusal used it up.
        let good = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", good)
    }

    @Test func aChallengeSurvivesARestartButNotAnotherRootKey() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let req = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        let restarted = try await Broker.open(h.broker.configuration)
        _ = try await restarted.grant(owner: h.owner, leaseId: "l1", req)
        let other = Broker(
            configuration: restarted.configuration, store: restarted.store, signer: restarted.signer, vault: restarted.vault,
            vaultRecipient: restarted.vaultRecipient, adminToken: restarted.adminToken, verifiers: restarted.verifiers,
            challengeKey: SymmetricKey(size: .bits256), rowMAC: restarted.rowMAC)
        let ch2 = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let req2 = try h.grantRequest(ch2, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        await expectRefusal(.nonceInvalid) { _ = try await other.grant(owner: h.owner, leaseId: "l1", req2) }
    }

    /// A captured vault put, revoke or receipt sent again inside its time window is refused:
    /// an old key replayed after a rotation must not become the newest version again.
    @Test func signedRequestsAndReceiptsAreGoodOnce() async throws {
        let h = try await BrokerHarness.make()
        let vaultKey = Base64.decodeCanonical(h.broker.info().vaultPublicKeys[KeyWrapSuite.default.id]!)!
        func put(_ key: DataKey, at time: Date) throws -> SignedOwnerRequest {
            let sealed = try VaultPut.seal(key, owner: h.owner, keyId: h.keyId, vaultPublicKey: vaultKey)
            return try OwnerRequestSigning.sign(
                [
                    "op": .string("vault.put"), "owner": .string(h.owner), "keyId": .string(h.keyId), "suite": .string(KeyWrapSuite.default.id),
                    "encapsulatedKey": .string(Base64.encode(sealed.encapsulatedKey)), "ciphertext": .string(Base64.encode(sealed.ciphertext)),
                ], key: h.ownerKey, at: time, broker: h.broker.logVerifierKey)
        }
        let old = try DataKey.generate(), rotated = try DataKey.generate()
        let captured = try put(old, at: h.clock.now)
        _ = try await h.broker.putKey(owner: h.owner, keyId: h.keyId, captured)
        h.clock.advance(1)
        _ = try await h.broker.putKey(owner: h.owner, keyId: h.keyId, try put(rotated, at: h.clock.now))
        h.clock.advance(1)
        await expectRefusal(.requestReplayed) { _ = try await h.broker.putKey(owner: h.owner, keyId: h.keyId, captured) }
        try await h.issue(h.manifest("l1"))
        let got = try await h.fetch("l1")
        #expect(got.keys[h.keyId] == rotated)

        // A receipt, then the same receipt again.
        let time = RFC3339.format(h.clock.now)
        var receipt = WorkloadReceipt(grantId: got.response.grantId, kind: "shredded", outputDigest: nil, time: time, signature: "")
        receipt.signature = Base64.encode(
            try got.signingKey.signature(for: ReceiptSignature.message(op: "receipt", owner: h.owner, leaseId: "l1", receipt: receipt)))
        _ = try await h.broker.receipt(owner: h.owner, leaseId: "l1", receipt)
        await expectRefusal(.requestReplayed) { _ = try await h.broker.receipt(owner: h.owner, leaseId: "l1", receipt) }

        // A revoke, replayed: refused as a replay before the lease's state is even looked at.
        let revoke = try h.revokeRequest("l1")
        _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", revoke)
        await expectRefusal(.requestReplayed) { _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", revoke) }
        let kinds = try await h.entries().map(\.kind)
        #expect(kinds.filter { $0 == "receipt" }.count == 1)
        #expect(kinds.filter { $0 == "vault.key.put" }.count == 3)  // the harness's own, the captured one, the rotation
        _ = try h.audit()
    }

    @Test func evidenceBoundToAnotherKeyIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        // Genuine evidence for the workload's key, but the request asks for the keys sealed to another key.
        let req = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate(), requestKey: try KeyWrapKeyPair.generate())
        await expectRefusal(.reportDataMismatch) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", req) }
    }

    @Test func sandboxIsRefusedUnlessTheBrokerAllowsIt() async throws {
        // A lease issued while sandbox was allowed, then the broker restarted without it (or a
        // replica without it serves the same database): the evidence is still refused.
        let allowed = try await BrokerHarness.make(allowSandbox: true)
        try await allowed.issue(allowed.manifest("l1"))
        var config = allowed.broker.configuration
        config.allowSandbox = false
        let strict = try await Broker.open(config)
        #expect(!strict.info().tees.contains("sandbox"))
        let ch = try await strict.challenge(owner: allowed.owner, leaseId: "l1")
        let req = try allowed.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
        await expectRefusal(.teeNotAllowed) { _ = try await strict.grant(owner: allowed.owner, leaseId: "l1", req) }
        await strict.close()
    }

    @Test func revokedExhaustedAndExpiredLeasesAreRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("rev"))
        _ = try await h.broker.revoke(owner: h.owner, leaseId: "rev", try h.revokeRequest("rev"))
        await expectRefusal(.leaseRevoked) { _ = try await h.fetch("rev") }

        try await h.issue(h.manifest("one", maxGrants: 1))
        _ = try await h.fetch("one")
        await expectRefusal(.leaseExhausted) { _ = try await h.fetch("one") }

        try await h.issue(h.manifest("short", ttl: "90s"))
        h.clock.advance(91)
        await expectRefusal(.leaseExpired) { _ = try await h.fetch("short") }  // enforced before any sweep
        // Revoking a lease that already ended says how it ended (403, documented on revoke).
        await expectRefusal(.leaseRevoked) { _ = try await h.broker.revoke(owner: h.owner, leaseId: "rev", try h.revokeRequest("rev")) }
        await expectRefusal(.leaseExpired) { _ = try await h.broker.revoke(owner: h.owner, leaseId: "short", try h.revokeRequest("short")) }
        _ = try h.audit()
    }

    @Test func aLeaseNotYetValidIsRefused() async throws {
        let h = try await BrokerHarness.make()
        var m = h.manifest("later")
        m.notBefore = Int64(h.clock.now.timeIntervalSince1970) + 3600
        try await h.issue(m)
        await expectRefusal(.leaseNotYetValid) { _ = try await h.fetch("later") }
    }

    @Test func aRevokeSignedByAnotherKeyOrStaleIsRefused() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let other = try OwnerSigningKey.generate()
        let forged = try OwnerRequestSigning.sign(
            ["op": .string("lease.revoke"), "owner": .string(h.owner), "leaseId": .string("l1")], key: other, at: h.clock.now,
            broker: h.broker.logVerifierKey)
        await expectRefusal(.signatureInvalid) { _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", forged) }
        let old = try h.revokeRequest("l1")
        h.clock.advance(600)
        await expectRefusal(.requestStale) { _ = try await h.broker.revoke(owner: h.owner, leaseId: "l1", old) }
        #expect(try await h.broker.leaseStatus(owner: h.owner, leaseId: "l1").state != "revoked")
    }

    @Test func receiptsAndReleaseNeedTheGrantsSigningKey() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let got = try await h.fetch("l1")
        let w = LocalWorkload(broker: h.broker)
        _ = try await w.report(
            op: "receipt", owner: h.owner, leaseId: "l1", received: got, kind: "output", outputDigest: String(repeating: "ab", count: 32),
            at: h.clock.now)
        var forged = got
        forged.signingKey = try ReceiptSigningKey(scheme: .ed25519)
        await expectRefusal(.signatureInvalid) {
            _ = try await w.report(op: "release", owner: h.owner, leaseId: "l1", received: forged, kind: "shredded", at: h.clock.now)
        }
        _ = try await w.report(op: "release", owner: h.owner, leaseId: "l1", received: got, kind: "shredded", at: h.clock.now)
        await expectRefusal(.leaseReleased) { _ = try await h.fetch("l1") }
        let kinds = try await h.entries().map(\.kind)
        #expect(kinds.contains("receipt") && kinds.contains("lease.released"))
    }
}
