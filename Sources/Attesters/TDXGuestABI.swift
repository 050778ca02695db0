/// The `/dev/tdx_guest` ioctl (uapi `linux/tdx-guest.h`; ATTESTERS.md §2.3).
///
/// | struct | bytes | layout |
/// |--------|------:|--------|
/// | `tdx_report_req` | 1088 | 0 `reportdata[64]` (in) · 64 `tdreport[1024]` (out) |
///
/// `TDX_CMD_GET_REPORT0 = _IOWR('T', 1, struct tdx_report_req) = 0xC4405401`, the only ioctl
/// upstream has. A TDREPORT is MAC'd for this platform only; it becomes remote evidence once
/// the quoting enclave on the host turns it into a quote (`QGSMessage`).
enum TDXGuestABI {
    static let getReport0: UInt = 0xC440_5401
    static let reportRequestSize = 1088
    static let tdReportSize = 1024

    static func encodeReportRequest(reportData: [UInt8]) -> [UInt8] {
        var out = Array(reportData.prefix(64))
        out += [UInt8](repeating: 0, count: reportRequestSize - out.count)
        return out
    }

    /// The TDREPORT the kernel wrote; refused when it is all zero (the call did nothing).
    static func decodeReport(_ request: [UInt8], source: String) throws(AttesterError) -> [UInt8] {
        guard request.count == reportRequestSize, let report = Bytes.slice(request, at: 64, count: tdReportSize) else {
            throw AttesterError(.badResponse, "\(source) TDX_CMD_GET_REPORT0 left \(request.count) bytes; tdx_report_req is \(reportRequestSize)")
        }
        guard report.contains(where: { $0 != 0 }) else {
            throw AttesterError(.badResponse, "\(source) TDX_CMD_GET_REPORT0 succeeded but wrote no TDREPORT (all zero)")
        }
        return report
    }
}
