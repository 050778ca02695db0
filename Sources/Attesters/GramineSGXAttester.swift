#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SGX evidence inside a Gramine enclave, through its `/dev/attestation` pseudo-files
/// (Gramine `Documentation/attestation.rst`; ATTESTERS.md §2.4):
/// 1. `attestation_type` must read `dcap` (the manifest's `sgx.remote_attestation = "dcap"`);
///    `none` and `epid` are refused, since the broker verifies DCAP quotes only;
/// 2. write exactly 64 bytes to `user_report_data`;
/// 3. read `quote` until EOF.
///
/// The files are private to the enclave process, so no lock is needed.
public struct GramineSGXAttester: Attester {
    public static let defaultDirectory = "/dev/attestation"
    /// Gramine's samples use `SGX_QUOTE_MAX_SIZE` 8192; room is left for a longer PCK chain.
    static let quoteLimit = 64 * 1024

    public var tee: AttesterTEE { .sgx }
    public var interface: String { directory }
    public let directory: String
    let files: any FileSystem

    public init(directory: String = GramineSGXAttester.defaultDirectory) {
        self.init(directory: directory, files: POSIXFileSystem())
    }

    init(directory: String, files: any FileSystem) {
        self.directory = directory
        self.files = files
    }

    public func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence {
        let attester = self
        return try await Blocking.run { () throws(AttesterError) in try attester.attestBlocking(request) }
    }

    func attestBlocking(_ request: AttestationRequest) throws(AttesterError) -> AttesterEvidence {
        let hint = "this process is not a Gramine SGX enclave with remote attestation enabled"
        let typePath = directory + "/attestation_type"
        let kind: [UInt8]
        do throws(FileSystemError) {
            kind = try files.read(typePath, limit: 64)
        } catch {
            throw AttesterError(error, missingHint: hint)
        }
        guard kind == Array("dcap".utf8) || kind == Array("dcap\n".utf8) else {
            throw AttesterError(
                .unsupportedConfiguration,
                "\(typePath) is \"\(Bytes.printable(kind))\"; Leasehold verifies DCAP quotes only, so the manifest must set sgx.remote_attestation = \"dcap\""
            )
        }
        do throws(FileSystemError) {
            try files.write(directory + "/user_report_data", request.reportData)
        } catch {
            throw AttesterError(error, missingHint: hint)
        }
        let quote: [UInt8]
        let quotePath = directory + "/quote"
        do throws(FileSystemError) {
            quote = try files.read(quotePath, limit: Self.quoteLimit)
        } catch {
            if error.errno == EFBIG { throw AttesterError(.badResponse, "\(quotePath) holds more than \(Self.quoteLimit) bytes") }
            throw AttesterError(error, missingHint: hint)
        }
        guard !quote.isEmpty else {
            throw AttesterError(
                .emptyOutblob,
                "\(quotePath) is empty: Gramine produced no quote (is the host's DCAP quote provider library configured, /etc/sgx_default_qcnl.conf pccs_url?)"
            )
        }
        try DCAPQuoteShape.check(quote, tee: .sgx, source: quotePath)
        return AttesterEvidence(tee: .sgx, evidence: quote, interface: interface)
    }
}
