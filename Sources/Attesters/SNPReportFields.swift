/// The two facts an attester needs from an SEV-SNP ATTESTATION_REPORT before sending it: that
/// it has the report's size, and which key signed it (to send the matching certificate).
/// Everything else is the broker's verifier's business.
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0x000 | 4   | VERSION |
/// | 0x048 | 4   | KEY_INFO: bit 0 AUTHOR_KEY_EN, bit 1 MASK_CHIP_ID, bits 4:2 SIGNING_KEY (0 VCEK, 1 VLEK, 7 none) |
/// | 0x050 | 64  | REPORT_DATA |
/// | 0x2A0 | 512 | SIGNATURE |
/// | total | 1184 (0x4A0) | |
struct SNPReportFields: Sendable, Hashable {
    enum SigningKey: String, Sendable, Hashable { case vcek = "VCEK", vlek = "VLEK", none }

    static let size = 0x4A0
    let signingKey: SigningKey

    init(parsing report: [UInt8], source: String) throws(AttesterError) {
        guard report.count == Self.size else {
            throw AttesterError(.badResponse, "\(source) returned \(report.count) bytes; an SEV-SNP attestation report is \(Self.size)")
        }
        guard let keyInfo = Bytes.readLE(UInt32.self, report, at: 0x48) else {
            throw AttesterError(.badResponse, "\(source) returned a report without KEY_INFO")
        }
        switch keyInfo >> 2 & 7 {
        case 0: signingKey = .vcek
        case 1: signingKey = .vlek
        case 7: signingKey = .none
        case let k: throw AttesterError(.badResponse, "\(source) returned a report with reserved SIGNING_KEY \(k)")
        }
    }
}
