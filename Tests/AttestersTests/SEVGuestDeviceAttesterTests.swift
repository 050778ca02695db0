import Foundation
import Testing
@testable import Attesters

@Suite("/dev/sev-guest SNP_GET_EXT_REPORT")
struct SEVGuestDeviceAttesterTests {
    @Test("ioctl numbers are _IOWR('S', n, 32)")
    func ioctlNumbers() {
        #expect(SEVGuestABI.getReport == iowr(UInt8(ascii: "S"), 0, 32))
        #expect(SEVGuestABI.getExtendedReport == iowr(UInt8(ascii: "S"), 2, 32))
        #expect(SEVGuestABI.getExtendedReport == 0xC020_5302)
    }

    @Test("snp_guest_request_ioctl: msg_version 1, req_data, resp_data, zero exitinfo2 (32 bytes)")
    func guestRequestBytes() {
        let bytes = SEVGuestABI.encodeGuestRequest(requestAddress: 0x1122_3344_5566_7788, responseAddress: 0x99AA_BBCC_DDEE_FF00)
        #expect(
            bytes == [
                1, 0, 0, 0, 0, 0, 0, 0,
                0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11,
                0x00, 0xFF, 0xEE, 0xDD, 0xCC, 0xBB, 0xAA, 0x99,
                0, 0, 0, 0, 0, 0, 0, 0,
            ])
        var after = bytes
        after.replaceSubrange(24..<32, with: [0xFF, 0, 0, 0, 1, 0, 0, 0])
        let (fw, vmm) = SEVGuestABI.decodeGuestRequest(after)
        #expect(fw == 0xFF && vmm == 1)
    }

    @Test("snp_ext_report_req: user_data, vmpl, 28 reserved zero bytes, certs_address, certs_len, padding (112 bytes)")
    func extendedRequestBytes() {
        let bytes = SEVGuestABI.encodeExtendedReportRequest(
            reportData: Vectors.reportData, vmpl: 2,
            certificatesAddress: 0x0000_7F00_1234_5000, certificatesLength: 0x4000)
        var expected = Vectors.reportData
        expected += [2, 0, 0, 0] + [UInt8](repeating: 0, count: 28)
        expected += [0x00, 0x50, 0x34, 0x12, 0x00, 0x7F, 0x00, 0x00]
        expected += [0x00, 0x40, 0x00, 0x00] + [0, 0, 0, 0]
        #expect(bytes.count == 112)
        #expect(bytes == expected)
        #expect(SEVGuestABI.decodeCertificatesLength(bytes) == 0x4000)
        #expect(SEVGuestABI.encodeReportRequest(reportData: Vectors.reportData, vmpl: 0).count == 96)
    }

    @Test("MSG_REPORT_RSP: status 0 and report_size 0x4A0 give the report; anything else is refused")
    func reportResponse() throws {
        let report = try Vectors.milan().report
        func response(status: UInt32, size: UInt32) -> [UInt8] {
            var out = Memory.le(status) + Memory.le(size) + [UInt8](repeating: 0, count: 24) + report
            out += [UInt8](repeating: 0, count: 4000 - out.count)
            return out
        }
        #expect(try SEVGuestABI.decodeReportResponse(response(status: 0, size: 0x4A0), source: "t") == report)
        let firmware = #expect(throws: AttesterError.self) { try SEVGuestABI.decodeReportResponse(response(status: 0x16, size: 0x4A0), source: "t") }
        #expect(firmware?.code == .deviceError && firmware?.reason.contains("INVALID_PARAM") == true)
        let size = #expect(throws: AttesterError.self) { try SEVGuestABI.decodeReportResponse(response(status: 0, size: 4000), source: "t") }
        #expect(size?.code == .badResponse)
        #expect(throws: AttesterError.self) { try SEVGuestABI.decodeReportResponse([0, 0], source: "t") }
    }

    /// The kernel's side of SNP_GET_EXT_REPORT: reads the structs through their addresses,
    /// answers INVALID_LEN (EIO, needed size in certs_len) when the buffer is too small.
    static func kernel(report: [UInt8], table: [UInt8], seen: @escaping @Sendable ([UInt8], UInt32) -> Void = { _, _ in }) -> FakeDevice {
        FakeDevice(path: "/fake/sev-guest") { request, argument in
            guard request == SEVGuestABI.getExtendedReport else { return .failed(ENOTTY) }
            let guest = Memory.read(argument, 32)
            guard guest[0] == 1, let req = Bytes.readLE(UInt64.self, guest, at: 8), let resp = Bytes.readLE(UInt64.self, guest, at: 16) else {
                return .failed(EINVAL)
            }
            let ext = Memory.read(address: req, 112)
            let certsAddress = Bytes.readLE(UInt64.self, ext, at: 96) ?? 0
            let certsLength = Bytes.readLE(UInt32.self, ext, at: 104) ?? 0
            seen(Array(ext[0..<64]), certsLength)
            guard certsLength % 4096 == 0 else { return .failed(EINVAL) }
            let needed = UInt32((table.count + 4095) / 4096 * 4096)
            if certsLength < needed {
                Memory.write(Memory.le(needed), address: req, at: 104)
                Memory.write(Memory.le(UInt32(0)) + Memory.le(UInt32(1)), to: argument, at: 24)
                return .failed(EIO)
            }
            Memory.write(table, address: certsAddress)
            Memory.write(Memory.le(UInt32(0)) + Memory.le(UInt32(0x4A0)) + [UInt8](repeating: 0, count: 24) + report, address: resp)
            Memory.write(Memory.le(UInt32(0xFF)) + Memory.le(UInt32(0)), to: argument, at: 24)
            return .success
        }
    }

    @Test("the real report and certificate table through a fake kernel: report data sent, three DER certificates back")
    func realVectors() async throws {
        let m = try Vectors.milan()
        let box = Box()
        let device = Self.kernel(report: m.report, table: try Vectors.milanTable()) { data, length in box.set(data, length) }
        let evidence = try await SEVGuestDeviceAttester(device: device).attest(try Vectors.request())
        #expect(evidence.evidence == m.report)
        #expect(evidence.collateral == [m.vcek, m.ask, m.ark])
        #expect(evidence.interface == "/fake/sev-guest")
        #expect(box.data == Vectors.reportData)
        #expect(box.lengths == [0x4000])
    }

    @Test("certificate buffer too small: one retry with the size the kernel wrote back")
    func retryOnInvalidLength() async throws {
        let m = try Vectors.milan()
        let box = Box()
        let table = try Vectors.milanTable(padding: 0x4000)  // needs 0x6000: more than the first offer
        let device = Self.kernel(report: m.report, table: table) { data, length in box.set(data, length) }
        let evidence = try await SEVGuestDeviceAttester(device: device).attest(try Vectors.request())
        #expect(box.lengths == [0x4000, 0x6000])
        #expect(evidence.collateral == [m.vcek, m.ask, m.ark])
    }

    @Test("a kernel that keeps asking for more is not retried twice")
    func noEndlessRetry() async throws {
        let device = FakeDevice(path: "/fake/sev-guest") { _, argument in
            let guest = Memory.read(argument, 32)
            let req = Bytes.readLE(UInt64.self, guest, at: 8) ?? 0
            let length = Bytes.readLE(UInt32.self, Memory.read(address: req, 112), at: 104) ?? 0
            Memory.write(Memory.le(length + 4096), address: req, at: 104)
            Memory.write(Memory.le(UInt32(0)) + Memory.le(UInt32(1)), to: argument, at: 24)
            return .failed(EIO)
        }
        let error = await #expect(throws: AttesterError.self) { try await SEVGuestDeviceAttester(device: device).attest(try Vectors.request()) }
        #expect(error?.code == .deviceError)
        #expect(device.callCount == 2)
    }

    @Test("firmware error: device-error with fw_error, no retry")
    func firmwareError() async throws {
        let device = FakeDevice(path: "/fake/sev-guest") { _, argument in
            Memory.write(Memory.le(UInt32(0x16)) + Memory.le(UInt32(0)), to: argument, at: 24)
            return .failed(EIO)
        }
        let error = await #expect(throws: AttesterError.self) { try await SEVGuestDeviceAttester(device: device).attest(try Vectors.request()) }
        #expect(error?.code == .deviceError)
        #expect(error?.reason.contains("fw_error 0x16") == true)
        #expect(device.callCount == 1)
    }

    @Test("open failures: missing node is interface-missing, EACCES permission-denied; the real device path too")
    func openFailures() async throws {
        for (e, code) in [(ENOENT, AttesterError.Code.interfaceMissing), (EACCES, .permissionDenied)] {
            let device = FakeDevice(path: "/fake/sev-guest") { _, _ in .openFailed(e) }
            let error = await #expect(throws: AttesterError.self) { try await SEVGuestDeviceAttester(device: device).attest(try Vectors.request()) }
            #expect(error?.code == code)
            #expect(error?.reason.contains("/fake/sev-guest") == true)
        }
        let dir = try TemporaryDirectory()
        let error = await #expect(throws: AttesterError.self) {
            try await SEVGuestDeviceAttester(path: dir.path + "/sev-guest").attest(try Vectors.request())
        }
        #expect(error?.code == .interfaceMissing)
    }
}

/// Collects what a fake saw, across the blocking thread.
final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private(set) var data: [UInt8] = []
    private(set) var lengths: [UInt32] = []
    func set(_ data: [UInt8], _ length: UInt32) {
        lock.lock(); defer { lock.unlock() }
        self.data = data
        lengths.append(length)
    }
}
