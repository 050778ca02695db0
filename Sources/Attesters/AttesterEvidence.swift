/// Evidence as an attester produced it, ready for a grant request.
///
/// `evidence` is the report, quote or attestation document exactly as the platform returned
/// it; `collateral` is what the platform supplied alongside, each piece one document the
/// broker's verifier recognises by content (for SEV-SNP: the VCEK or VLEK, ASK and ARK as
/// separate DER certificates, taken from the host's certificate table). Empty collateral is
/// normal: the broker fetches what is missing itself.
public struct AttesterEvidence: Sendable, Hashable {
    public let tee: AttesterTEE
    public let evidence: [UInt8]
    public let collateral: [[UInt8]]
    /// The interface that produced it, e.g. `configfs-tsm` or `/dev/sev-guest`.
    public let interface: String
    /// Things a person may want to know that did not stop the evidence, e.g. a configfs entry
    /// that could not be removed, or certificate-table entries that were not sent.
    public let notes: [String]

    /// The wire name of the TEE (`sev-snp`, `tdx`, `sgx`, `nitro`).
    public var teeName: String { tee.rawValue }

    public init(tee: AttesterTEE, evidence: [UInt8], collateral: [[UInt8]] = [], interface: String, notes: [String] = []) {
        self.tee = tee
        self.evidence = evidence
        self.collateral = collateral
        self.interface = interface
        self.notes = notes
    }
}
