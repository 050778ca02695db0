/// A parsed Intel DCAP ECDSA quote: SGX v3, TDX v4, or v5 with a body descriptor.
///
/// Layout (Intel SGX ECDSA Quote Library API A.4; Intel TDX DCAP Quoting Library API A.3):
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0  | 48 | header (`QuoteHeader`) |
/// | 48 | 2  | v5 only: body type (1 SGX, 2 TD 1.0, 3 TD 1.5) |
/// | 50 | 4  | v5 only: body size (384, 584, 648) |
/// | 48 or 54 | 384 / 584 / 648 | body (`SGXReportBody` or `TDReportBody`) |
/// | .. | 4  | signature data length L |
/// | .. | L  | signature data (`QuoteSignatureData`) |
///
/// The quote ends where its signature data length says. Published quotes are sometimes
/// followed by zero padding (the TDX sample from dcap-qvl carries 70 zero bytes): trailing
/// bytes are accepted ONLY if every one is zero, since nothing covers them with a signature
/// and any non-zero byte means the input is not what it claims to be.
struct DCAPQuote: Sendable, Hashable {
    enum Body: Sendable, Hashable {
        case sgx(SGXReportBody)
        case td(TDReportBody)
    }

    var header: QuoteHeader
    var body: Body
    var signatureData: QuoteSignatureData
    /// header ‖ [body descriptor] ‖ body: the bytes the attestation key signs.
    var signedBytes: [UInt8]
    /// Zero bytes found after the quote structure (0 for most quotes).
    var trailingZeroBytes: Int

    var tee: TEE { header.teeType == QuoteHeader.teeTypeTDX ? .tdx : .sgx }

    static func parse(_ bytes: [UInt8]) throws(AttestationError) -> DCAPQuote {
        guard !bytes.isEmpty else { throw AttestationError(.malformed, "DCAP quote is empty") }
        var reader = ByteReader(bytes, structure: "DCAP quote")
        let header = try QuoteHeader.parse(&reader)
        let body: Body
        let isTDX = header.teeType == QuoteHeader.teeTypeTDX
        if header.version == 5 {
            let type = try reader.u16("body.type")
            let size = Int(try reader.u32("body.size"))
            switch (type, size) {
            case (1, SGXReportBody.size) where !isTDX:
                body = .sgx(try SGXReportBody.parse(&reader, "body"))
            case (2, TDReportBody.size10) where isTDX:
                body = .td(try TDReportBody.parse(&reader, td15: false))
            case (3, TDReportBody.size15) where isTDX:
                body = .td(try TDReportBody.parse(&reader, td15: true))
            default:
                throw AttestationError(
                    .malformed, "DCAP quote v5: body type \(type) with size \(size) does not fit TEE type 0x\(String(header.teeType, radix: 16))")
            }
        } else if isTDX {
            body = .td(try TDReportBody.parse(&reader, td15: false))
        } else {
            body = .sgx(try SGXReportBody.parse(&reader, "body"))
        }
        let signedEnd = reader.offset
        let sigLength = Int(try reader.u32("signature_data.length"))
        guard sigLength <= reader.remaining else {
            throw AttestationError(.malformed, "DCAP quote truncated: signature data claims \(sigLength) bytes, \(reader.remaining) remain")
        }
        var sigReader = ByteReader(bytes, structure: "DCAP quote", offset: reader.offset, end: reader.offset + sigLength)
        let signatureData = try QuoteSignatureData.parse(&sigReader, version: header.version)
        guard sigReader.remaining == 0 else {
            throw AttestationError(.malformed, "DCAP quote: \(sigReader.remaining) unexplained bytes inside the signature data")
        }
        let quoteEnd = reader.offset + sigLength
        let trailing = bytes[quoteEnd...]
        guard trailing.allSatisfy({ $0 == 0 }) else {
            throw AttestationError(.malformed, "DCAP quote is followed by \(trailing.count) bytes that are not zero padding")
        }
        return DCAPQuote(
            header: header, body: body, signatureData: signatureData,
            signedBytes: Array(bytes[0..<signedEnd]), trailingZeroBytes: trailing.count)
    }
}
