import Foundation
@testable import Attesters

/// configfs-tsm as far as a plain directory can be made to behave like it: real files in a
/// temporary directory, real file I/O (through `POSIXFileSystem`), plus the kernel's
/// semantics that a directory lacks:
/// - mkdir of an entry fills it with the provider's attributes (as configfs does);
/// - each write of `inblob` or `privlevel` advances `generation`; an inblob write of other
///   than 64 bytes "fails at close" silently, as configfs ignores release()'s result;
/// - reading `outblob` before any inblob write fails with EINVAL;
/// - rmdir removes the attributes with the entry.
/// Hooks inject what another process or the kernel could do: extra generation bumps,
/// errno failures of mkdir.
final class FakeTSM: FileSystem, @unchecked Sendable {
    let root: String
    let provider: String
    var outblob: [UInt8]
    var auxblob: [UInt8]?
    var privlevelFloor: UInt32 = 0
    /// Extra generation increments on each inblob write (another writer racing us).
    var racingWritesPerInblob: UInt64 = 0
    /// Generation increments when outblob is read (a write landing while we read).
    var bumpOnOutblobRead = false
    var mkdirErrno: Int32?
    private(set) var made: [String] = []
    private(set) var removed: [String] = []
    private(set) var writes: [(String, [UInt8])] = []
    private let real = POSIXFileSystem()
    private let lock = NSLock()

    init(root: String, provider: String, outblob: [UInt8], auxblob: [UInt8]? = nil) {
        self.root = root
        self.provider = provider
        self.outblob = outblob
        self.auxblob = auxblob
    }

    private func name(_ path: String) -> String { (path as NSString).lastPathComponent }
    private func dir(_ path: String) -> String { (path as NSString).deletingLastPathComponent }

    private func put(_ path: String, _ bytes: [UInt8]) {
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
    }

    private func generation(_ entry: String) -> UInt64 {
        let text = (try? String(contentsOfFile: entry + "/generation", encoding: .utf8)) ?? "0\n"
        return UInt64(text.trimmingCharacters(in: .newlines)) ?? 0
    }

    private func bump(_ entry: String, by n: UInt64) {
        put(entry + "/generation", Array("\(generation(entry) + n)\n".utf8))
    }

    func makeDirectory(_ path: String) throws(FileSystemError) {
        lock.lock(); defer { lock.unlock() }
        if let e = mkdirErrno { throw FileSystemError(errno: e, operation: "mkdir", path: path) }
        try real.makeDirectory(path)
        made.append(path)
        put(path + "/provider", Array("\(provider)\n".utf8))
        put(path + "/generation", Array("0\n".utf8))
        put(path + "/inblob", [])
        if provider == "sev_guest" {
            put(path + "/privlevel", [])
            put(path + "/privlevel_floor", Array("\(privlevelFloor)\n".utf8))
            if auxblob != nil { put(path + "/auxblob", []) }
        }
        put(path + "/outblob", [])
    }

    func removeDirectory(_ path: String) throws(FileSystemError) {
        lock.lock(); defer { lock.unlock() }
        for file in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] {
            _ = unlink(path + "/" + file)
        }
        try real.removeDirectory(path)
        removed.append(path)
    }

    func read(_ path: String, limit: Int) throws(FileSystemError) -> [UInt8] {
        lock.lock(); defer { lock.unlock() }
        let entry = dir(path)
        switch name(path) {
        case "outblob", "auxblob":
            let inblob = (try? Data(contentsOf: URL(fileURLWithPath: entry + "/inblob"))) ?? Data()
            guard inblob.count == 64 else { throw FileSystemError(errno: EINVAL, operation: "read", path: path) }
            // The kernel generates both blobs on the first read of a generation.
            put(entry + "/outblob", outblob)
            if let auxblob, FileManager.default.fileExists(atPath: entry + "/auxblob") { put(entry + "/auxblob", auxblob) }
            let bytes = try real.read(path, limit: limit)
            if name(path) == "outblob", bumpOnOutblobRead { bump(entry, by: 1) }
            return bytes
        default:
            return try real.read(path, limit: limit)
        }
    }

    func write(_ path: String, _ bytes: [UInt8]) throws(FileSystemError) {
        lock.lock(); defer { lock.unlock() }
        let entry = dir(path)
        writes.append((name(path), bytes))
        switch name(path) {
        case "privlevel":
            guard let level = UInt32(String(decoding: bytes, as: UTF8.self)), level <= 3, level >= privlevelFloor else {
                throw FileSystemError(errno: EINVAL, operation: "write", path: path)
            }
            try real.write(path, bytes)
            bump(entry, by: 1)
        case "inblob":
            try real.write(path, bytes)
            if bytes.count <= 64 { bump(entry, by: 1 + racingWritesPerInblob) }
        default:
            try real.write(path, bytes)
        }
    }

    func isDirectory(_ path: String) -> Bool? { real.isDirectory(path) }

    var entriesLeft: [String] { ((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? []) }
}

/// A device node played by a closure that reads and writes the ioctl's memory as the kernel
/// would, following the addresses in the structs.
final class FakeDevice: IoctlDevice, @unchecked Sendable {
    let path: String
    private let handler: (UInt, UnsafeMutableRawPointer) -> IoctlOutcome
    private(set) var requests: [UInt] = []
    private let lock = NSLock()

    init(path: String, _ handler: @escaping (UInt, UnsafeMutableRawPointer) -> IoctlOutcome) {
        self.path = path
        self.handler = handler
    }

    func ioctl(_ request: UInt, _ argument: UnsafeMutableRawPointer) -> IoctlOutcome {
        lock.lock(); defer { lock.unlock() }
        requests.append(request)
        return handler(request, argument)
    }

    var callCount: Int { lock.lock(); defer { lock.unlock() }; return requests.count }
}

/// Raw memory helpers for fakes.
enum Memory {
    static func read(_ pointer: UnsafeMutableRawPointer, _ count: Int) -> [UInt8] {
        Array(UnsafeRawBufferPointer(start: pointer, count: count))
    }

    static func read(address: UInt64, _ count: Int) -> [UInt8] {
        guard let p = UnsafeMutableRawPointer(bitPattern: UInt(address)) else { return [] }
        return read(p, count)
    }

    static func write(_ bytes: [UInt8], to pointer: UnsafeMutableRawPointer, at offset: Int = 0) {
        for (i, b) in bytes.enumerated() { pointer.storeBytes(of: b, toByteOffset: offset + i, as: UInt8.self) }
    }

    static func write(_ bytes: [UInt8], address: UInt64, at offset: Int = 0) {
        guard let p = UnsafeMutableRawPointer(bitPattern: UInt(address)) else { return }
        write(bytes, to: p, at: offset)
    }

    static func le<T: FixedWidthInteger & UnsignedInteger>(_ value: T) -> [UInt8] {
        var out: [UInt8] = []
        Bytes.appendLE(value, to: &out)
        return out
    }
}

/// `_IOWR(type, nr, size)` as the kernel's asm-generic/ioctl.h computes it.
func iowr(_ type: UInt8, _ nr: UInt8, _ size: Int) -> UInt {
    (3 << 30) | (UInt(size) << 16) | (UInt(type) << 8) | UInt(nr)
}

/// A QGS played by a closure.
struct FakeQGS: QuoteGenerationService {
    let address = "fake-qgs"
    let handler: @Sendable ([UInt8]) throws(AttesterError) -> [UInt8]
    func exchange(_ message: [UInt8]) throws(AttesterError) -> [UInt8] { try handler(message) }
}

extension AttesterError {
    /// For `#expect(throws:)` checks on the code only.
    static func code(_ c: Code) -> (any Error) -> Bool {
        { ($0 as? AttesterError)?.code == c }
    }
}
