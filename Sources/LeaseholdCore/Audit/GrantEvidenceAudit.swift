import Codecs
import Attestation
import Crypto
import Foundation
import LeaseholdAPI
import TransparencyLog

/// `audit verify --evidence`: re-verifies every grant's kept evidence (`GrantEvidenceRecord`)
/// as the broker did, from the bundle alone, so an auditor trusts neither the operator nor
/// its database for "this key went to genuine hardware running this software":
///
/// 1. the record is the one the entry names (its SHA-256), and agrees with the entry: TEE
///    kind, evidence hash, nonce, HPKE suite, one-time key hash, receipt key;
/// 2. the broker verified it at most `maximumDecisionTime` before the entry's time;
/// 3. the evidence chains to the pinned vendor roots at that time (the same verifiers as the
///    broker's, with the collateral the record kept);
/// 4. its claims are the ones the entry logged (measurement, debug, TCB status), so the
///    invariant checker's "the signed manifest names this software" rests on vendor
///    signatures and not on the broker's word;
/// 5. its report data is the binding of this nonce, key, lease and manifest digest.
///
/// Grants logged before records were kept have no `evidenceRecord`: they are counted and
/// reported, never treated as verified.
public struct GrantEvidenceAudit: Sendable {
    public typealias Violation = LeaseInvariantChecker.Violation

    /// From the broker's first clock read of a request to the entry's commit: verification,
    /// sealing and the commit queue. Far above what a grant takes (milliseconds).
    public static let maximumDecisionTime: TimeInterval = 600

    let verifiers: [TEE: any EvidenceVerifier]
    /// Grants whose evidence re-verified, by TEE kind.
    public private(set) var verified: [TEE: Int] = [:]
    /// Grants logged without an evidence record (from before records were kept).
    public private(set) var notKept = 0

    public init(verifiers: [TEE: any EvidenceVerifier]) {
        self.verifiers = verifiers
    }

    /// The broker's verifiers, sandbox included (sandbox grants re-verify against the published
    /// development key, and are reported as such).
    public static func standard() throws(AttestationError) -> GrantEvidenceAudit {
        GrantEvidenceAudit(verifiers: [
            .sevSNP: SNPVerifier(), .nitro: NitroVerifier(), .sgx: try DCAPVerifier(tee: .sgx),
            .tdx: try DCAPVerifier(tee: .tdx), .sandbox: SandboxVerifier(),
        ])
    }

    /// The record digest a `key.granted` entry names, if any: what the caller must look up.
    public static func recordDigest(of e: LogEntry) -> String? {
        e.kind == "key.granted" ? e.fields["evidenceRecord"]?.stringValue : nil
    }

    /// Checks one `key.granted` entry against its record (`nil`: the bundle lacks it), whose
    /// collateral pieces `pieces` finds by digest.
    public mutating func check(_ e: LogEntry, record: [UInt8]?, pieces: (String) throws -> [UInt8]? = { _ in nil }) throws(Violation) {
        guard e.kind == "key.granted" else { return }
        let name = "grant at seq \(e.seq) on \(e.owner ?? "")/\(e.leaseId ?? "")"
        guard let digest = Self.recordDigest(of: e) else { notKept += 1; return }
        guard let record else { throw Violation(seq: e.seq, message: "\(name): its evidence record \(digest) is missing") }
        guard GrantEvidenceRecord.digest(of: record) == digest else {
            throw Violation(seq: e.seq, message: "\(name): the evidence record does not hash to \(digest)")
        }
        var r: GrantEvidenceRecord
        do {
            r = try GrantEvidenceRecord(canonicalJSON: record)
            try r.resolve(pieces)
        } catch {
            throw Violation(seq: e.seq, message: "\(name): the evidence record does not parse or lacks a piece: \(error)")
        }
        let f = e.fields
        guard f["tee"]?.stringValue == r.tee, let tee = TEE(rawValue: r.tee),
            f["evidenceHash"]?.stringValue == GrantEvidenceRecord.digest(of: r.evidence),
            f["publicKeyHash"]?.stringValue == GrantEvidenceRecord.digest(of: r.publicKey),
            f["nonce"]?.stringValue == Base64.encode(r.nonce), f["suite"]?.stringValue == r.suite,
            f["signingKey"]?.stringValue == r.signingKey
        else {
            throw Violation(seq: e.seq, message: "\(name): the evidence record differs from the entry (TEE, evidence, nonce, suite or keys)")
        }
        let lag = e.time.timeIntervalSince(r.verifiedAt)
        guard lag >= 0, lag <= Self.maximumDecisionTime else {
            throw Violation(
                seq: e.seq,
                message: "\(name): verified at \(RFC3339.format(r.verifiedAt)), not within \(Int(Self.maximumDecisionTime)) s before the entry")
        }
        guard let verifier = verifiers[tee] else { throw Violation(seq: e.seq, message: "\(name): no verifier for \(tee.rawValue) evidence") }
        let claims: any TEEClaims
        do {
            claims = try verifier.verify(Evidence(tee: tee, bytes: r.evidence, collateral: r.collateral), at: r.verifiedAt)
        } catch {
            throw Violation(seq: e.seq, message: "\(name): the evidence does not verify: \(error.code.rawValue): \(error.reason)")
        }
        let tcb = claims.tcbStatus.map { String($0.prefix(64)) }
        guard f["measurement"]?.stringValue == Hex.encode(claims.measurement), (f["debug"]?.boolValue ?? false) == claims.debug,
            f["tcbStatus"]?.stringValue == tcb
        else {
            throw Violation(seq: e.seq, message: "\(name): the entry's measurement, debug or TCB status is not what the evidence says")
        }
        guard let digestText = f["manifestDigest"]?.stringValue, let manifestDigest = Hex.decode(digestText), let owner = e.owner,
            let leaseId = e.leaseId
        else {
            throw Violation(seq: e.seq, message: "\(name): the entry names no manifest digest")
        }
        let binding = LeaseBinding(
            nonce: r.nonce, suiteID: r.suite, publicKey: r.publicKey, owner: owner, leaseID: leaseId,
            manifestDigest: manifestDigest, signingKey: r.signingKey)
        if let refusal = PolicyMatcher.checkBinding(claims, binding) {
            throw Violation(seq: e.seq, message: "\(name): the evidence was not made for this grant: \(refusal.reason)")
        }
        verified[tee, default: 0] += 1
    }
}
