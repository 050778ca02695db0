import Codecs
import BrokerHTTP
import Foundation
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdClient
import LeaseholdCore
import TransparencyLog
import Vault

/// CRYPTO-REVIEW-2026-12 M3: receipts and releases are signed by the workload's one-time key,
/// which its evidence vouches for; the broker checks them against the grant's logged key, and
/// the auditor checks every one in the log, so neither the broker nor the log-key holder can
/// make one.
@Suite struct ReceiptSignatureTests {
    static let digest = String(repeating: "ab", count: 32)

    func signed(
        _ op: String, _ h: BrokerHarness, _ leaseId: String, grantId: String, kind: String, digest: String? = nil,
        key: ReceiptSigningKey
    ) throws -> WorkloadReceipt {
        var r = WorkloadReceipt(grantId: grantId, kind: kind, outputDigest: digest, time: RFC3339.format(h.clock.now), signature: "")
        r.signature = Base64.encode(try key.signature(for: ReceiptSignature.message(op: op, owner: h.owner, leaseId: leaseId, receipt: r)))
        return r
    }

    @Test func theGrantEntryNamesTheSigningKeyAndTheReceiptCarriesItsSignature() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let got = try await h.fetch("l1")
        let granted = try #require(try await h.entries().first { $0.kind == "key.granted" })
        #expect(granted.fields["signingKey"]?.stringValue == got.signingKey.publicKey.text)
        let receipt = try signed("receipt", h, "l1", grantId: got.response.grantId, kind: "output", digest: Self.digest, key: got.signingKey)
        _ = try await h.broker.receipt(owner: h.owner, leaseId: "l1", receipt)
        let logged = try #require(try await h.entries().last)
        #expect(logged.kind == "receipt")
        #expect(logged.fields["signature"]?.stringValue == receipt.signature)
        #expect(logged.fields["receiptTime"]?.stringValue == receipt.time)
        // A receipt signed for release is not a receipt, and the other way round.
        let asRelease = try signed("release", h, "l1", grantId: got.response.grantId, kind: "output", digest: Self.digest, key: got.signingKey)
        await expectRefusal(.signatureInvalid) { _ = try await h.broker.receipt(owner: h.owner, leaseId: "l1", asRelease) }
        #expect(try h.audit().entries > 0)
    }

    @Test func aRequestWhoseSigningKeyWasSwappedDoesNotMatchItsEvidence() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let mine = try ReceiptSigningKey(scheme: .ed25519).publicKey.text
        let theirs = try ReceiptSigningKey(scheme: .ed25519).publicKey.text
        let pair = try KeyWrapKeyPair.generate(suite: .default)
        // A man in the middle puts its own receipt key in the request (so it could sign
        // receipts for the workload): the evidence bound the workload's.
        let swapped = try h.grantRequest(
            try await h.broker.challenge(owner: h.owner, leaseId: "l1"), leaseId: "l1", pair: pair,
            signingKey: mine, requestSigningKey: theirs)
        await expectRefusal(.reportDataMismatch) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", swapped) }
        // Or strips it.
        let stripped = try h.grantRequest(
            try await h.broker.challenge(owner: h.owner, leaseId: "l1"), leaseId: "l1", pair: pair,
            signingKey: mine, requestSigningKey: .some(nil))
        await expectRefusal(.reportDataMismatch) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", stripped) }
        let malformed = try h.grantRequest(
            try await h.broker.challenge(owner: h.owner, leaseId: "l1"), leaseId: "l1", pair: pair,
            signingKey: mine, requestSigningKey: "ed25519:AAAA")
        await expectRefusal(.badRequest) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", malformed) }
    }

    @Test func aGrantWithoutASigningKeyCannotPostReceiptsAndAReceiptsRequiredLeaseRefusesIt() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let pair = try KeyWrapKeyPair.generate(suite: .default)
        let response = try await h.broker.grant(
            owner: h.owner, leaseId: "l1",
            try h.grantRequest(try await h.broker.challenge(owner: h.owner, leaseId: "l1"), leaseId: "l1", pair: pair))
        let anyKey = try ReceiptSigningKey(scheme: .ed25519)
        let receipt = try signed("receipt", h, "l1", grantId: response.grantId, kind: "shredded", key: anyKey)
        await expectRefusal(.signatureInvalid) { _ = try await h.broker.receipt(owner: h.owner, leaseId: "l1", receipt) }

        var required = h.manifest("l2")
        required.receipts = .required
        try await h.issue(required)
        let unsigned = try h.grantRequest(try await h.broker.challenge(owner: h.owner, leaseId: "l2"), leaseId: "l2", pair: pair)
        await expectRefusal(.badRequest) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l2", unsigned) }
        let denied = try #require(try await h.entries().last)
        #expect(denied.kind == "key.denied" && denied.fields["reason"]?.stringValue == "bad-request")
        _ = try await h.fetch("l2")  // the client signs: granted
    }

    @Test func aPostQuantumLeaseNeedsAPostQuantumReceiptKey() async throws {
        let h = try await BrokerHarness.make()
        var m = h.manifest("pq")
        m.suite = KeyWrapSuite.xwingSHA256AES256GCM.id
        try await h.issue(m)
        let pair = try KeyWrapKeyPair.generate(suite: .xwingSHA256AES256GCM)
        let classical = try ReceiptSigningKey(scheme: .ed25519).publicKey.text
        let request = try h.grantRequest(
            try await h.broker.challenge(owner: h.owner, leaseId: "pq"), leaseId: "pq", pair: pair, signingKey: classical)
        await expectRefusal(.suiteNotAllowed) { _ = try await h.broker.grant(owner: h.owner, leaseId: "pq", request) }
        let got = try await LocalWorkload(broker: h.broker, suite: .xwingSHA256AES256GCM)
            .fetch(owner: h.owner, leaseId: "pq", evidence: EvidenceProviders.sandbox(measurement: BrokerHarness.measurement))
        #expect(got.signingKey.publicKey.scheme == .mlDSA65)
        _ = try await LocalWorkload(broker: h.broker).report(
            op: "release", owner: h.owner, leaseId: "pq", received: got, kind: "shredded", at: h.clock.now)
        #expect(try h.audit().entries > 0)
    }

    /// What the log-key holder could append (its own receipt, or a real one with its
    /// signature stripped or moved to another grant) fails the auditor's check.
    @Test func theAuditorRefusesReceiptsTheWorkloadDidNotSign() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        try await h.issue(h.manifest("l2"))
        let got = try await h.fetch("l1")
        let other = try await h.fetch("l2")
        _ = try await h.broker.receipt(
            owner: h.owner, leaseId: "l1",
            try signed("receipt", h, "l1", grantId: got.response.grantId, kind: "shredded", key: got.signingKey))
        _ = try await LocalWorkload(broker: h.broker).report(
            op: "release", owner: h.owner, leaseId: "l1", received: got, kind: "shredded", at: h.clock.now)
        let entries = try await h.entries()
        func audit(_ entries: [LogEntry]) -> String? {
            var checker = LeaseInvariantChecker()
            do {
                for e in entries { try checker.consume(e) }
                try checker.finish()
                return nil
            } catch { return error.message }
        }
        #expect(audit(entries) == nil)
        let receiptAt = try #require(entries.firstIndex { $0.kind == "receipt" })
        let releaseAt = try #require(entries.firstIndex { $0.kind == "lease.released" })
        let forger = try ReceiptSigningKey(scheme: .ed25519)
        var tampered: [(String, [LogEntry])] = []
        for at in [receiptAt, releaseAt] {
            let e = entries[at]
            let op = e.kind == "receipt" ? "receipt" : "release"
            let message = ReceiptSignature.message(
                op: op, owner: h.owner, leaseId: "l1", grantId: got.response.grantId,
                kind: "shredded", time: e.fields["receiptTime"]?.stringValue ?? "", outputDigest: nil)
            var forged = entries
            forged[at].fields["signature"] = .string(Base64.encode(try forger.signature(for: message)))
            tampered.append(("\(e.kind) signed by another key", forged))
            var unsigned = entries
            unsigned[at].fields["signature"] = nil
            tampered.append(("\(e.kind) without a signature", unsigned))
            var retimed = entries
            retimed[at].fields["receiptTime"] = .string(RFC3339.format(h.clock.now.addingTimeInterval(60)))
            tampered.append(("\(e.kind) with another time", retimed))
            var elsewhere = entries
            elsewhere[at].fields["grantId"] = .string(other.response.grantId)
            tampered.append(("\(e.kind) moved to another lease's grant", elsewhere))
        }
        for (what, log) in tampered {
            #expect(audit(log) != nil, "\(what) passed the audit")
        }
    }

    /// The last grant's workload releases its exhausted lease (`maxGrants: 1`); its signed
    /// release with `kind: shredded` is the receipt a receipts-required lease asks for, and a
    /// release with an output digest logs the digest so the audit can check the signature.
    @Test func anExhaustedLeaseIsReleasedAndAShreddedReleaseCountsAsTheReceipt() async throws {
        let h = try await BrokerHarness.make()
        var m = h.manifest("one", maxGrants: 1)
        m.receipts = .required
        try await h.issue(m)
        let got = try await h.fetch("one")
        _ = try await LocalWorkload(broker: h.broker).report(
            op: "release", owner: h.owner, leaseId: "one", received: got, kind: "shredded", at: h.clock.now)
        await expectRefusal(.leaseReleased) { _ = try await h.fetch("one") }
        try await h.issue(h.manifest("out", maxGrants: 1))
        let out = try await h.fetch("out")
        _ = try await h.broker.release(
            owner: h.owner, leaseId: "out",
            try signed("release", h, "out", grantId: out.response.grantId, kind: "output", digest: Self.digest, key: out.signingKey))
        #expect(try await h.entries().last?.fields["outputDigest"]?.stringValue == Self.digest)
        h.clock.advance(7200)
        _ = try await h.broker.sweep()
        var checker = LeaseInvariantChecker()
        for e in try await h.entries() { try checker.consume(e) }
        try checker.finish()
        #expect(checker.findings.isEmpty, "\(checker.findings)")
    }

    /// Receipts and releases name a kind the protocol knows and hash digests in lowercase hex.
    @Test func receiptsAndReleasesHaveAFixedShape() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let got = try await h.fetch("l1")
        let id = got.response.grantId
        for (op, kind, digest) in [
            ("release", "weird", nil), ("release", "output", nil), ("receipt", "output", Self.digest.uppercased()),
            ("receipt", "shredded", "abc"), ("release", "shredded", Self.digest.uppercased()),
        ] {
            let r = try signed(op, h, "l1", grantId: id, kind: kind, digest: digest, key: got.signingKey)
            await expectRefusal(.badRequest, "\(op) \(kind) \(digest ?? "-")") {
                if op == "release" {
                    _ = try await h.broker.release(owner: h.owner, leaseId: "l1", r)
                } else {
                    _ = try await h.broker.receipt(owner: h.owner, leaseId: "l1", r)
                }
            }
        }
    }
}
