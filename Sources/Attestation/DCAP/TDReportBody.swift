/// A TDX TD quote body: TD 1.0 (584 bytes, quote v4 and v5 body type 2) or TD 1.5
/// (648 bytes, quote v5 body type 3).
///
/// Layout (Intel TDX DCAP Quoting Library API, A.3.2 "TD Quote Body"):
///
/// | offset | size | field |
/// |-------:|-----:|-------|
/// | 0   | 16 | TEE_TCB_SVN (byte 0: TDX module SVN, byte 1: module major version) |
/// | 16  | 48 | MRSEAM |
/// | 64  | 48 | MRSIGNERSEAM |
/// | 112 | 8  | SEAMATTRIBUTES |
/// | 120 | 8  | TDATTRIBUTES (bit 0: DEBUG) |
/// | 128 | 8  | XFAM |
/// | 136 | 48 | MRTD |
/// | 184 | 48 | MRCONFIGID |
/// | 232 | 48 | MROWNER |
/// | 280 | 48 | MROWNERCONFIG |
/// | 328 | 48 | RTMR0 |
/// | 376 | 48 | RTMR1 |
/// | 424 | 48 | RTMR2 |
/// | 472 | 48 | RTMR3 |
/// | 520 | 64 | REPORTDATA |
/// | 584 | 16 | TEE_TCB_SVN_2 (TD 1.5 only) |
/// | 600 | 48 | MRSERVICETD (TD 1.5 only) |
struct TDReportBody: Sendable, Hashable {
    static let size10 = 584
    static let size15 = 648

    var teeTcbSvn: [UInt8]
    var mrSeam: [UInt8]
    var mrSignerSeam: [UInt8]
    var seamAttributes: [UInt8]
    var tdAttributes: [UInt8]
    var xfam: [UInt8]
    var mrTd: [UInt8]
    var mrConfigId: [UInt8]
    var mrOwner: [UInt8]
    var mrOwnerConfig: [UInt8]
    var rtmrs: [[UInt8]]
    var reportData: [UInt8]
    /// TD 1.5 only.
    var teeTcbSvn2: [UInt8]?
    /// TD 1.5 only.
    var mrServiceTd: [UInt8]?

    /// TD_ATTRIBUTES bit 0 (TUD.DEBUG): the host VMM can read and write the TD's memory.
    var debug: Bool { tdAttributes.first.map { $0 & 0x01 != 0 } ?? true }

    static func parse(_ reader: inout ByteReader, td15: Bool) throws(AttestationError) -> TDReportBody {
        let tcb = try reader.take(16, "td.tee_tcb_svn")
        let mrSeam = try reader.take(48, "td.mrseam")
        let mrSignerSeam = try reader.take(48, "td.mrsignerseam")
        let seamAttr = try reader.take(8, "td.seamattributes")
        let tdAttr = try reader.take(8, "td.tdattributes")
        let xfam = try reader.take(8, "td.xfam")
        let mrTd = try reader.take(48, "td.mrtd")
        let cfg = try reader.take(48, "td.mrconfigid")
        let owner = try reader.take(48, "td.mrowner")
        let ownerCfg = try reader.take(48, "td.mrownerconfig")
        var rtmrs: [[UInt8]] = []
        for i in 0..<4 { rtmrs.append(try reader.take(48, "td.rtmr\(i)")) }
        let reportData = try reader.take(64, "td.reportdata")
        var body = TDReportBody(
            teeTcbSvn: tcb, mrSeam: mrSeam, mrSignerSeam: mrSignerSeam, seamAttributes: seamAttr,
            tdAttributes: tdAttr, xfam: xfam, mrTd: mrTd, mrConfigId: cfg, mrOwner: owner,
            mrOwnerConfig: ownerCfg, rtmrs: rtmrs, reportData: reportData)
        if td15 {
            body.teeTcbSvn2 = try reader.take(16, "td.tee_tcb_svn_2")
            body.mrServiceTd = try reader.take(48, "td.mrservicetd")
        }
        return body
    }
}
