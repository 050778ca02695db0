import Codecs
import Foundation
import LeaseholdAPI
import Testing
import TransparencyLog
@testable import LeaseholdCore

/// SECURITY-REVIEW-2026-12, L7: `receipts: required` is a signed promise, so the audit reports
/// each grant of such a lease that ended without its `shredded` receipt.
@Suite struct LeaseInvariantCheckerTests {
    let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    func entry(_ seq: UInt64, _ at: TimeInterval, _ kind: String, _ fields: [String: JSONValue] = [:]) -> LogEntry {
        LogEntry(
            seq: seq, time: t0.addingTimeInterval(at), kind: kind, owner: "acme", leaseId: "l1",
            prev: MerkleHash.emptyRoot, fields: fields)
    }

    func issued(receipts: String) -> LogEntry {
        entry(
            0, 0, "lease.issued",
            [
                "notBefore": .string(RFC3339.format(t0)), "notAfter": .string(RFC3339.format(t0.addingTimeInterval(3600))),
                "maxGrants": .int(5), "receipts": .string(receipts),
            ])
    }

    func run(_ entries: [LogEntry]) throws -> [String] {
        var c = LeaseInvariantChecker(expiryGrace: 300)
        for e in entries { try c.consume(e) }
        try c.finish()
        return c.findings
    }

    @Test func aRequiredReceiptThatNeverCameIsAFinding() throws {
        let key = try ReceiptSigningKey(scheme: .ed25519)
        let grants = [
            entry(1, 10, "key.granted", ["grantId": .string("g1"), "signingKey": .string(key.publicKey.text)]),
            entry(2, 20, "key.granted", ["grantId": .string("g2"), "signingKey": .string(key.publicKey.text)]),
        ]
        let time = RFC3339.format(t0.addingTimeInterval(30))
        let signature = try key.signature(
            for: ReceiptSignature.message(
                op: "receipt", owner: "acme", leaseId: "l1", grantId: "g1", kind: "shredded",
                time: time, outputDigest: nil))
        let shredded = entry(
            3, 30, "receipt",
            [
                "grantId": .string("g1"), "receiptKind": .string("shredded"), "receiptTime": .string(time),
                "signature": .string(Base64.encode(signature)),
            ])
        // Only the workload's signature makes it a receipt (CRYPTO-REVIEW M3).
        var unsigned = shredded
        unsigned.fields["signature"] = nil
        #expect(throws: LeaseInvariantChecker.Violation.self) { try run([issued(receipts: "required")] + grants + [unsigned]) }
        // A grant that named no signing key (a log from before signed receipts): its unsigned
        // receipt is a finding, not a violation, and does not count as shredded.
        let legacyGrant = entry(1, 10, "key.granted", ["grantId": .string("g1")])
        let legacyReceipt = entry(2, 30, "receipt", ["grantId": .string("g1"), "receiptKind": .string("shredded")])
        let legacy = try run([
            issued(receipts: "required"), legacyGrant, legacyReceipt, entry(3, 40, "lease.revoked"),
            LogEntry(seq: 4, time: t0.addingTimeInterval(1000), kind: "owner.registered", owner: "other", prev: MerkleHash.emptyRoot),
        ])
        #expect(legacy.count == 2)
        #expect(legacy.contains { $0.contains("seq 2") && $0.contains("unsigned") })
        #expect(legacy.contains { $0.contains("g1") && $0.contains("no shredded receipt") })
        // A receipt naming no grant at all is still a violation.
        let orphan = entry(2, 30, "receipt", ["grantId": .string("nope"), "receiptKind": .string("shredded")])
        #expect(throws: LeaseInvariantChecker.Violation.self) { try run([issued(receipts: "required"), legacyGrant, orphan]) }
        let revoked = entry(4, 40, "lease.revoked")
        let later = LogEntry(seq: 5, time: t0.addingTimeInterval(1000), kind: "owner.registered", owner: "other", prev: MerkleHash.emptyRoot)
        let findings = try run([issued(receipts: "required")] + grants + [shredded, revoked, later])
        #expect(findings.count == 1)
        #expect(findings.first?.contains("g2") == true)
        #expect(findings.first?.contains("g1") == false)
        // Optional receipts: nothing to report.
        #expect(try run([issued(receipts: "optional")] + grants + [revoked, later]).isEmpty)
        // Still within the grace after the end: not yet a finding.
        let soon = LogEntry(seq: 5, time: t0.addingTimeInterval(100), kind: "owner.registered", owner: "other", prev: MerkleHash.emptyRoot)
        #expect(try run([issued(receipts: "required")] + grants + [revoked, soon]).isEmpty)
    }

    /// A used-nonce row deleted and the request replayed: the broker cannot see it, the log can.
    @Test func aNonceThatDecidesTwiceIsAViolation() throws {
        let nonce = JSONValue.string(Base64.encode([UInt8](repeating: 4, count: 40)))
        let first = entry(1, 10, "key.granted", ["grantId": .string("g1"), "nonce": nonce])
        let replayed = entry(2, 20, "key.granted", ["grantId": .string("g2"), "nonce": nonce])
        let denied = entry(2, 20, "key.denied", ["reason": .string("lease-exhausted"), "nonce": nonce])
        #expect(throws: LeaseInvariantChecker.Violation.self) { try run([issued(receipts: "optional"), first, replayed]) }
        #expect(throws: LeaseInvariantChecker.Violation.self) { try run([issued(receipts: "optional"), first, denied]) }
        var fresh = replayed
        fresh.fields["nonce"] = .string(Base64.encode([UInt8](repeating: 5, count: 40)))
        _ = try run([issued(receipts: "optional"), first, fresh, entry(3, 4000, "lease.expired")])
    }
}
