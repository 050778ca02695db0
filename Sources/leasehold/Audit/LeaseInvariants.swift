import Foundation
import LeaseholdCore
import TransparencyLog

/// Runs `LeaseInvariantChecker` inside an audit, turning its violations into audit failures;
/// with `--evidence`, also `GrantEvidenceAudit` on every grant, its record looked up by
/// `records` (a bundle's `evidence/` directory or the database's table).
final class LeaseInvariants {
    var checker: LeaseInvariantChecker
    var evidence: GrantEvidenceAudit?
    /// The kept evidence record named by a lowercase hex SHA-256; nil when absent.
    var records: (String) throws -> [UInt8]? = { _ in nil }
    /// A collateral piece a record names, by the same kind of name.
    var pieces: (String) throws -> [UInt8]? = { _ in nil }

    init(expiryGrace: Double = 300, evidence: GrantEvidenceAudit? = nil) {
        checker = LeaseInvariantChecker(expiryGrace: expiryGrace)
        self.evidence = evidence
    }

    /// Records and pieces from an export bundle's `evidence/` directory (`HASH.json`, `HASH.bin`).
    func readEvidence(fromBundle directory: String) {
        records = { hex in try BundleAudit.evidenceFile(directory: directory, digest: hex, suffix: ".json") }
        pieces = { hex in try BundleAudit.evidenceFile(directory: directory, digest: hex, suffix: ".bin") }
    }

    func consume(_ e: LogEntry) throws(LogAuditor.Failure) {
        do { try checker.consume(e) } catch { throw LogAuditor.Failure(seq: error.seq, message: "lease invariant: \(error.message)") }
        guard evidence != nil, e.kind == "key.granted" else { return }
        var record: [UInt8]?
        if let digest = GrantEvidenceAudit.recordDigest(of: e) {
            do { record = try records(digest) } catch {
                throw LogAuditor.Failure(seq: e.seq, message: "evidence record \(digest): \(error)")
            }
        }
        do { try evidence?.check(e, record: record, pieces: pieces) } catch {
            throw LogAuditor.Failure(seq: error.seq, message: "evidence: \(error.message)")
        }
    }

    func finish() throws(LogAuditor.Failure) {
        defer {
            for f in checker.findings { FileHandle.standardError.write(Data("leasehold: finding: \(f)\n".utf8)) }
        }
        do { try checker.finish() } catch { throw LogAuditor.Failure(seq: error.seq, message: "lease invariant: \(error.message)") }
    }

    /// One line for the summary: what `--evidence` re-verified.
    var evidenceSummary: String? {
        guard let evidence else { return nil }
        let total = evidence.verified.values.reduce(0, +)
        let kinds = evidence.verified.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }.joined(separator: ", ")
        var line = "evidence: \(total) grant(s) re-verified against the vendor roots and their report-data binding"
        if !kinds.isEmpty { line += " (\(kinds))" }
        if evidence.notKept > 0 { line += "; \(evidence.notKept) grant(s) logged before evidence was kept could not be re-verified" }
        if evidence.verified[.sandbox] != nil { line += "; sandbox evidence proves no hardware" }
        return line
    }
}
