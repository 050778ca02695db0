import Foundation
import LeaseholdClient
import Vault

/// Where a workload's keys land: a directory on a memory file system, each key a file of mode
/// 0600 named by its key id.
///
/// Keys on a disk outlive the workload (a snapshot, a reused volume, a host that reads the
/// guest's disk), so a disk-backed directory is refused unless the operator says
/// `--allow-disk`; tmpfs and ramfs live and die with the workload's memory, which the TEE
/// protects.
public struct KeyDirectory: Sendable {
    public let path: String
    public let allowDisk: Bool

    /// File systems that live in memory only.
    static let memoryFileSystems: Set<String> = ["tmpfs", "ramfs"]

    public init(path: String, allowDisk: Bool) {
        self.path = path
        self.allowDisk = allowDisk
    }

    /// Creates the directory (0700) if it is missing and checks what it is on. Called before
    /// anything is sent to the broker, so a wrong directory costs no grant.
    public func prepare() throws(CLIFailure) -> String {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            guard isDir.boolValue else { throw CLIFailure.usage("--out \(path) is not a directory") }
        } else {
            do {
                try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            } catch {
                throw CLIFailure.usage("cannot create --out \(path): \(error.localizedDescription)")
            }
        }
        let kind = Self.fileSystem(of: path)
        if kind.memory { return kind.name }
        guard allowDisk else {
            throw CLIFailure.usage(
                "--out \(path) is on \(kind.name), not tmpfs or ramfs: keys written there outlive the workload; mount a tmpfs (systemd RuntimeDirectory=, a Kubernetes emptyDir with medium: Memory) or pass --allow-disk"
            )
        }
        return kind.name
    }

    /// The file system `path` is on: the type of the longest mount point above its real path in
    /// /proc/self/mountinfo (proc(5)). statfs(2)'s magic number would do too, but Glibc's
    /// Swift module does not export it; mountinfo is what findmnt reads.
    static func fileSystem(of path: String, mountinfo: String = "/proc/self/mountinfo") -> (name: String, memory: Bool) {
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        guard let data = FileManager.default.contents(atPath: mountinfo), let text = String(data: data, encoding: .utf8) else {
            return ("an unknown file system (\(mountinfo) unreadable)", false)
        }
        var best: (point: String, type: String)?
        for line in text.split(separator: "\n") {
            guard let mount = MountInfoLine(line) else { continue }
            let p = mount.point
            let covers = p == "/" || real == p || real.hasPrefix(p + "/")
            if covers, p.count >= (best?.point.count ?? -1) { best = (p, mount.type) }
        }
        guard let best else { return ("an unknown file system (no mount covers \(real))", false) }
        if memoryFileSystems.contains(best.type) { return (best.type, true) }
        return ("\(best.type) (mounted at \(best.point))", false)
    }

    /// Writes each key raw to `path/<keyId>`, mode 0600, atomically. A key id is a file name
    /// only if it is in the manifest grammar and not a dot file: a broker that answers with
    /// another name must not choose what is written where.
    public func write(_ keys: [ReleasedKey]) throws {
        for k in keys {
            guard WorkloadClient.isKeyID(k.keyId) else {
                throw CLIFailure(
                    message: "bad-response: key id \(k.keyId.prefix(40)) is not a key id ([A-Za-z0-9._-]{1,128}, not starting with a dot)")
            }
        }
        for k in keys {
            try CLIFiles.write(k.key.withUnsafeBytes { Array($0) }, to: path + "/" + k.keyId, secret: true)
        }
    }

    /// Overwrites each key file with zeros (on tmpfs that replaces the pages that held the key)
    /// and removes it. Best effort per file: one that is already gone is no error.
    public func shred(_ keyIds: [String]) {
        for id in keyIds where WorkloadClient.isKeyID(id) {
            let file = path + "/" + id
            if let h = FileHandle(forUpdatingAtPath: file) {
                let size = (try? h.seekToEnd()) ?? 0
                try? h.seek(toOffset: 0)
                try? h.write(contentsOf: [UInt8](repeating: 0, count: Int(clamping: size)))
                try? h.synchronize()
                try? h.close()
            }
            try? FileManager.default.removeItem(atPath: file)
        }
    }
}

/// One line of /proc/self/mountinfo: `id parent maj:min root MOUNTPOINT options [optional...]
/// - FSTYPE source superoptions`; the mount point has space, tab, newline and backslash
/// escaped as octal (`\040`).
struct MountInfoLine {
    let point: String
    let type: String

    init?(_ line: Substring) {
        let fields = line.split(separator: " ", omittingEmptySubsequences: false)
        guard fields.count >= 10, let dash = fields.firstIndex(of: "-"), dash >= 6, dash + 1 < fields.count else { return nil }
        point = Self.unescape(fields[4])
        type = String(fields[dash + 1])
    }

    static func unescape(_ s: Substring) -> String {
        let b = Array(s.utf8)
        var out: [UInt8] = []
        var i = 0
        while i < b.count {
            if b[i] == UInt8(ascii: "\\"), i + 4 <= b.count,
                let v = UInt8(String(decoding: b[(i + 1)..<(i + 4)], as: UTF8.self), radix: 8)
            {
                out.append(v)
                i += 4
            } else {
                out.append(b[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
