#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// What one ioctl on a device node came to.
enum IoctlOutcome: Sendable, Hashable {
    case success
    /// open() of the node failed with this errno (missing node, no permission).
    case openFailed(Int32)
    /// The ioctl itself failed with this errno; the argument may still carry the kernel's
    /// error details (firmware status, needed buffer size).
    case failed(Int32)
}

/// A device node that takes ioctls, behind a protocol so that tests can play the kernel.
///
/// The argument is raw memory laid out byte by byte by the caller (the kernel's structs are
/// encoded explicitly, never left to Swift's struct layout), and it may hold the addresses of
/// further buffers, exactly as the kernel receives it. A fake reads and writes the same
/// memory the kernel would.
protocol IoctlDevice: Sendable {
    var path: String { get }
    func ioctl(_ request: UInt, _ argument: UnsafeMutableRawPointer) -> IoctlOutcome
}

/// The real device: open(O_RDWR), ioctl, close, for each request.
struct LinuxIoctlDevice: IoctlDevice {
    let path: String

    func ioctl(_ request: UInt, _ argument: UnsafeMutableRawPointer) -> IoctlOutcome {
        let fd = open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return .openFailed(errno) }
        defer { _ = close(fd) }
        var result: Int32
        repeat {
            result = Glibc.ioctl(fd, request, argument)
        } while result < 0 && errno == EINTR
        return result < 0 ? .failed(errno) : .success
    }
}

/// Raw memory for one ioctl: each buffer is allocated, zeroed, and freed by `with`, so the
/// addresses written into the structs stay valid for exactly the duration of the call.
enum IoctlMemory {
    static func with<T>(sizes: [Int], _ body: ([UnsafeMutableRawBufferPointer]) throws(AttesterError) -> T) throws(AttesterError) -> T {
        let buffers = sizes.map { size in
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(size, 1), alignment: 4096)
            buffer.initializeMemory(as: UInt8.self, repeating: 0)
            return UnsafeMutableRawBufferPointer(rebasing: buffer[0..<size])
        }
        defer { for buffer in buffers { buffer.baseAddress.map { UnsafeMutableRawPointer(mutating: $0).deallocate() } } }
        return try body(buffers)
    }

    static func address(_ buffer: UnsafeMutableRawBufferPointer) -> UInt64 {
        UInt64(UInt(bitPattern: buffer.baseAddress))
    }

    static func store(_ bytes: [UInt8], into buffer: UnsafeMutableRawBufferPointer) {
        for (i, b) in bytes.prefix(buffer.count).enumerated() { buffer[i] = b }
    }

    static func load(_ buffer: UnsafeMutableRawBufferPointer) -> [UInt8] { Array(buffer) }
}
