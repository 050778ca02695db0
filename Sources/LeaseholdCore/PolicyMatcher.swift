import LeaseholdAPI
import Attestation

/// Decides whether verified evidence may receive a lease's keys: the request binding first,
/// then the manifest's workload entries in order.
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

    /// Binding, then workload entries: everything about the evidence in one call.
    public func match(_ claims: any TEEClaims, manifest: LeaseManifest, binding: LeaseBinding) -> Result<Match, LeaseRefusal> {
        if let refusal = Self.checkBinding(claims, binding) { return .failure(refusal) }
        return matchWorkload(claims, manifest: manifest)
    }

    /// The first workload entry the claims satisfy, or the most specific refusal. The broker
    /// calls this after `checkBinding` and the lease state check, the order of DESIGN.md.
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
        case .debugNotAllowed, LeaseRefusal.Code(rawValue: "vmpl-not-allowed"): return 2
        case .tcbTooLow: return 3
        case .tcbStatusNotAccepted: return 4
        default: return 1
        }
    }
}
