/// The 48-byte header every DCAP quote (v3, v4, v5) starts with.
///
/// Layout (Intel SGX ECDSA Quote Library API, App. A.4; Intel TDX DCAP Quoting Library API, A.3):
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0  | 2  | version (3 = SGX, 4 = TDX 1.0 / SGX, 5 = with body descriptor) |
/// | 2  | 2  | attestation key type (2 = ECDSA-256 with P-256) |
/// | 4  | 4  | TEE type (0x00000000 SGX, 0x00000081 TDX; reserved = 0 in v3) |
/// | 8  | 2  | QE SVN (v3) / reserved (v4, v5) |
/// | 10 | 2  | PCE SVN (v3) / reserved (v4, v5) |
/// | 12 | 16 | QE vendor id (Intel: 939A7233-F79C-4CA9-940A-0DB3957F0607) |
/// | 28 | 20 | user data (first 16 bytes: QE id) |
struct QuoteHeader: Sendable, Hashable {
    static let size = 48
    static let intelQEVendorID: [UInt8] = [
        0x93, 0x9A, 0x72, 0x33, 0xF7, 0x9C, 0x4C, 0xA9,
        0x94, 0x0A, 0x0D, 0xB3, 0x95, 0x7F, 0x06, 0x07,
    ]
    static let attestationKeyECDSAP256: UInt16 = 2
    static let teeTypeSGX: UInt32 = 0x00
    static let teeTypeTDX: UInt32 = 0x81

    var version: UInt16
    var attestationKeyType: UInt16
    var teeType: UInt32
    /// Bytes 8..<12: QE SVN and PCE SVN in v3, reserved later (kept raw; the PCK certificate is
    /// the authority for the PCE SVN, so nothing is decided on these).
    var svnOrReserved: [UInt8]
    var qeVendorID: [UInt8]
    var userData: [UInt8]

    /// Parses the header. Checks only what makes the rest of the quote parseable; which
    /// versions/TEE types a verifier accepts is decided by the caller.
    static func parse(_ reader: inout ByteReader) throws(AttestationError) -> QuoteHeader {
        let version = try reader.u16("header.version")
        let keyType = try reader.u16("header.att_key_type")
        let teeType = try reader.u32("header.tee_type")
        let svn = try reader.take(4, "header.qe_svn/pce_svn")
        let vendor = try reader.take(16, "header.qe_vendor_id")
        let user = try reader.take(20, "header.user_data")
        guard version == 3 || version == 4 || version == 5 else {
            throw AttestationError(.malformed, "DCAP quote version \(version) is not supported (3, 4 or 5)")
        }
        guard keyType == attestationKeyECDSAP256 else {
            throw AttestationError(.malformed, "DCAP attestation key type \(keyType) is not supported (2 = ECDSA P-256)")
        }
        guard teeType == teeTypeSGX || teeType == teeTypeTDX else {
            throw AttestationError(.malformed, "DCAP quote TEE type 0x\(String(teeType, radix: 16)) is neither SGX (0) nor TDX (0x81)")
        }
        if version == 3, teeType != teeTypeSGX {
            throw AttestationError(.malformed, "DCAP quote v3 must be an SGX quote")
        }
        if version >= 4, teeType == teeTypeTDX {
            guard svn.allSatisfy({ $0 == 0 }) else {
                throw AttestationError(.malformed, "DCAP quote v\(version): reserved header bytes 8..<12 are not zero")
            }
        }
        return QuoteHeader(
            version: version, attestationKeyType: keyType, teeType: teeType,
            svnOrReserved: svn, qeVendorID: vendor, userData: user)
    }
}
