import Foundation
import Testing
@testable import Attesters

@Suite("/dev/tdx_guest TDREPORT and the host's quote generation service")
struct TDXGuestDeviceAttesterTests {
    static let tdReport: [UInt8] = (0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }

    @Test("TDX_CMD_GET_REPORT0 is _IOWR('T', 1, 1088) and tdx_report_req is reportdata then 1024 zero bytes")
    func reportRequestBytes() throws {
        #expect(TDXGuestABI.getReport0 == iowr(UInt8(ascii: "T"), 1, 1088))
        #expect(TDXGuestABI.getReport0 == 0xC440_5401)
        let bytes = TDXGuestABI.encodeReportRequest(reportData: Vectors.reportData)
        #expect(bytes == Vectors.reportData + [UInt8](repeating: 0, count: 1024))
        #expect(try TDXGuestABI.decodeReport(Vectors.reportData + Self.tdReport, source: "t") == Self.tdReport)
        #expect(throws: AttesterError.self) { try TDXGuestABI.decodeReport(bytes, source: "t") }
        #expect(throws: AttesterError.self) { try TDXGuestABI.decodeReport(Array(bytes.prefix(100)), source: "t") }
    }

    @Test(
        "GET_QUOTE_REQ: 16-byte header (1, 0, type 0, size 1048, error 0), report_size 1024, id_list_size 0, TDREPORT; framed with a big-endian length"
    )
    func quoteRequestBytes() throws {
        let message = QGSMessage.encodeGetQuoteRequest(tdReport: Self.tdReport)
        let header: [UInt8] = [1, 0, 0, 0, 0, 0, 0, 0, 0x18, 0x04, 0, 0, 0, 0, 0, 0, 0x00, 0x04, 0, 0, 0, 0, 0, 0]
        #expect(message == header + Self.tdReport)
        #expect(message.count == 1048)
        #expect(QGSMessage.frame(message).prefix(4) == [0, 0, 0x04, 0x18])
        #expect(try QGSMessage.frameLength([0, 0, 0x04, 0x18], source: "t") == 1048)
        #expect(throws: AttesterError.self) { try QGSMessage.frameLength([0xFF, 0xFF, 0xFF, 0xFF], source: "t") }
        #expect(throws: AttesterError.self) { try QGSMessage.frameLength([0, 0], source: "t") }
    }

    static func response(quote: [UInt8], id: [UInt8] = [], error: UInt32 = 0, type: UInt32 = 1, sizeDelta: Int = 0, quoteSizeOverride: UInt32? = nil)
        -> [UInt8]
    {
        let size = 24 + id.count + quote.count + sizeDelta
        var out: [UInt8] = Memory.le(UInt16(1)) + Memory.le(UInt16(1)) + Memory.le(type) + Memory.le(UInt32(size)) + Memory.le(error)
        out += Memory.le(UInt32(id.count)) + Memory.le(quoteSizeOverride ?? UInt32(quote.count)) + id + quote
        return out
    }

    @Test("GET_QUOTE_RESP decodes the quote after the selected id; malformed or failed answers are refused")
    func quoteResponse() throws {
        let quote = try Vectors.bytes("tdx/trustee-q4-lunal-collateral/tdx_quote_4.dat")
        #expect(try QGSMessage.decodeGetQuoteResponse(Self.response(quote: quote, id: [9, 9, 9, 9]), source: "t") == quote)
        let failed = #expect(throws: AttesterError.self) { try QGSMessage.decodeGetQuoteResponse(Self.response(quote: [], error: 0x12), source: "t") }
        #expect(failed?.code == .quoteServiceUnavailable)
        for bad in [
            Self.response(quote: quote, type: 0), Self.response(quote: quote, quoteSizeOverride: UInt32.max),
            Self.response(quote: quote, quoteSizeOverride: 10), Array(Self.response(quote: quote).prefix(20)),
        ] {
            let error = #expect(throws: AttesterError.self) { try QGSMessage.decodeGetQuoteResponse(bad, source: "t") }
            #expect(error?.code == .badResponse)
        }
        var sizeLies = Self.response(quote: quote)
        sizeLies[8] &+= 1
        #expect(throws: AttesterError.self) { try QGSMessage.decodeGetQuoteResponse(sizeLies, source: "t") }
    }

    @Test("sockaddr_vm for CID 2 port 4050 is 16 bytes, family AF_VSOCK (40)")
    func vsockAddress() {
        #expect(VsockQuoteService.socketAddress(cid: 2, port: 4050) == [40, 0, 0, 0, 0xD2, 0x0F, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0])
    }

    static func device() -> FakeDevice {
        FakeDevice(path: "/fake/tdx_guest") { request, argument in
            guard request == TDXGuestABI.getReport0 else { return .failed(ENOTTY) }
            guard Memory.read(argument, 64) == Vectors.reportData else { return .failed(EINVAL) }
            Memory.write(tdReport, to: argument, at: 64)
            return .success
        }
    }

    @Test("report then quote: the TDREPORT reaches the QGS byte-exact and the real quote comes back")
    func realQuote() async throws {
        let quote = try Vectors.bytes("tdx/phala-dcap-qvl/tdx_quote")
        let qgs = FakeQGS { message throws(AttesterError) in
            guard message == QGSMessage.encodeGetQuoteRequest(tdReport: Self.tdReport) else {
                throw AttesterError(.badRequest, "unexpected request")
            }
            return Self.response(quote: quote)
        }
        let evidence = try await TDXGuestDeviceAttester(device: Self.device(), service: qgs).attest(try Vectors.request())
        #expect(evidence.tee == .tdx)
        #expect(evidence.evidence == quote)
        #expect(evidence.interface == "/fake/tdx_guest+fake-qgs")
    }

    @Test("no /etc/tdx-attest.conf: quote-service-unavailable, before the device is touched")
    func noConfig() async throws {
        let dir = try TemporaryDirectory()
        let device = Self.device()
        let attester = TDXGuestDeviceAttester(device: device, service: nil, configPath: dir.path + "/tdx-attest.conf")
        let error = await #expect(throws: AttesterError.self) { try await attester.attest(try Vectors.request()) }
        #expect(error?.code == .quoteServiceUnavailable)
        #expect(error?.reason.contains("tdx-attest.conf") == true)
        #expect(device.callCount == 0)
    }

    @Test("the port line of tdx-attest.conf, with spaces and comments")
    func configPort() throws {
        #expect(try TDXGuestDeviceAttester.parsePort(Array("# qgs\nport = 4050\n".utf8), source: "c") == 4050)
        #expect(try TDXGuestDeviceAttester.parsePort(Array("port=4051 # vsock".utf8), source: "c") == 4051)
        let none = #expect(throws: AttesterError.self) { try TDXGuestDeviceAttester.parsePort(Array("\n".utf8), source: "c") }
        #expect(none?.code == .quoteServiceUnavailable)
        let bad = #expect(throws: AttesterError.self) { try TDXGuestDeviceAttester.parsePort(Array("port = x".utf8), source: "c") }
        #expect(bad?.code == .badRequest)
    }

    @Test("a configured port with no QGS listening: quote-service-unavailable naming the vsock address")
    func unreachableService() async throws {
        let dir = try TemporaryDirectory()
        try dir.write("tdx-attest.conf", Array("port = 4050\n".utf8))
        let attester = TDXGuestDeviceAttester(device: Self.device(), service: nil, configPath: dir.path + "/tdx-attest.conf")
        let error = await #expect(throws: AttesterError.self) { try await attester.attest(try Vectors.request()) }
        #expect(error?.code == .quoteServiceUnavailable)
        #expect(error?.reason.contains("vsock") == true)
    }

    @Test("ioctl failures map to clear errors")
    func ioctlFailures() async throws {
        let qgs = FakeQGS { _ throws(AttesterError) in [] }
        for (outcome, code) in [
            (IoctlOutcome.openFailed(ENOENT), AttesterError.Code.interfaceMissing),
            (.openFailed(EACCES), .permissionDenied), (.failed(EIO), .deviceError),
        ] {
            let device = FakeDevice(path: "/fake/tdx_guest") { _, _ in outcome }
            let error = await #expect(throws: AttesterError.self) {
                try await TDXGuestDeviceAttester(device: device, service: qgs).attest(try Vectors.request())
            }
            #expect(error?.code == code)
        }
    }
}
