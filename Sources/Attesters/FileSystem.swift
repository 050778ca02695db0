#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// A failed system call: which one, on which path, and its errno.
struct FileSystemError: Error, Sendable, Hashable {
    let errno: Int32
    let operation: String
    let path: String
}

/// The few file operations the file-based attesters (configfs-tsm, Gramine) need.
///
/// They are behind a protocol so that tests can emulate what a plain directory cannot (the
/// kernel's generation counter, write-at-close, rmdir of a non-empty configfs entry) around
/// real file I/O. The product uses `POSIXFileSystem`, which does plain open/read/write/close,
/// so it works the same on configfs, on a FUSE tree that imitates it, and on Gramine's
/// pseudo-files.
protocol FileSystem: Sendable {
    func makeDirectory(_ path: String) throws(FileSystemError)
    func removeDirectory(_ path: String) throws(FileSystemError)
    /// The whole file, read until EOF. Fails with EFBIG when it holds more than `limit` bytes.
    func read(_ path: String, limit: Int) throws(FileSystemError) -> [UInt8]
    /// Opens an existing file write-only, writes `bytes` in one write(), then closes it.
    func write(_ path: String, _ bytes: [UInt8]) throws(FileSystemError)
    /// nil when the path does not exist; otherwise whether it is a directory.
    func isDirectory(_ path: String) -> Bool?
}

/// `FileSystem` with the C library's calls.
struct POSIXFileSystem: FileSystem {
    func makeDirectory(_ path: String) throws(FileSystemError) {
        guard mkdir(path, 0o700) == 0 else { throw FileSystemError(errno: errno, operation: "mkdir", path: path) }
    }

    func removeDirectory(_ path: String) throws(FileSystemError) {
        guard rmdir(path) == 0 else { throw FileSystemError(errno: errno, operation: "rmdir", path: path) }
    }

    func read(_ path: String, limit: Int) throws(FileSystemError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError(errno: errno, operation: "open", path: path) }
        defer { _ = close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer in Glibc.read(fd, buffer.baseAddress, buffer.count) }
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                throw FileSystemError(errno: e, operation: "read", path: path)
            }
            if n == 0 { return out }
            guard out.count <= limit - n else { throw FileSystemError(errno: EFBIG, operation: "read", path: path) }
            out += chunk[0..<n]
        }
    }

    func write(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw FileSystemError(errno: errno, operation: "open", path: path) }
        var n: Int
        repeat {
            n = bytes.withUnsafeBytes { buffer in Glibc.write(fd, buffer.baseAddress, buffer.count) }
        } while n < 0 && errno == EINTR
        if n < 0 {
            let e = errno
            _ = close(fd)
            throw FileSystemError(errno: e, operation: "write", path: path)
        }
        guard n == bytes.count else {
            _ = close(fd)
            throw FileSystemError(errno: EIO, operation: "write (short: \(n) of \(bytes.count) bytes)", path: path)
        }
        // configfs applies a binary attribute at close and ignores its result; a FUSE server
        // or another file system may report an error here, so it is not ignored.
        guard close(fd) == 0 else { throw FileSystemError(errno: errno, operation: "close", path: path) }
    }

    func isDirectory(_ path: String) -> Bool? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return info.st_mode & S_IFMT == S_IFDIR
    }
}

extension AttesterError {
    init(_ error: FileSystemError, missingHint: String = "") {
        self = AttesterError.system(error.errno, error.operation, error.path, missingHint: missingHint)
    }
}
