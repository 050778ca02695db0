/// Messages of the TDX Quote Generation Service on the host (Intel qgs_msg_lib, QEMU's
/// `tdx-quote-generator`; ATTESTERS.md §2.3), which turns a TDREPORT into a DCAP quote.
///
/// On the wire each message is preceded by its length as a 4-byte **big-endian** integer;
/// the message itself is little-endian:
///
/// | part | offset | field |
/// |------|-------:|-------|
/// | header (16) | 0 | `u16 major_version` (1) |
/// |             | 2 | `u16 minor_version` (0; QEMU's copy writes 1) |
/// |             | 4 | `u32 type` (0 GET_QUOTE_REQ, 1 GET_QUOTE_RESP) |
/// |             | 8 | `u32 size`, the whole message including the header |
/// |             | 12 | `u32 error_code` (0 = success) |
/// | GET_QUOTE_REQ (1048) | 16 | `u32 report_size` (1024) · 20 `u32 id_list_size` (0) · 24 TDREPORT[1024] |
/// | GET_QUOTE_RESP | 16 | `u32 selected_id_size` · 20 `u32 quote_size` · 24 id[selected_id_size] · quote[quote_size] |
enum QGSMessage {
    static let headerSize = 16
    static let majorVersion: UInt16 = 1
    static let getQuoteRequest: UInt32 = 0
    static let getQuoteResponse: UInt32 = 1
    /// Largest message accepted from the service (its own buffers are 16 KiB).
    static let maxMessageSize = 64 * 1024

    static func encodeGetQuoteRequest(tdReport: [UInt8]) -> [UInt8] {
        let size = UInt32(headerSize + 8 + tdReport.count)
        var out: [UInt8] = []
        Bytes.appendLE(majorVersion, to: &out)
        Bytes.appendLE(UInt16(0), to: &out)
        Bytes.appendLE(getQuoteRequest, to: &out)
        Bytes.appendLE(size, to: &out)
        Bytes.appendLE(UInt32(0), to: &out)
        Bytes.appendLE(UInt32(tdReport.count), to: &out)
        Bytes.appendLE(UInt32(0), to: &out)
        out += tdReport
        return out
    }

    /// The quote in a GET_QUOTE_RESP, with every length checked against the message.
    static func decodeGetQuoteResponse(_ message: [UInt8], source: String) throws(AttesterError) -> [UInt8] {
        func bad(_ why: String) -> AttesterError {
            AttesterError(.badResponse, "the quote generation service at \(source) sent a malformed GET_QUOTE_RESP (\(message.count) bytes): \(why)")
        }
        guard let major = Bytes.readLE(UInt16.self, message, at: 0), let type = Bytes.readLE(UInt32.self, message, at: 4),
            let size = Bytes.readLE(UInt32.self, message, at: 8), let errorCode = Bytes.readLE(UInt32.self, message, at: 12),
            let idSize = Bytes.readLE(UInt32.self, message, at: 16), let quoteSize = Bytes.readLE(UInt32.self, message, at: 20)
        else {
            throw bad("shorter than its 24-byte fixed part")
        }
        guard major == majorVersion else { throw bad("major version \(major), expected \(majorVersion)") }
        guard type == getQuoteResponse else { throw bad("message type \(type), expected GET_QUOTE_RESP (\(getQuoteResponse))") }
        guard Int(size) == message.count else { throw bad("its size field says \(size)") }
        guard errorCode == 0 else {
            throw AttesterError(
                .quoteServiceUnavailable,
                "the quote generation service at \(source) answered error code 0x\(String(errorCode, radix: 16)); a common cause is a QGS that cannot reach its PCCS (\"No certificate data for this platform\")"
            )
        }
        let (withID, o1) = 24.addingReportingOverflow(Int(idSize))
        let (end, o2) = withID.addingReportingOverflow(Int(quoteSize))
        guard !o1, !o2, end == message.count else {
            throw bad("selected_id_size \(idSize) + quote_size \(quoteSize) + 24 is not the message size")
        }
        guard quoteSize > 0 else { throw AttesterError(.emptyOutblob, "the quote generation service at \(source) returned an empty quote") }
        return Array(message[withID..<end])
    }

    /// The 4-byte big-endian length prefix followed by the message.
    static func frame(_ message: [UInt8]) -> [UInt8] {
        var out: [UInt8] = []
        Bytes.appendBE(UInt32(message.count), to: &out)
        return out + message
    }

    /// The message length a received prefix announces, refused when out of bounds.
    static func frameLength(_ prefix: [UInt8], source: String) throws(AttesterError) -> Int {
        guard let length = Bytes.readBE(UInt32.self, prefix, at: 0), prefix.count == 4 else {
            throw AttesterError(.badResponse, "the quote generation service at \(source) closed the connection before the length prefix")
        }
        guard length >= UInt32(headerSize), Int(length) <= maxMessageSize else {
            throw AttesterError(
                .badResponse,
                "the quote generation service at \(source) announced a \(length)-byte message (expected \(headerSize)-\(maxMessageSize))")
        }
        return Int(length)
    }
}
