/// The ECDSA signature data that follows a quote's body and its 4-byte length field.
///
/// Layout for quote v3 (Intel SGX ECDSA Quote Library API, A.4 "ECDSA 256-bit Quote Signature
/// Data Structure"):
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0    | 64  | quote signature (r ‖ s, P-256) over header ‖ body |
/// | 64   | 64  | ECDSA attestation public key (x ‖ y) |
/// | 128  | 384 | QE report (`SGXReportBody`) |
/// | 512  | 64  | QE report signature (r ‖ s) by the PCK key |
/// | 576  | 2   | QE authentication data size n (LE) |
/// | 578  | n   | QE authentication data |
/// | 578+n | 2  | certification data type (5 = PCK chain PEM) |
/// | 580+n | 4  | certification data size m (LE) |
/// | 584+n | m  | certification data |
///
/// Layout for quote v4/v5 (Intel TDX DCAP Quoting Library API, A.3.8/A.3.9/A.3.11):
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0   | 64 | quote signature (r ‖ s) over header ‖ [body descriptor] ‖ body |
/// | 64  | 64 | ECDSA attestation public key |
/// | 128 | 2  | certification data type (6 = QE report certification data) |
/// | 130 | 4  | certification data size k |
/// | 134 | k  | QE report (384) ‖ QE report signature (64) ‖ auth size n (2) ‖ auth data (n) ‖
///              certification data type (2, = 5) ‖ size m (4) ‖ PCK chain PEM (m) |
///
/// The whole structure must be consumed exactly by its own length fields.
struct QuoteSignatureData: Sendable, Hashable {
    static let certTypePCKChain: UInt16 = 5
    static let certTypeQEReport: UInt16 = 6

    var quoteSignature: [UInt8]
    var attestationKey: [UInt8]
    var qeReport: SGXReportBody
    var qeReportSignature: [UInt8]
    var qeAuthData: [UInt8]
    /// The PCK certificate chain (PCK leaf, PCK Platform/Processor CA, Root CA) as PEM text,
    /// exactly as the quote carries it (usually NUL-terminated).
    var pckChainPEM: [UInt8]

    static func parse(_ reader: inout ByteReader, version: UInt16) throws(AttestationError) -> QuoteSignatureData {
        let sig = try reader.take(64, "signature_data.quote_signature")
        let key = try reader.take(64, "signature_data.attestation_key")
        if version == 3 {
            return try parseQEReportCertificationData(&reader, quoteSignature: sig, attestationKey: key)
        }
        let type = try reader.u16("signature_data.certification_data_type")
        guard type == certTypeQEReport else {
            throw AttestationError(.malformed, "DCAP quote v\(version): certification data type \(type), expected 6 (QE report certification data)")
        }
        let size = Int(try reader.u32("signature_data.certification_data_size"))
        guard size <= reader.remaining else {
            throw AttestationError(.malformed, "DCAP quote truncated: QE report certification data claims \(size) bytes, \(reader.remaining) remain")
        }
        var inner = ByteReader(reader.input, structure: reader.structure, offset: reader.offset, end: reader.offset + size)
        let parsed = try parseQEReportCertificationData(&inner, quoteSignature: sig, attestationKey: key)
        guard inner.remaining == 0 else {
            throw AttestationError(.malformed, "DCAP quote: \(inner.remaining) unexplained bytes inside the QE report certification data")
        }
        _ = try reader.take(size, "signature_data.certification_data")
        return parsed
    }

    private static func parseQEReportCertificationData(
        _ reader: inout ByteReader, quoteSignature: [UInt8], attestationKey: [UInt8]
    ) throws(AttestationError) -> QuoteSignatureData {
        let qeReport = try SGXReportBody.parse(&reader, "qe_report")
        let qeSig = try reader.take(64, "qe_report_signature")
        let authSize = Int(try reader.u16("qe_auth_data.size"))
        let auth = try reader.take(authSize, "qe_auth_data")
        let certType = try reader.u16("certification_data.type")
        guard certType == certTypePCKChain else {
            throw AttestationError(
                .malformed,
                "DCAP quote: PCK certification data type \(certType) is not supported (only 5, the PEM PCK chain; offline verification needs the chain in the quote)"
            )
        }
        let certSize = Int(try reader.u32("certification_data.size"))
        let chain = try reader.take(certSize, "certification_data (PCK chain)")
        return QuoteSignatureData(
            quoteSignature: quoteSignature, attestationKey: attestationKey, qeReport: qeReport,
            qeReportSignature: qeSig, qeAuthData: auth, pckChainPEM: chain)
    }
}
