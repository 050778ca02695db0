/// The claims of a verified SEV-SNP attestation report: every report field, plus what the
/// report chained to (product; VCEK or VLEK is the report's `signingKey`).
///
/// Produced only by `SNPVerifier` after the signature, chain and TCB checks passed; policy
/// (`SNPPolicy`, `EvidencePolicy`) decides whether they are acceptable. Every field of
/// `SNPReport` reads directly on the claims (`claims.reportedTCB`, `claims.policy.debug`,
/// `claims.chipID`, ...), so the two never drift apart.
@dynamicMemberLookup
public struct SNPClaims: TEEClaims, Hashable {
    /// The verified report.
    public var report: SNPReport
    /// The processor generation whose pinned ARK the chain ended at.
    public var product: SNPProduct

    public var tee: TEE { .sevSNP }
    public var measurement: [UInt8] { report.measurement }
    public var reportData: [UInt8] { report.reportData }
    /// SNP's debug flag is guest policy bit 19.
    public var debug: Bool { report.policy.debug }

    public subscript<T>(dynamicMember field: WritableKeyPath<SNPReport, T>) -> T {
        get { report[keyPath: field] }
        set { report[keyPath: field] = newValue }
    }

    init(report: SNPReport, product: SNPProduct) {
        self.report = report
        self.product = product
    }
}

extension SNPClaims {
    private enum CodingKeys: String, CodingKey { case tee, debug, product }

    /// The report's fields (hex for byte strings) with `tee`, `debug` and `product` beside them,
    /// in one JSON object as the CLI's `--json` output requires.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tee, forKey: .tee)
        try c.encode(debug, forKey: .debug)
        try c.encode(product, forKey: .product)
        try report.encode(to: encoder)
    }
}
