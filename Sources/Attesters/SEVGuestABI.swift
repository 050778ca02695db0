/// The `/dev/sev-guest` ioctl structures (uapi `linux/sev-guest.h`; ATTESTERS.md §2.1),
/// encoded and decoded byte by byte, little-endian, never through Swift struct layout.
///
/// | struct | bytes | layout |
/// |--------|------:|--------|
/// | `snp_guest_request_ioctl` | 32 | 0 `u8 msg_version` (1) · 1 pad[7] · 8 `u64 req_data` · 16 `u64 resp_data` · 24 `u64 exitinfo2` = {24 `u32 fw_error`, 28 `u32 vmm_error`} |
/// | `snp_report_req` | 96 | 0 `user_data[64]` · 64 `u32 vmpl` · 68 `rsvd[28]` (zero) |
/// | `snp_ext_report_req` | 112 | 0 `snp_report_req` · 96 `u64 certs_address` · 104 `u32 certs_len` · 108 pad[4] |
/// | `snp_report_resp` | 4000 | MSG_REPORT_RSP: 0 `u32 status` · 4 `u32 report_size` · 8 reserved[24] · 32 report (0x4A0) |
///
/// ioctl numbers (`_IOWR('S', n, struct snp_guest_request_ioctl)`): SNP_GET_REPORT
/// 0xC0205300, SNP_GET_EXT_REPORT 0xC0205302.
enum SEVGuestABI {
    static let getReport: UInt = 0xC020_5300
    static let getExtendedReport: UInt = 0xC020_5302

    static let guestRequestSize = 32
    static let reportRequestSize = 96
    static let extendedReportRequestSize = 112
    static let reportResponseSize = 4000
    static let messageVersion: UInt8 = 1

    /// `SEV_FW_BLOB_MAX_SIZE`: the kernel's certificate buffer limit (certs_len must be a
    /// multiple of 4096 and at most this, else EINVAL).
    static let certificateBufferSize = 0x4000
    /// The largest size a kernel's "buffer too small" answer is believed for (a patch raising
    /// the limit to 0x5000 was seen; anything past this is treated as a bad answer).
    static let certificateBufferCeiling = 0x10000
    static let page = 4096

    /// `SNP_GUEST_VMM_ERR_INVALID_LEN`: the certificate buffer is too small; the kernel wrote
    /// the needed size back into `certs_len`.
    static let vmmErrorInvalidLength: UInt32 = 1
    /// `SNP_GUEST_VMM_ERR_BUSY`: the host stayed busy for the kernel's whole retry period.
    static let vmmErrorBusy: UInt32 = 2

    static func encodeGuestRequest(requestAddress: UInt64, responseAddress: UInt64) -> [UInt8] {
        var out: [UInt8] = [messageVersion] + [UInt8](repeating: 0, count: 7)
        Bytes.appendLE(requestAddress, to: &out)
        Bytes.appendLE(responseAddress, to: &out)
        Bytes.appendLE(UInt64(0), to: &out)
        return out
    }

    /// `exitinfo2` after the call: firmware error (0xff or 0 when none) and VMM error.
    static func decodeGuestRequest(_ bytes: [UInt8]) -> (firmwareError: UInt32, vmmError: UInt32) {
        (Bytes.readLE(UInt32.self, bytes, at: 24) ?? 0, Bytes.readLE(UInt32.self, bytes, at: 28) ?? 0)
    }

    static func encodeReportRequest(reportData: [UInt8], vmpl: UInt32) -> [UInt8] {
        var out = Array(reportData.prefix(64))
        out += [UInt8](repeating: 0, count: 64 - out.count)
        Bytes.appendLE(vmpl, to: &out)
        out += [UInt8](repeating: 0, count: 28)
        return out
    }

    static func encodeExtendedReportRequest(reportData: [UInt8], vmpl: UInt32, certificatesAddress: UInt64, certificatesLength: UInt32) -> [UInt8] {
        var out = encodeReportRequest(reportData: reportData, vmpl: vmpl)
        Bytes.appendLE(certificatesAddress, to: &out)
        Bytes.appendLE(certificatesLength, to: &out)
        out += [0, 0, 0, 0]
        return out
    }

    /// `certs_len` as the kernel left it in an `snp_ext_report_req`.
    static func decodeCertificatesLength(_ extendedRequest: [UInt8]) -> UInt32? {
        Bytes.readLE(UInt32.self, extendedRequest, at: 104)
    }

    /// The attestation report inside a MSG_REPORT_RSP: status 0, report_size 0x4A0, and the
    /// report within the 4000 bytes.
    static func decodeReportResponse(_ bytes: [UInt8], source: String) throws(AttesterError) -> [UInt8] {
        guard bytes.count == reportResponseSize,
            let status = Bytes.readLE(UInt32.self, bytes, at: 0),
            let size = Bytes.readLE(UInt32.self, bytes, at: 4)
        else {
            throw AttesterError(.badResponse, "\(source) returned a \(bytes.count)-byte response; MSG_REPORT_RSP is \(reportResponseSize)")
        }
        guard status == 0 else {
            let meaning = status == 0x16 ? " (INVALID_PARAM)" : status == 0x27 ? " (INVALID_KEY)" : ""
            throw AttesterError(.deviceError, "\(source): the firmware answered MSG_REPORT_RSP status 0x\(String(status, radix: 16))\(meaning)")
        }
        guard Int(size) == SNPReportFields.size, let report = Bytes.slice(bytes, at: 32, count: Int(size)) else {
            throw AttesterError(
                .badResponse, "\(source): MSG_REPORT_RSP report_size is \(size); an attestation report is \(SNPReportFields.size) bytes")
        }
        return report
    }
}
