/// The TEE kinds a workload can produce evidence for. The raw values are the wire names the
/// broker's grant request uses (`tee`), so they must never change.
public enum AttesterTEE: String, Sendable, Hashable, CaseIterable {
    case sevSNP = "sev-snp"
    case tdx
    case sgx
    case nitro
}

/// Produces attestation evidence from one kernel interface of one TEE.
///
/// One conforming type per interface (configfs-tsm, `/dev/sev-guest`, `/dev/tdx_guest`,
/// Gramine's `/dev/attestation`, `/dev/nsm`), so that the workload binary names exactly which
/// interface made its evidence and tests can drive each one against a fake of that interface.
/// Attesters only collect bytes: they never verify anything (the broker does, with the
/// verifiers that must not be linked into the measured workload binary).
public protocol Attester: Sendable {
    /// Which TEE's evidence this attester produces.
    var tee: AttesterTEE { get }
    /// The interface it uses, for logs and for the `auto` choice, e.g. `configfs-tsm`,
    /// `/dev/sev-guest`.
    var interface: String { get }
    /// Asks the platform for evidence carrying `request.reportData`.
    func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence
}
