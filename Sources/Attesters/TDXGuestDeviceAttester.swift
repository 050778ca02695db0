#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// TDX evidence for kernels without configfs-tsm: a TDREPORT from `/dev/tdx_guest`
/// (TDX_CMD_GET_REPORT0), turned into a DCAP quote by the host's Quote Generation Service over
/// vsock (ATTESTERS.md §2.3, the second path libtdx_attest tries).
///
/// The vsock port comes from `/etc/tdx-attest.conf` (`port = N`, conventionally 4050), as
/// libtdx_attest reads it; without that file libtdx_attest does not use vsock either, and this
/// attester fails with `quote-service-unavailable` instead of guessing. The legacy
/// TDX_CMD_GET_QUOTE ioctl is not upstream and is not used.
public struct TDXGuestDeviceAttester: Attester {
    public static let defaultPath = "/dev/tdx_guest"
    public static let defaultConfigPath = "/etc/tdx-attest.conf"

    public var tee: AttesterTEE { .tdx }
    public var interface: String { device.path }
    /// The libtdx_attest configuration naming the QGS vsock port.
    public let configPath: String
    let device: any IoctlDevice
    /// Injected in tests; nil means vsock to the host at the configured port.
    let service: (any QuoteGenerationService)?
    let files: any FileSystem

    public init(path: String = TDXGuestDeviceAttester.defaultPath, configPath: String = TDXGuestDeviceAttester.defaultConfigPath) {
        self.init(device: LinuxIoctlDevice(path: path), service: nil, configPath: configPath, files: POSIXFileSystem())
    }

    init(
        device: any IoctlDevice, service: (any QuoteGenerationService)?, configPath: String = TDXGuestDeviceAttester.defaultConfigPath,
        files: any FileSystem = POSIXFileSystem()
    ) {
        self.device = device
        self.service = service
        self.configPath = configPath
        self.files = files
    }

    public func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence {
        let attester = self
        return try await Blocking.run { () throws(AttesterError) in try attester.attestBlocking(request) }
    }

    func attestBlocking(_ request: AttestationRequest) throws(AttesterError) -> AttesterEvidence {
        let service: any QuoteGenerationService
        if let injected = self.service {
            service = injected
        } else {
            service = VsockQuoteService(cid: VsockQuoteService.hostCID, port: try configuredPort())
        }
        let tdReport = try report(request.reportData)
        let response = try service.exchange(QGSMessage.encodeGetQuoteRequest(tdReport: tdReport))
        let quote = try QGSMessage.decodeGetQuoteResponse(response, source: service.address)
        try DCAPQuoteShape.check(quote, tee: .tdx, source: "the quote generation service at \(service.address)")
        return AttesterEvidence(tee: .tdx, evidence: quote, interface: "\(device.path)+\(service.address)")
    }

    func report(_ reportData: [UInt8]) throws(AttesterError) -> [UInt8] {
        let path = device.path
        return try IoctlMemory.with(sizes: [TDXGuestABI.reportRequestSize]) { buffers throws(AttesterError) -> [UInt8] in
            IoctlMemory.store(TDXGuestABI.encodeReportRequest(reportData: reportData), into: buffers[0])
            guard let argument = buffers[0].baseAddress else { throw AttesterError(.deviceError, "no memory for the request") }
            switch device.ioctl(TDXGuestABI.getReport0, argument) {
            case .success:
                return try TDXGuestABI.decodeReport(IoctlMemory.load(buffers[0]), source: path)
            case .openFailed(let e):
                throw AttesterError.system(e, "open", path, missingHint: "the tdx_guest driver is not loaded or this is not a TD")
            case .failed(let e):
                throw AttesterError(
                    .deviceError,
                    "\(path) TDX_CMD_GET_REPORT0: \(AttesterError.describe(errno: e))\(e == ENOTTY ? "; the driver does not know this ioctl" : "")")
            }
        }
    }

    /// `port = N` from the configuration (blank lines and `#` comments allowed).
    func configuredPort() throws(AttesterError) -> UInt32 {
        let text: [UInt8]
        do throws(FileSystemError) {
            text = try files.read(configPath, limit: 64 * 1024)
        } catch  where error.errno == ENOENT {
            throw AttesterError(
                .quoteServiceUnavailable,
                "no TDX quote path: configfs-tsm is missing and \(configPath) does not exist, so no vsock port for the host's quote generation service is known (add \"port = 4050\" if the host runs qgsd on vsock)"
            )
        } catch {
            throw AttesterError(error)
        }
        return try Self.parsePort(text, source: configPath)
    }

    static func parsePort(_ text: [UInt8], source: String) throws(AttesterError) -> UInt32 {
        for rawLine in String(decoding: text, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: true) {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0].trimmingSpaces == "port" else { continue }
            guard let port = UInt32(parts[1].trimmingSpaces), port > 0 else {
                throw AttesterError(.badRequest, "\(source) has \"port =\(parts[1])\", not a port number")
            }
            return port
        }
        throw AttesterError(
            .quoteServiceUnavailable,
            "no TDX quote path: configfs-tsm is missing and \(source) has no \"port = N\" line for the host's quote generation service")
    }
}

extension Substring {
    var trimmingSpaces: String {
        String(drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed().drop(while: { $0 == " " || $0 == "\t" || $0 == "\r" }).reversed())
    }
}
