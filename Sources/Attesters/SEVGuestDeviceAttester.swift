#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SEV-SNP evidence through `/dev/sev-guest` SNP_GET_EXT_REPORT, for kernels without
/// configfs-tsm (ATTESTERS.md §2.1).
///
/// The extended report returns the host's certificate table next to the report; it is parsed
/// strictly (`SNPCertificateTable`) and the endorsement key, ASK and ARK are sent as separate
/// DER certificates, as the broker's SNP verifier takes them.
///
/// The first request offers the kernel's largest certificate buffer (16 KiB). When the host
/// needs more, the kernel fails with EIO, `vmm_error` INVALID_LEN and the needed size in
/// `certs_len`; the request is repeated once with that size (go-sev-guest does the same). Any
/// other failure is not retried: after a firmware error the driver disables the VMPCK until
/// reboot, so repeating requests only makes it worse.
public struct SEVGuestDeviceAttester: Attester {
    public static let defaultPath = "/dev/sev-guest"

    public var tee: AttesterTEE { .sevSNP }
    public var interface: String { device.path }
    /// The VMPL written into the request (0 unless the guest runs under an SVSM).
    public let vmpl: UInt32
    let device: any IoctlDevice

    public init(path: String = SEVGuestDeviceAttester.defaultPath, vmpl: UInt32 = 0) {
        self.init(device: LinuxIoctlDevice(path: path), vmpl: vmpl)
    }

    init(device: any IoctlDevice, vmpl: UInt32 = 0) {
        self.device = device
        self.vmpl = vmpl
    }

    public func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence {
        let attester = self
        return try await Blocking.run { () throws(AttesterError) in try attester.attestBlocking(request) }
    }

    func attestBlocking(_ request: AttestationRequest) throws(AttesterError) -> AttesterEvidence {
        guard vmpl <= 3 else { throw AttesterError(.badRequest, "VMPL \(vmpl) is out of range 0-3") }
        var certificatesLength = SEVGuestABI.certificateBufferSize
        var retried = false
        while true {
            switch try extendedReport(reportData: request.reportData, certificatesLength: certificatesLength) {
            case .done(let report, let certificates):
                return try evidence(report: report, certificates: certificates)
            case .needsCertificateBuffer(let needed):
                guard !retried, needed > certificatesLength, needed % SEVGuestABI.page == 0,
                    needed <= SEVGuestABI.certificateBufferCeiling
                else {
                    throw AttesterError(
                        .deviceError,
                        "\(device.path): the host's certificate table needs \(needed) bytes, after offering \(certificatesLength); no usable buffer size (a multiple of 4096, at most \(SEVGuestABI.certificateBufferCeiling))"
                    )
                }
                retried = true
                certificatesLength = needed
            }
        }
    }

    private enum Outcome {
        case done(report: [UInt8], certificates: [UInt8])
        case needsCertificateBuffer(Int)
    }

    private func extendedReport(reportData: [UInt8], certificatesLength: Int) throws(AttesterError) -> Outcome {
        let path = device.path
        return try IoctlMemory.with(sizes: [
            SEVGuestABI.guestRequestSize, SEVGuestABI.extendedReportRequestSize,
            SEVGuestABI.reportResponseSize, certificatesLength,
        ]) { buffers throws(AttesterError) -> Outcome in
            let (guest, extended, response, certificates) = (buffers[0], buffers[1], buffers[2], buffers[3])
            IoctlMemory.store(
                SEVGuestABI.encodeExtendedReportRequest(
                    reportData: reportData, vmpl: vmpl, certificatesAddress: IoctlMemory.address(certificates),
                    certificatesLength: UInt32(certificatesLength)), into: extended)
            IoctlMemory.store(
                SEVGuestABI.encodeGuestRequest(
                    requestAddress: IoctlMemory.address(extended),
                    responseAddress: IoctlMemory.address(response)), into: guest)
            guard let argument = guest.baseAddress else { throw AttesterError(.deviceError, "no memory for the request") }
            let outcome = device.ioctl(SEVGuestABI.getExtendedReport, argument)
            let (firmwareError, vmmError) = SEVGuestABI.decodeGuestRequest(IoctlMemory.load(guest))
            switch outcome {
            case .success:
                break
            case .openFailed(let e):
                throw AttesterError.system(e, "open", path, missingHint: "the sev-guest driver is not loaded or this is not an SEV-SNP guest")
            case .failed(let e):
                if e == EIO, vmmError == SEVGuestABI.vmmErrorInvalidLength {
                    let needed = SEVGuestABI.decodeCertificatesLength(IoctlMemory.load(extended)) ?? 0
                    return .needsCertificateBuffer(Int(needed))
                }
                let busy = vmmError == SEVGuestABI.vmmErrorBusy ? "; the host stayed busy" : ""
                let firmware =
                    firmwareError == 0 || firmwareError == 0xFF
                    ? "" : "; the driver disables the VMPCK after a firmware error, so requests fail until reboot"
                throw AttesterError(
                    .deviceError,
                    "\(path) SNP_GET_EXT_REPORT: \(AttesterError.describe(errno: e)), fw_error 0x\(String(firmwareError, radix: 16)), vmm_error 0x\(String(vmmError, radix: 16))\(busy)\(firmware)"
                )
            }
            let report = try SEVGuestABI.decodeReportResponse(IoctlMemory.load(response), source: path)
            return .done(report: report, certificates: IoctlMemory.load(certificates))
        }
    }

    private func evidence(report: [UInt8], certificates: [UInt8]) throws(AttesterError) -> AttesterEvidence {
        let fields = try SNPReportFields(parsing: report, source: device.path)
        let table = try SNPCertificateTable(parsing: certificates, source: "\(device.path) SNP_GET_EXT_REPORT")
        guard !table.entries.isEmpty else {
            return AttesterEvidence(
                tee: .sevSNP, evidence: report, interface: interface,
                notes: ["the host supplied no certificate table; the broker fetches the VCEK itself"])
        }
        let (collateral, notes) = table.collateral(for: fields.signingKey)
        return AttesterEvidence(tee: .sevSNP, evidence: report, collateral: collateral, interface: interface, notes: notes)
    }
}
