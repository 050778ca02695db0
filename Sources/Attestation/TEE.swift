/// The kinds of trusted execution environment Leasehold can verify evidence from.
///
/// The raw values are the exact strings a manifest's `tee` field and the CLI's `--tee`
/// flag use; they are part of the wire format and must never change.
public enum TEE: String, Sendable, Hashable, Codable, CaseIterable {
    case sevSNP = "sev-snp"
    case tdx
    case sgx
    case nitro
    /// Software-signed development evidence. Never genuine; see `SandboxVerifier`.
    case sandbox
}
