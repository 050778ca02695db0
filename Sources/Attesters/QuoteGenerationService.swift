#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A connection to the host's TDX Quote Generation Service: one request message in, one
/// response message out (length framing is the transport's job).
protocol QuoteGenerationService: Sendable {
    /// Where it is, for messages, e.g. `vsock:2:4050`.
    var address: String { get }
    func exchange(_ message: [UInt8]) throws(AttesterError) -> [UInt8]
}

/// The QGS over AF_VSOCK to the host (CID 2), the path libtdx_attest takes when
/// `/etc/tdx-attest.conf` names a port (ATTESTERS.md §2.3).
///
/// `struct sockaddr_vm` (16 bytes, `linux/vm_sockets.h`) is written byte by byte:
/// 0 `u16 svm_family` (AF_VSOCK = 40) · 2 `u16 svm_reserved1` · 4 `u32 svm_port` ·
/// 8 `u32 svm_cid` · 12 `u8 svm_flags` · 13 `u8 svm_zero[3]`.
struct VsockQuoteService: QuoteGenerationService {
    static let afVsock: Int32 = 40
    static let hostCID: UInt32 = 2
    /// Quote generation takes seconds; the kernel's own configfs path gives it 30.
    static let timeoutSeconds = 60

    let cid: UInt32
    let port: UInt32
    var address: String { "vsock:\(cid):\(port)" }

    static func socketAddress(cid: UInt32, port: UInt32) -> [UInt8] {
        var out: [UInt8] = []
        Bytes.appendLE(UInt16(afVsock), to: &out)
        Bytes.appendLE(UInt16(0), to: &out)
        Bytes.appendLE(port, to: &out)
        Bytes.appendLE(cid, to: &out)
        out += [0, 0, 0, 0]
        return out
    }

    func exchange(_ message: [UInt8]) throws(AttesterError) -> [UInt8] {
        let fd = socket(Self.afVsock, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else {
            let e = errno
            throw AttesterError(
                .quoteServiceUnavailable,
                "cannot open an AF_VSOCK socket for the quote generation service (\(AttesterError.describe(errno: e))); the guest kernel has no vsock transport"
            )
        }
        defer { _ = close(fd) }
        var timeout = timeval(tv_sec: Self.timeoutSeconds, tv_usec: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let sockaddr = Self.socketAddress(cid: cid, port: port)
        let connected = sockaddr.withUnsafeBytes { raw in
            connect(fd, raw.baseAddress?.assumingMemoryBound(to: Glibc.sockaddr.self), socklen_t(raw.count))
        }
        guard connected == 0 else {
            let e = errno
            throw AttesterError(
                .quoteServiceUnavailable,
                "cannot connect to the quote generation service at \(address) (\(AttesterError.describe(errno: e))); the host must run qgsd and give the TD a vsock device"
            )
        }
        try Self.send(fd, QGSMessage.frame(message), address: address)
        let length = try QGSMessage.frameLength(try Self.receive(fd, 4, address: address), source: address)
        return try Self.receive(fd, length, address: address)
    }

    private static func send(_ fd: Int32, _ bytes: [UInt8], address: String) throws(AttesterError) {
        var sent = 0
        while sent < bytes.count {
            let n = bytes.withUnsafeBytes { raw in
                Glibc.send(fd, raw.baseAddress.map { $0 + sent }, raw.count - sent, Int32(MSG_NOSIGNAL))
            }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw AttesterError(
                    .quoteServiceUnavailable, "sending to the quote generation service at \(address) failed (\(AttesterError.describe(errno: e)))")
            }
            sent += n
        }
    }

    /// Exactly `count` bytes, or an error naming how many arrived.
    private static func receive(_ fd: Int32, _ count: Int, address: String) throws(AttesterError) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: count)
        var received = 0
        while received < count {
            let n = out.withUnsafeMutableBytes { raw in
                recv(fd, raw.baseAddress.map { $0 + received }, count - received, 0)
            }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw AttesterError(
                    .quoteServiceUnavailable, "receiving from the quote generation service at \(address) failed (\(AttesterError.describe(errno: e)))"
                )
            }
            if n == 0 {
                throw AttesterError(
                    .badResponse, "the quote generation service at \(address) closed the connection after \(received) of \(count) bytes")
            }
            received += n
        }
        return out
    }
}
