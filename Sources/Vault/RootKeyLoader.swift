import Codecs
#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Where the broker's root key comes from: the environment variable `LEASEHOLD_ROOT_KEY`
/// (standard base64 of 32 bytes) if set, otherwise a file in the data directory holding the 32
/// raw bytes, created with mode 0600 on first start.
///
/// The only file I/O in the Vault module. A root key file readable by group or others is refused
/// rather than silently used or fixed: the operator must know the key may have been exposed.
/// The file is opened once with `O_NOFOLLOW` and checked with `fstat` on that descriptor, so
/// the file checked is the file read.
public enum RootKeyLoader {
    public static let environmentVariable = "LEASEHOLD_ROOT_KEY"

    /// How the root key was obtained, for a start-up log line (never the key itself).
    public enum Source: Sendable, Equatable, CustomStringConvertible {
        case environment
        case file(path: String, created: Bool)

        public var description: String {
            switch self {
            case .environment: "environment variable \(RootKeyLoader.environmentVariable)"
            case .file(let path, let created): created ? "new file \(path) (created 0600)" : "file \(path)"
            }
        }
    }

    /// The broker's start-up call: the environment variable if present and non-empty, else `path`.
    public static func load(filePath path: String, environment: [String: String]) throws(VaultError) -> (key: RootKey, source: Source) {
        if let text = environment[environmentVariable], !text.isEmpty {
            return (try fromBase64(text), .environment)
        }
        return try loadOrCreateFile(at: path)
    }

    /// Decodes the environment variable's value: canonical standard base64 of exactly 32 bytes
    /// (surrounding white space, e.g. a trailing newline from `$(cat ...)`, is ignored).
    public static func fromBase64(_ text: String) throws(VaultError) -> RootKey {
        let trimmed = String(decoding: Array(text.utf8).trimmingASCIISpace(), as: UTF8.self)
        guard let bytes = Base64.decodeCanonical(trimmed) else {
            throw VaultError(.rootKeyUnavailable, "\(environmentVariable) is not valid standard base64 (expected 44 characters encoding 32 bytes)")
        }
        guard bytes.count == RootKey.byteCount else {
            throw VaultError(.rootKeyUnavailable, "\(environmentVariable) decodes to \(bytes.count) bytes; the root key must be \(RootKey.byteCount)")
        }
        return try RootKey(bytes: bytes)
    }

    /// Reads the key file, or creates it (0600, fresh random key, fsync'd) if it does not exist.
    public static func loadOrCreateFile(at path: String) throws(VaultError) -> (key: RootKey, source: Source) {
        if let key = try readFileIfPresent(at: path) {
            return (key, .file(path: path, created: false))
        }
        let key = RootKey.generate()
        if try createFile(at: path, key: key) {
            return (key, .file(path: path, created: true))
        }
        // Someone else created it between our two calls: use theirs.
        return (try readFile(at: path), .file(path: path, created: false))
    }

    /// Reads an existing key file, refusing anything but a regular file of exactly 32 bytes with
    /// no group or other permission bits.
    public static func readFile(at path: String) throws(VaultError) -> RootKey {
        guard let key = try readFileIfPresent(at: path) else {
            throw VaultError(.rootKeyUnavailable, "root key file \(path) does not exist")
        }
        return key
    }

    /// `readFile`, but nil when the file does not exist (first start).
    static func readFileIfPresent(at path: String) throws(VaultError) -> RootKey? {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            if code == ELOOP {
                throw VaultError(.rootKeyInsecure, "root key file \(path) is a symbolic link; point the data directory at the real file")
            }
            throw VaultError(.rootKeyUnavailable, "cannot open root key file \(path): \(errnoText(code))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw VaultError(.rootKeyUnavailable, "cannot stat root key file \(path): \(errnoText(errno))")
        }
        let mode = UInt32(info.st_mode)
        guard mode & 0o170000 == 0o100000 else {
            throw VaultError(.rootKeyInsecure, "root key path \(path) is not a regular file")
        }
        guard mode & 0o077 == 0 else {
            throw VaultError(
                .rootKeyInsecure,
                "root key file \(path) has mode \(String(mode & 0o777, radix: 8)); it must be 600 or stricter (run: chmod 600 \(path)) and, since others could read it, consider the key exposed"
            )
        }
        // Read one byte more than allowed so an over-long file is detected, not truncated.
        var buffer = [UInt8](repeating: 0, count: RootKey.byteCount + 1)
        defer { for i in buffer.indices { buffer[i] = 0 } }
        var filled = 0
        while filled < buffer.count {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress! + filled, $0.count - filled) }
            if n < 0 {
                if errno == EINTR { continue }
                throw VaultError(.rootKeyUnavailable, "cannot read root key file \(path): \(errnoText(errno))")
            }
            if n == 0 { break }
            filled += n
        }
        guard filled == RootKey.byteCount else {
            throw VaultError(
                .rootKeyUnavailable,
                "root key file \(path) holds \(filled == buffer.count ? "more than \(RootKey.byteCount)" : "\(filled)") bytes; it must hold exactly \(RootKey.byteCount) raw bytes"
            )
        }
        return try RootKey(bytes: buffer[0..<RootKey.byteCount])
    }

    /// Creates the key file exclusively with mode 0600. Returns false if it already exists.
    static func createFile(at path: String, key: RootKey) throws(VaultError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            let code = errno
            if code == EEXIST { return false }
            throw VaultError(.rootKeyUnavailable, "cannot create root key file \(path): \(errnoText(code))")
        }
        defer { close(fd) }
        // The umask can only remove bits, but make the mode explicit anyway.
        guard fchmod(fd, 0o600) == 0 else {
            throw VaultError(.rootKeyUnavailable, "cannot set mode 600 on \(path): \(errnoText(errno))")
        }
        let written: Int = key.withUnsafeBytes { bytes in
            var done = 0
            while done < bytes.count {
                let n = write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 { if errno == EINTR { continue }; return -1 }
                done += n
            }
            return done
        }
        guard written == RootKey.byteCount, fsync(fd) == 0 else {
            let code = errno
            unlink(path)
            throw VaultError(.rootKeyUnavailable, "cannot write root key file \(path): \(errnoText(code))")
        }
        return true
    }

    private static func errnoText(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

extension Array where Element == UInt8 {
    fileprivate func trimmingASCIISpace() -> ArraySlice<UInt8> {
        let isSpace: (UInt8) -> Bool = { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) }) else { return [] }
        return self[first...last]
    }
}
