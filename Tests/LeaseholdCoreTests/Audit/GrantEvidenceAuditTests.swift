import Codecs
import Attestation
import Crypto
import Foundation
import LeaseholdAPI
import Testing
import TransparencyLog
@testable import LeaseholdCore

/// `audit verify --evidence` on real evidence from ../shared/vectors: a `key.granted` entry
/// the log-key holder wrote around genuine evidence of someone else's hardware must fail on
/// the report-data binding, and any edit of the record or the entry must fail too.
@Suite struct GrantEvidenceAuditTests {
    struct Forged {
        var entry: LogEntry
        var record: [UInt8]
        /// The record's collateral pieces by digest, as a bundle's evidence/HASH.bin holds them.
        var pieces: [String: [UInt8]]
    }

    /// A grant entry whose every field agrees with the real evidence's claims, as a log-key
    /// holder would write it; `edit` changes the record before it is hashed into the entry.
    static func forge(
        _ id: String, tee: TEE, edit: (inout GrantEvidenceRecord) -> Void = { _ in },
        editEntry: (inout [String: JSONValue]) -> Void = { _ in }
    ) throws -> Forged {
        let e = try RealEvidence.entry(id)
        let evidence = try RealEvidence.evidence(e, tee: tee)
        let at = RealEvidence.validAt(e)
        let claims = try #require(try GrantEvidenceAudit.standard().verifiers[tee]).verify(evidence, at: at)
        var r = GrantEvidenceRecord(
            tee: tee.rawValue, evidence: evidence.bytes, collateral: evidence.collateral,
            nonce: [UInt8](repeating: 7, count: 40), suite: "x25519-hkdf-sha256-aes-256-gcm",
            publicKey: [UInt8](repeating: 9, count: 32), signingKey: nil, verifiedAt: at)
        edit(&r)
        let bytes = r.canonicalJSON
        func hash(_ b: [UInt8]) -> String { Hex.encode(Array(SHA256.hash(data: b))) }
        var f: [String: JSONValue] = [
            "tee": .string(tee.rawValue), "evidenceHash": .string(hash(r.evidence)), "publicKeyHash": .string(hash(r.publicKey)),
            "nonce": .string(Base64.encode(r.nonce)), "suite": .string(r.suite), "measurement": .string(Hex.encode(claims.measurement)),
            "debug": .bool(claims.debug), "manifestDigest": .string(String(repeating: "ab", count: 32)),
            "evidenceRecord": .string(GrantEvidenceRecord.digest(of: bytes)), "grantId": .string("g1"),
        ]
        if let tcb = claims.tcbStatus { f["tcbStatus"] = .string(tcb) }
        editEntry(&f)
        let entry = LogEntry(
            seq: 5, time: at.addingTimeInterval(1), kind: "key.granted", owner: "o", leaseId: "l",
            prev: LogHash(bytes: [UInt8](repeating: 0, count: 32))!, fields: f)
        return Forged(entry: entry, record: bytes, pieces: Dictionary(zip(r.collateralDigests, r.collateral), uniquingKeysWith: { a, _ in a }))
    }

    static func violation(_ f: Forged, record: [UInt8]?? = .none, pieces: [String: [UInt8]]? = nil) throws -> String? {
        var audit = try GrantEvidenceAudit.standard()
        let lookup = pieces ?? f.pieces
        do {
            try audit.check(f.entry, record: record ?? f.record, pieces: { lookup[$0] })
            return nil
        } catch {
            return error.message
        }
    }

    @Test(arguments: [("snp-milan-trustee", TEE.sevSNP), ("snp-genoa-lunal", .sevSNP), ("tdx-trustee-q4-debug-50806f", .tdx)])
    func genuineEvidenceOfAnotherRequestFailsOnTheBinding(_ id: String, _ tee: TEE) throws {
        let message = try #require(try Self.violation(try Self.forge(id, tee: tee)))
        #expect(message.contains("not made for this grant"), "\(message)")
    }

    @Test func anEntryThatMisstatesTheClaimsFails() throws {
        let wrong = try Self.forge(
            "snp-milan-trustee", tee: .sevSNP, editEntry: { f in f["measurement"] = .string(String(repeating: "00", count: 48)) })
        #expect(try Self.violation(wrong)?.contains("measurement, debug or TCB status") == true)
        let debug = try Self.forge("snp-milan-trustee", tee: .sevSNP, editEntry: { f in f["debug"] = .bool(true) })
        #expect(try Self.violation(debug)?.contains("measurement, debug or TCB status") == true)
    }

    @Test func aFlippedBitInTheEvidenceFailsVerification() throws {
        let flipped = try Self.forge("snp-milan-trustee", tee: .sevSNP, edit: { r in r.evidence[0x90] ^= 0x01 })
        #expect(try Self.violation(flipped)?.contains("does not verify") == true)
    }

    @Test func evidenceVerifiedOutsideItsValidityFails() throws {
        // The record claims verification in 2040; the entry is written a second later.
        var late = try Self.forge("snp-milan-trustee", tee: .sevSNP, edit: { r in r.verifiedAtMillis = 2_208_988_800_000 })
        late.entry.time = Date(timeIntervalSince1970: 2_208_988_801)
        #expect(try Self.violation(late)?.contains("does not verify") == true)
        // Verified an hour before its entry: outside the decision window.
        var early = try Self.forge("snp-milan-trustee", tee: .sevSNP)
        early.entry.time = early.entry.time.addingTimeInterval(3600)
        #expect(try Self.violation(early)?.contains("not within") == true)
    }

    @Test func aRecordThatIsNotTheEntrysFails() throws {
        let f = try Self.forge("snp-milan-trustee", tee: .sevSNP)
        var edited = f.record
        edited[edited.count - 3] ^= 0x01
        #expect(try Self.violation(f, record: .some(edited))?.contains("does not hash to") == true)
        #expect(try Self.violation(f, record: .some(nil))?.contains("is missing") == true)
        // The collateral a record names must be there, byte for byte.
        #expect(!f.pieces.isEmpty)
        #expect(try Self.violation(f, pieces: [:])?.contains("is missing") == true)
        let (d, piece) = try #require(f.pieces.first)
        var bent = f.pieces
        bent[d] = piece + [0]
        #expect(try Self.violation(f, pieces: bent)?.contains("does not hash to its name") == true)
        // The record swapped for one with another nonce, the entry's digest updated to it, the
        // nonce field not: the record differs from the entry.
        let other = try Self.forge(
            "snp-milan-trustee", tee: .sevSNP, edit: { r in r.nonce = [UInt8](repeating: 8, count: 40) },
            editEntry: { f in f["nonce"] = .string(Base64.encode([UInt8](repeating: 7, count: 40))) })
        #expect(try Self.violation(other)?.contains("differs from the entry") == true)
    }

    @Test func recordsParseStrictly() throws {
        let f = try Self.forge("snp-milan-trustee", tee: .sevSNP)
        let parsed = try GrantEvidenceRecord(canonicalJSON: f.record)
        #expect(parsed.canonicalJSON == f.record)
        for bad in [
            #"{"evidence":"AA==","extra":1}"#,
            #"{"collateral":[],"evidence":"AA=","nonce":"AA==","publicKey":"AA==","suite":"s","tee":"t","verifiedAt":"2026-01-01T00:00:00.000Z"}"#,
            #"{"collateral":[],"evidence":"AA==","nonce":"AA==","publicKey":"AA==","suite":"s","tee":"t","verifiedAt":"2026-01-01T00:00:00Z"}"#,
            #"{"collateral":[],"evidence":"AA==","nonce":"AA==","publicKey":"AA==","suite":"s","tee":"t","verifiedAt":"2026-01-01T00:00:00.000Z"} "#,
        ] {
            #expect(throws: GrantEvidenceRecord.FormatError.self, "\(bad)") { _ = try GrantEvidenceRecord(canonicalJSON: Array(bad.utf8)) }
        }
    }

    /// Logs from before records were kept: counted, never verified.
    @Test func grantsWithoutARecordAreCountedNotVerified() throws {
        let f = try Self.forge("snp-milan-trustee", tee: .sevSNP, editEntry: { f in f["evidenceRecord"] = nil })
        var audit = try GrantEvidenceAudit.standard()
        try audit.check(f.entry, record: nil)
        #expect(audit.notKept == 1 && audit.verified.isEmpty)
    }
}
