import Attesters
import LeaseholdAPI

/// Attestation evidence a workload presents in a grant request.
public struct WorkloadEvidence: Sendable {
    /// The TEE kind's wire name (`sandbox`, `sev-snp`, `tdx`, `sgx`, `nitro`).
    public var tee: String
    /// The report, quote or attestation document.
    public var evidence: [UInt8]
    /// Certificates or collateral files, each as its bytes.
    public var collateral: [[UInt8]]

    public init(tee: String, evidence: [UInt8], collateral: [[UInt8]] = []) {
        self.tee = tee
        self.evidence = evidence
        self.collateral = collateral
    }
}

/// Produces evidence for a lease binding. Real TEEs put `binding.reportData` (64 bytes) in
/// their report data; Nitro puts it in `user_data`, the nonce in `nonce` and the key in
/// `public_key`, which is why the whole binding is passed, not only the digest.
public typealias EvidenceProvider = @Sendable (_ binding: LeaseBinding) async throws -> WorkloadEvidence

public enum EvidenceProviders {
    /// Development evidence signed with the published sandbox key, claiming `measurement`
    /// (48 bytes). Worthless as proof; accepted only by a broker run with --allow-sandbox.
    public static func sandbox(measurement: [UInt8], debug: Bool = false) -> EvidenceProvider {
        { binding in
            let bytes = try SandboxEvidence(measurement: measurement, reportData: binding.reportData, debug: debug).signed()
            return WorkloadEvidence(tee: "sandbox", evidence: bytes)
        }
    }

    /// Evidence from a platform interface (configfs-tsm, /dev/sev-guest, /dev/tdx_guest,
    /// Gramine, /dev/nsm). The binding's 64 bytes go in as report data; Nitro also gets the
    /// nonce and the one-time public key, which its document carries in fields of their own
    /// (the attester leaves out a key longer than the NSM takes, as the broker expects).
    public static func attester(_ attester: any Attester) -> EvidenceProvider {
        { binding in
            let request = try AttestationRequest(
                reportData: binding.reportData,
                nonce: attester.tee == .nitro ? binding.nonce : nil,
                publicKey: attester.tee == .nitro ? binding.publicKey : nil)
            let produced = try await attester.attest(request)
            return WorkloadEvidence(tee: produced.teeName, evidence: produced.evidence, collateral: produced.collateral)
        }
    }
}
