/// Checks that a DCAP quote from the platform has the shape of one before it is sent.
///
/// The TDX kernel copies the host's buffer without looking at the VMM's status code
/// (ATTESTERS.md §1.3), so a failed GetQuote can arrive as a zero-filled or truncated buffer.
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0 | 2 | version (3 SGX; 4 SGX or TDX 1.0; 5 TDX 1.5) |
/// | 2 | 2 | attestation key type (2 = ECDSA P-256) |
/// | 4 | 4 | TEE type (0x00 SGX, 0x81 TDX) |
enum DCAPQuoteShape {
    /// libtdx_attest refuses quotes of at most 1020 bytes: a header and body alone are longer.
    static let minimumSize = 1021
    /// The kernel's GetQuote buffer; a quote of exactly this size is the whole buffer, which
    /// libtdx_attest refuses, and a larger one is a CWT on DICE-based platforms (ABI doc).
    static let tdxBufferSize = 8192

    static func check(_ quote: [UInt8], tee: AttesterTEE, source: String) throws(AttesterError) {
        guard quote.count >= minimumSize else {
            throw AttesterError(
                .badResponse,
                "\(source) returned \(quote.count) bytes, too short for a DCAP quote (at least \(minimumSize)); the host's quote generation probably failed"
            )
        }
        if tee == .tdx {
            guard quote.count != tdxBufferSize else {
                throw AttesterError(
                    .badResponse,
                    "\(source) returned exactly \(tdxBufferSize) bytes, the whole GetQuote buffer: the host did not report a quote size (libtdx_attest refuses this too)"
                )
            }
            guard quote.count < tdxBufferSize else {
                throw AttesterError(
                    .badResponse,
                    "\(source) returned \(quote.count) bytes, more than \(tdxBufferSize): on DICE-based TDX platforms that is a CWT, not a DCAP quote, which the broker does not verify"
                )
            }
        }
        let version = Bytes.readLE(UInt16.self, quote, at: 0) ?? 0
        let keyType = Bytes.readLE(UInt16.self, quote, at: 2) ?? 0
        let teeType = Bytes.readLE(UInt32.self, quote, at: 4) ?? UInt32.max
        let versions: Set<UInt16> = tee == .tdx ? [4, 5] : [3, 4, 5]
        let expectedTEE: UInt32 = tee == .tdx ? 0x81 : 0x00
        guard versions.contains(version), keyType == 2, teeType == expectedTEE else {
            throw AttesterError(
                .badResponse,
                "\(source) returned a quote with version \(version), key type \(keyType), TEE type 0x\(String(teeType, radix: 16)); a \(tee.rawValue) DCAP quote has version \(versions.sorted().map(String.init).joined(separator: "/")), key type 2, TEE type 0x\(String(expectedTEE, radix: 16))"
            )
        }
    }
}
