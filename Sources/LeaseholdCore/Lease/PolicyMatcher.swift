import Codecs
import LeaseholdAPI
import Attestation

/// Decides whether verified evidence, and the request that carries it, may receive a lease's
/// keys: a workload entry of the manifest, then the request's terms (suite, receipt key), then
/// the binding last (PROTOCOL.md §13, steps 8-12, the order the broker uses).
///
/// Input claims come from an `EvidenceVerifier`, so they are genuine; this decides whether
/// they are *acceptable* for this lease and this request. When no entry matches, the refusal
/// is the most specific one any entry gave (an entry that matched the measurement but saw a
/// debug TEE says more than one for another image), ranked
/// tee-not-allowed < measurement-mismatch < debug-not-allowed, vmpl-not-allowed < tcb-too-low
/// < tcb-status-not-accepted; among equals the earliest entry wins.
public struct PolicyMatcher: Sendable {
    /// The broker's `--allow-sandbox`. Sandbox evidence matches only when this is on AND the
    /// manifest names a sandbox entry.
    public var allowSandbox: Bool

    public init(allowSandbox: Bool = false) {
        self.allowSandbox = allowSandbox
    }

    /// A successful match: the entry that matched and its index in `workloads`.
    public struct Match: Sendable, Hashable {
        public var index: Int
        public var entry: WorkloadEntry
    }

    /// What the grant request asks for besides its evidence.
    public struct Terms: Sendable, Hashable {
        /// The key-transport suite id the request seals to.
        public var suite: String
        /// The scheme of the workload's one-time receipt key, if it sent one.
        public var signingKey: ReceiptPublicKey.Scheme?

        public init(suite: String, signingKey: ReceiptPublicKey.Scheme?) {
            self.suite = suite
            self.signingKey = signingKey
        }
    }

    /// Everything about the evidence and the request, in the broker's order: a workload entry
    /// (`matchWorkload`), the request's terms against the lease (`checkTerms`), and the binding
    /// last (`checkBinding`), so that genuine evidence of the wrong software is refused as
    /// such (`measurement-mismatch`), not as the binding failure it would also have.
    public func match(_ claims: any TEEClaims, manifest: LeaseManifest, terms: Terms, binding: LeaseBinding) -> Result<Match, LeaseRefusal> {
        let matched = matchWorkload(claims, manifest: manifest)
        guard case .success = matched else { return matched }
        if let refusal = Self.checkTerms(terms, manifest: manifest) { return .failure(refusal) }
        if let refusal = Self.checkBinding(claims, binding) { return .failure(refusal) }
        return matched
    }

    /// The request's own choices against the lease: the suite it names must be the one the
    /// manifest requires (post-quantum on demand); a lease with required receipts needs a
    /// receipt key; an X-Wing lease needs an ML-DSA-65 receipt key.
    public static func checkTerms(_ terms: Terms, manifest: LeaseManifest) -> LeaseRefusal? {
        if let required = manifest.suite, required != terms.suite {
            return LeaseRefusal(.suiteNotAllowed, "the lease requires key transport \(required), the request asked for \(terms.suite)")
        }
        if manifest.receipts == .required, terms.signingKey == nil {
            return LeaseRefusal(.badRequest, "the lease requires receipts: the grant request must name the workload's signingKey")
        }
        if let required = manifest.suite, let scheme = terms.signingKey, ReceiptSigningKey.scheme(forSuite: required) == .mlDSA65,
            scheme != .mlDSA65
        {
            return LeaseRefusal(.suiteNotAllowed, "the lease requires \(required): receipts must be signed with ml-dsa-65, not \(scheme.rawValue)")
        }
        return nil
    }

    /// The first workload entry the claims satisfy, or the most specific refusal.
    public func matchWorkload(_ claims: any TEEClaims, manifest: LeaseManifest) -> Result<Match, LeaseRefusal> {
        if claims.tee == .sandbox && !allowSandbox {
            return .failure(LeaseRefusal(.teeNotAllowed, "sandbox evidence is not genuine and this broker does not run with --allow-sandbox"))
        }
        var best: (rank: Int, refusal: LeaseRefusal)?
        for (index, entry) in manifest.workloads.enumerated() where entry.tee == claims.tee {
            do {
                try entry.requirement.check(claims)
                return .success(Match(index: index, entry: entry))
            } catch {
                let refusal = LeaseRefusal(error)
                let rank = Self.rank(refusal.code)
                if best == nil || rank > best!.rank {
                    best = (rank, LeaseRefusal(refusal.code, "workloads[\(index)]: \(refusal.reason)"))
                }
            }
        }
        if let best { return .failure(best.refusal) }
        let named = manifest.tees.map(\.rawValue).joined(separator: ", ")
        return .failure(LeaseRefusal(.teeNotAllowed, "the lease allows \(named) workloads, not \(claims.tee.rawValue)"))
    }

    /// The evidence must have been made for this request: its report data is the binding
    /// digest, and on Nitro the document's own nonce and public_key fields carry the nonce and
    /// the workload key. Compared in constant time.
    public static func checkBinding(_ claims: any TEEClaims, _ binding: LeaseBinding) -> LeaseRefusal? {
        guard ConstantTime.equal(claims.reportData, binding.reportData) else {
            return LeaseRefusal(
                .reportDataMismatch,
                "the evidence's report data is not the binding of this nonce, key and lease; recompute it as SHA-512 over the length-prefixed fields")
        }
        if claims.tee == .nitro {
            guard let nonce = claims.nonce, ConstantTime.equal(nonce, binding.nonce) else {
                return LeaseRefusal(.reportDataMismatch, "the attestation document's nonce is not the challenge nonce")
            }
            if binding.publicKey.count <= Self.nitroPublicKeyLimit {
                guard let key = claims.publicKey, ConstantTime.equal(key, binding.publicKey) else {
                    return LeaseRefusal(.reportDataMismatch, "the attestation document's public_key is not the workload key of the request")
                }
            } else {
                // An X-Wing key (1216 bytes) does not fit NSM's public_key (1024 bytes at most):
                // user_data, the binding digest, already covers it; the field must then be empty,
                // so that it cannot name some other key (CRYPTO-REVIEW M4).
                guard (claims.publicKey ?? []).isEmpty else {
                    return LeaseRefusal(
                        .reportDataMismatch,
                        "the attestation document's public_key must be empty for a workload key longer than \(Self.nitroPublicKeyLimit) bytes")
                }
            }
        }
        return nil
    }

    /// The most bytes AWS Nitro's NSM takes in an attestation request's `public_key`.
    public static let nitroPublicKeyLimit = 1024

    static func rank(_ code: LeaseRefusal.Code) -> Int {
        switch code {
        case .teeNotAllowed: return 0
        case .measurementMismatch: return 1
        case .debugNotAllowed, .vmplNotAllowed: return 2
        case .tcbTooLow: return 3
        case .tcbStatusNotAccepted: return 4
        default: return 1
        }
    }
}
