/// An SGX enclave report body (`sgx_report_body_t`, 384 bytes): the ISV enclave's report in an
/// SGX quote and the QE report inside every quote's signature data.
///
/// Layout (Intel SGX ECDSA Quote Library API, A.4 "Enclave Report Body"):
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0   | 16 | CPUSVN |
/// | 16  | 4  | MISCSELECT (LE) |
/// | 20  | 12 | reserved (0) |
/// | 32  | 16 | ISVEXTPRODID |
/// | 48  | 16 | ATTRIBUTES (FLAGS 8 LE, XFRM 8 LE) |
/// | 64  | 32 | MRENCLAVE |
/// | 96  | 32 | reserved (0) |
/// | 128 | 32 | MRSIGNER |
/// | 160 | 32 | reserved (0) |
/// | 192 | 64 | CONFIGID |
/// | 256 | 2  | ISVPRODID (LE) |
/// | 258 | 2  | ISVSVN (LE) |
/// | 260 | 2  | CONFIGSVN (LE) |
/// | 262 | 42 | reserved (0) |
/// | 304 | 16 | ISVFAMILYID |
/// | 320 | 64 | REPORTDATA |
struct SGXReportBody: Sendable, Hashable {
    static let size = 384

    var cpuSvn: [UInt8]
    var miscSelect: UInt32
    var isvExtProdId: [UInt8]
    var attributes: [UInt8]
    var mrEnclave: [UInt8]
    var mrSigner: [UInt8]
    var configId: [UInt8]
    var isvProdId: UInt16
    var isvSvn: UInt16
    var configSvn: UInt16
    var isvFamilyId: [UInt8]
    var reportData: [UInt8]
    /// The 384 bytes as they appear in the quote (the QE report signature covers them).
    var raw: [UInt8]

    /// ATTRIBUTES.FLAGS bit 1 (DEBUG): the enclave's memory is readable by a debugger.
    var debug: Bool { attributes.first.map { $0 & 0x02 != 0 } ?? true }

    static func parse(_ reader: inout ByteReader, _ name: String) throws(AttestationError) -> SGXReportBody {
        let start = reader.offset
        let raw = try reader.take(size, name)
        var r = ByteReader(reader.input, structure: reader.structure, offset: start, end: start + size)
        let cpuSvn = try r.take(16, "\(name).cpusvn")
        let misc = try r.u32("\(name).miscselect")
        try r.reserved(12, "\(name).reserved1")
        let ext = try r.take(16, "\(name).isvextprodid")
        let attributes = try r.take(16, "\(name).attributes")
        let mrEnclave = try r.take(32, "\(name).mrenclave")
        try r.reserved(32, "\(name).reserved2")
        let mrSigner = try r.take(32, "\(name).mrsigner")
        try r.reserved(32, "\(name).reserved3")
        let configId = try r.take(64, "\(name).configid")
        let prod = try r.u16("\(name).isvprodid")
        let svn = try r.u16("\(name).isvsvn")
        let configSvn = try r.u16("\(name).configsvn")
        try r.reserved(42, "\(name).reserved4")
        let family = try r.take(16, "\(name).isvfamilyid")
        let reportData = try r.take(64, "\(name).reportdata")
        return SGXReportBody(
            cpuSvn: cpuSvn, miscSelect: misc, isvExtProdId: ext, attributes: attributes,
            mrEnclave: mrEnclave, mrSigner: mrSigner, configId: configId, isvProdId: prod,
            isvSvn: svn, configSvn: configSvn, isvFamilyId: family, reportData: reportData, raw: raw)
    }
}
