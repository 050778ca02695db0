#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// AWS Nitro Enclaves evidence from the Nitro Secure Module, `/dev/nsm` (ATTESTERS.md §3).
///
/// The request carries the binding the broker checks (`PolicyMatcher.checkBinding`):
/// `user_data` = the 64-byte report data, `nonce` = the challenge nonce, `public_key` = the
/// workload key when it fits NSM's 1024 bytes; a longer key (X-Wing, 1216 bytes) is sent as
/// null, and the broker then requires the field empty (the report data covers the key).
///
/// The ioctl is `NSM_IOCTL_RAW = _IOWR(0x0A, 0, struct nsm_raw) = 0xC0200A00`:
///
/// | struct | bytes | layout |
/// |--------|------:|--------|
/// | `nsm_iovec` | 16 | 0 `u64 addr` · 8 `u64 len` |
/// | `nsm_raw` | 32 | 0 `nsm_iovec request` · 16 `nsm_iovec response` (the kernel writes the reply's length into `response.len`) |
public struct NitroNSMAttester: Attester {
    public static let defaultPath = "/dev/nsm"
    static let ioctlRaw: UInt = 0xC020_0A00
    static let rawSize = 32

    public var tee: AttesterTEE { .nitro }
    public var interface: String { device.path }
    let device: any IoctlDevice

    public init(path: String = NitroNSMAttester.defaultPath) {
        self.init(device: LinuxIoctlDevice(path: path))
    }

    init(device: any IoctlDevice) {
        self.device = device
    }

    static func encodeRaw(requestAddress: UInt64, requestLength: UInt64, responseAddress: UInt64, responseLength: UInt64) -> [UInt8] {
        var out: [UInt8] = []
        for value in [requestAddress, requestLength, responseAddress, responseLength] { Bytes.appendLE(value, to: &out) }
        return out
    }

    /// `response.len` after the call.
    static func decodeResponseLength(_ raw: [UInt8]) -> UInt64? { Bytes.readLE(UInt64.self, raw, at: 24) }

    public func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence {
        let attester = self
        return try await Blocking.run { () throws(AttesterError) in try attester.attestBlocking(request) }
    }

    func attestBlocking(_ request: AttestationRequest) throws(AttesterError) -> AttesterEvidence {
        var notes: [String] = []
        var publicKey = request.publicKey
        if let key = publicKey, key.count > AttestationRequest.nitroFieldLimit {
            publicKey = nil
            notes.append(
                "the \(key.count)-byte public key exceeds NSM's \(AttestationRequest.nitroFieldLimit)-byte public_key; it is covered by user_data (the report data) and public_key is left empty"
            )
        }
        let message = NSMMessage.encodeAttestationRequest(userData: request.reportData, nonce: request.nonce, publicKey: publicKey)
        guard message.count <= NSMMessage.maxRequestSize else {
            throw AttesterError(
                .badRequest, "the NSM attestation request would be \(message.count) bytes; NSM takes at most \(NSMMessage.maxRequestSize)")
        }
        let path = device.path
        let response = try IoctlMemory.with(sizes: [Self.rawSize, message.count, NSMMessage.maxResponseSize]) {
            buffers throws(AttesterError) -> [UInt8] in
            let (raw, input, output) = (buffers[0], buffers[1], buffers[2])
            IoctlMemory.store(message, into: input)
            IoctlMemory.store(
                Self.encodeRaw(
                    requestAddress: IoctlMemory.address(input), requestLength: UInt64(message.count),
                    responseAddress: IoctlMemory.address(output), responseLength: UInt64(output.count)), into: raw)
            guard let argument = raw.baseAddress else { throw AttesterError(.deviceError, "no memory for the request") }
            switch device.ioctl(Self.ioctlRaw, argument) {
            case .success: break
            case .openFailed(let e):
                throw AttesterError.system(e, "open", path, missingHint: "this is not a Nitro enclave or its nsm driver is not loaded")
            case .failed(let e):
                let meaning = e == EMSGSIZE ? " (InputTooLarge)" : ""
                throw AttesterError(.deviceError, "\(path) NSM_IOCTL_RAW: \(AttesterError.describe(errno: e))\(meaning)")
            }
            guard let length = Self.decodeResponseLength(IoctlMemory.load(raw)), length <= UInt64(output.count) else {
                throw AttesterError(.badResponse, "\(path) reported a response length larger than the \(output.count)-byte buffer")
            }
            return Array(IoctlMemory.load(output).prefix(Int(length)))
        }
        guard !response.isEmpty else { throw AttesterError(.emptyOutblob, "\(path) returned an empty NSM response") }
        switch try NSMMessage.decodeResponse(response, source: path) {
        case .document(let document):
            guard !document.isEmpty else { throw AttesterError(.emptyOutblob, "\(path) returned an empty attestation document") }
            return AttesterEvidence(tee: .nitro, evidence: document, interface: interface, notes: notes)
        case .error(let code):
            throw AttesterError(.deviceError, "\(path) answered the attestation request with NSM error \(Bytes.printable(Array(code.utf8)))")
        }
    }
}
