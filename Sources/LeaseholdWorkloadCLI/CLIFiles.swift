import Foundation
import TransparencyLog

/// File helpers shared by the subcommands: every failure becomes a one-line `CLIFailure`.
public enum CLIFiles {
    public static func read(_ path: String, what: String) throws -> [UInt8] {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw CLIFailure(message: "cannot read \(what) \(path)")
        }
        return [UInt8](data)
    }

    public static func readText(_ path: String, what: String) throws -> String {
        guard let s = String(validating: try read(path, what: what), as: UTF8.self) else {
            throw CLIFailure(message: "\(what) \(path) is not UTF-8 text")
        }
        return s
    }

    /// Writes atomically; `secret` files get mode 0600 before any byte is written.
    public static func write(_ bytes: [UInt8], to path: String, secret: Bool = false) throws {
        let url = URL(fileURLWithPath: path)
        let tmp = url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())")
        guard FileManager.default.createFile(atPath: tmp.path, contents: nil, attributes: [.posixPermissions: secret ? 0o600 : 0o644]) else {
            throw CLIFailure(message: "cannot create \(path)")
        }
        do {
            let h = try FileHandle(forWritingTo: tmp)
            try h.write(contentsOf: bytes)
            try h.synchronize()
            try h.close()
            guard rename(tmp.path, url.path) == 0 else { throw CLIFailure(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        } catch {
            try? FileManager.default.removeItem(at: tmp)
            throw CLIFailure(message: "cannot write \(path): \(error.localizedDescription)")
        }
    }

    /// An environment variable that stands in for an option; unset and empty are the same.
    public static func environment(_ name: String) -> String? {
        ProcessInfo.processInfo.environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// A verifier key given as text, `@FILE`, or the path of a file holding it.
    public static func verifierKey(_ arg: String) throws -> NoteVerifier {
        var text = arg
        if arg.hasPrefix("@") {
            text = try readText(String(arg.dropFirst()), what: "log key file")
        } else if FileManager.default.fileExists(atPath: arg) {
            text = try readText(arg, what: "log key file")
        }
        do { return try NoteVerifier(encoded: text) } catch { throw CLIFailure(message: "bad log key: \(error)") }
    }
}
