import Codecs
import Crypto
import Foundation
import GRDB
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// CRYPTO-REVIEW-2026-12 H2: each grant keeps the evidence that decided it, and the audit
/// re-verifies it; a nonce's second use is on the record even when its row is deleted.
@Suite struct GrantEvidenceTests {
    /// The audit of the harness's database with `--evidence`, as `audit verify` runs it.
    static func auditWithEvidence(_ h: BrokerHarness) throws -> GrantEvidenceAudit {
        let store = try SQLiteStore.openForAudit(path: h.broker.configuration.databasePath)
        var checker = LeaseInvariantChecker()
        var evidence = try GrantEvidenceAudit.standard()
        _ = try store.read { tx in
            try tx.auditLog(trustedKey: try NoteVerifier(encoded: h.broker.logVerifierKey)) { e throws(LogAuditor.Failure) in
                do throws(LeaseInvariantChecker.Violation) {
                    try checker.consume(e)
                    var record: [UInt8]?
                    if let hex = GrantEvidenceAudit.recordDigest(of: e), let digest = Hex.decode(hex) { record = try? tx.evidence(digest: digest) }
                    try evidence.check(e, record: record, pieces: { hex in Hex.decode(hex).flatMap { try? tx.evidence(digest: $0) } })
                } catch { throw LogAuditor.Failure(seq: error.seq, message: error.message) }
            }
        }
        try checker.finish()
        return evidence
    }

    @Test func everyGrantKeepsItsEvidenceAndTheAuditReverifiesIt() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let got = try await h.fetch("l1")
        _ = try await h.fetch("l1")
        let entry = try LogEntry(bytes: try #require(Base64.decodeCanonical(got.response.receipt.entry)))
        let hex = try #require(entry.fields["evidenceRecord"]?.stringValue)
        #expect(entry.fields["nonce"]?.stringValue != nil)
        let record = try #require(try await h.broker.store.read { tx in try tx.evidence(digest: Hex.decode(hex)!) })
        let parsed = try GrantEvidenceRecord(canonicalJSON: record)
        #expect(parsed.tee == "sandbox" && parsed.signingKey == entry.fields["signingKey"]?.stringValue)
        #expect(try Self.auditWithEvidence(h).verified[.sandbox] == 2)

        // The kept record edited in the database: the audit names the grant.
        try SignedDataTests.sql(
            h, "UPDATE grant_evidence SET record = ? WHERE digest = ?",
            [Data(record.map { $0 == UInt8(ascii: "A") ? UInt8(ascii: "B") : $0 }), Data(Hex.decode(hex)!)])
        #expect(throws: LogAuditor.Failure.self) { _ = try Self.auditWithEvidence(h) }
    }

    /// A database writer deletes the used-nonce rows and replays a captured request: the
    /// broker grants again (it cannot know), the audit does not accept it.
    @Test func aReplayAfterTheNonceRowsWereDeletedFailsTheAudit() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let request = try await h.grantedRequest("l1")
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", request) }
        _ = try h.audit()
        try SignedDataTests.sql(h, "DELETE FROM used_nonces")
        _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", request)
        #expect(throws: LogAuditor.Failure.self) { _ = try h.audit() }
    }

    /// Collateral is kept once per distinct piece, beside the records that name it by hash.
    @Test func collateralPiecesAreKeptOnceAndResolveInTheAudit() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let piece = Array("a collateral piece".utf8)
        for _ in 0..<2 {
            let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
            var request = try h.grantRequest(ch, leaseId: "l1", pair: try KeyWrapKeyPair.generate())
            request.collateral = [Base64.encode(piece)]
            _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", request)
        }
        let digest = Array(SHA256.hash(data: piece))
        #expect(try await h.broker.store.read { tx in try tx.evidence(digest: digest) } == piece)
        #expect(try Self.auditWithEvidence(h).verified[.sandbox] == 2)
        try SignedDataTests.sql(h, "DELETE FROM grant_evidence WHERE digest = ?", [Data(digest)])
        #expect(throws: LogAuditor.Failure.self) { _ = try Self.auditWithEvidence(h) }
    }
}
