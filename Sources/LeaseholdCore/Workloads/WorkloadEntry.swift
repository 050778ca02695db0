import Codecs
import Attestation

/// One entry of a manifest's `workloads`: the TEE kind and the values its verified claims
/// must have. Each case maps onto that TEE's `Attestation` policy type, so the broker checks
/// manifests with exactly the code the CLI's `evidence verify` uses.
///
/// Adding a TEE is one case here, one `…Workload` file (fields, reader, JSON, match), and one
/// line in `parse` and `json`.
public enum WorkloadEntry: Sendable, Hashable {
    case sevSNP(SNPWorkload)
    case tdx(TDXWorkload)
    case sgx(SGXWorkload)
    case nitro(NitroWorkload)
    case sandbox(SandboxWorkload)

    public var tee: TEE {
        switch self {
        case .sevSNP: return .sevSNP
        case .tdx: return .tdx
        case .sgx: return .sgx
        case .nitro: return .nitro
        case .sandbox: return .sandbox
        }
    }

    /// The requirement this entry puts on claims of its TEE.
    var requirement: any WorkloadRequirement {
        switch self {
        case .sevSNP(let w): return w
        case .tdx(let w): return w
        case .sgx(let w): return w
        case .nitro(let w): return w
        case .sandbox(let w): return w
        }
    }
}

/// What every TEE's workload entry provides: its schema (read and written) and its check.
protocol WorkloadRequirement: Sendable {
    /// Reads the entry's fields (all but `tee`); the reader refuses unknown ones afterwards.
    init(reading reader: inout ManifestReader) throws(ManifestError)
    /// The entry's fields for the canonical JSON (without `tee`).
    var fields: [String: JSONValue] { get }
    /// Throws the policy's refusal when verified claims of this entry's TEE do not match.
    func check(_ claims: any TEEClaims) throws(AttestationError)
}

extension WorkloadEntry {
    /// Whether a grant whose log entry records this TEE, primary measurement and debug flag
    /// could have matched this entry: what an auditor can check from the log alone (the full
    /// claims stay with the evidence). An SGX entry that names only MRSIGNER allows any
    /// MRENCLAVE.
    public func allows(tee: TEE, measurement: [UInt8], debug: Bool) -> Bool {
        guard tee == self.tee else { return false }
        switch self {
        case .sevSNP(let w): return w.policy.measurement == measurement && (w.policy.allowDebug || !debug)
        case .tdx(let w): return w.policy.mrTd == measurement && (w.policy.allowDebug || !debug)
        case .sgx(let w): return (w.policy.mrEnclave.map { $0 == measurement } ?? true) && (w.policy.allowDebug || !debug)
        case .nitro(let w): return w.policy.pcr0 == measurement && (w.policy.allowDebug || !debug)
        case .sandbox(let w): return w.measurement == measurement && !debug
        }
    }
}
