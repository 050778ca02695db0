import LeaseholdClient
import LeaseholdAPI
import Foundation

/// What identifies a broker to an owner: its log key and its vault public keys, as
/// `GET /v1/broker` publishes them. An owner seals data keys to the vault key, so a vault key
/// that is not the broker's (a man in the middle's) hands the data key to whoever holds it
/// (CRYPTO-REVIEW-2026-12, M2).
public struct BrokerIdentity: Sendable, Hashable, Codable {
    public var logKey: String
    /// Base64 vault public keys by key-wrap suite id.
    public var vaultPublicKeys: [String: String]

    public init(logKey: String, vaultPublicKeys: [String: String]) {
        self.logKey = logKey
        self.vaultPublicKeys = vaultPublicKeys
    }

    /// One line: `logKey suite=base64 ...`, suites sorted (the known-brokers file's form after
    /// the URL).
    var line: String {
        ([logKey] + vaultPublicKeys.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }).joined(separator: " ")
    }

    init?(line fields: ArraySlice<Substring>) {
        guard let first = fields.first else { return nil }
        var keys: [String: String] = [:]
        for field in fields.dropFirst() {
            guard let eq = field.firstIndex(of: "="), eq != field.startIndex else { return nil }
            keys[String(field[..<eq])] = String(field[field.index(after: eq)...])
        }
        self.init(logKey: String(first), vaultPublicKeys: keys)
    }

    /// A short fingerprint for people: the log key and SHA-256 of the vault keys line, cut.
    public var summary: String {
        "log key \(logKey), vault keys \(vaultPublicKeys.keys.sorted().joined(separator: ", "))"
    }
}

/// The brokers an owner has talked to, like SSH's known_hosts: one line per broker URL,
/// `URL logKey suite=base64 ...`. The first contact records the broker (trust on first use:
/// `owner register` is that contact in the usual flow); afterwards every owner command
/// refuses a broker at that URL whose keys differ. A pinned identity (`--broker-id FILE`)
/// replaces first use where the owner got the keys out of band.
public struct KnownBrokers: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// `$LEASEHOLD_KNOWN_BROKERS`, else `$HOME/.config/leasehold/known_brokers`.
    public static func defaultPath(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let p = environment["LEASEHOLD_KNOWN_BROKERS"], !p.isEmpty { return p }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.config/leasehold/known_brokers"
    }

    /// The URL as recorded: no trailing slash.
    static func key(_ url: String) -> String {
        var u = url
        while u.hasSuffix("/") { u.removeLast() }
        return u
    }

    func entries() throws(LeaseholdClientError) -> [(url: String, identity: BrokerIdentity)] {
        guard FileManager.default.fileExists(atPath: path) else { return [] }
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot read the known-brokers file \(path)")
        }
        var out: [(String, BrokerIdentity)] = []
        for (n, line) in text.split(separator: "\n").enumerated() where !line.hasPrefix("#") && !line.allSatisfy(\.isWhitespace) {
            let fields = line.split(separator: " ")
            guard fields.count >= 2, let identity = BrokerIdentity(line: fields.dropFirst()) else {
                throw LeaseholdClientError(LeaseholdClientError.badInput, "\(path) line \(n + 1) is not `URL logKey suite=key ...`")
            }
            out.append((String(fields[0]), identity))
        }
        return out
    }

    /// The identity recorded for `url`, if any.
    public func identity(for url: String) throws(LeaseholdClientError) -> BrokerIdentity? {
        let k = Self.key(url)
        return try entries().first { $0.url == k }?.identity
    }

    /// Records `identity` for `url` (a new line; never replaces one): written to a temporary
    /// file, synced, renamed over the file, mode 0600, in a directory made 0700.
    public func record(_ identity: BrokerIdentity, for url: String) throws(LeaseholdClientError) {
        let k = Self.key(url)
        var lines = try entries().filter { $0.url != k }.map { "\($0.url) \($0.identity.line)" }
        lines.append("\(k) \(identity.line)")
        let dir = (path as NSString).deletingLastPathComponent
        do {
            if !dir.isEmpty {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
            }
            let tmp = path + ".tmp-\(getpid())"
            let data = Data(("# leasehold known brokers: URL logKey suite=vaultPublicKey ...\n" + lines.joined(separator: "\n") + "\n").utf8)
            guard FileManager.default.createFile(atPath: tmp, contents: data, attributes: [.posixPermissions: 0o600]) else {
                throw CocoaError(.fileWriteUnknown)
            }
            let fd = open(tmp, O_RDONLY)
            if fd >= 0 { _ = fsync(fd); _ = close(fd) }
            guard rename(tmp, path) == 0 else { throw CocoaError(.fileWriteUnknown) }
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot write the known-brokers file \(path): \(error.localizedDescription)")
        }
    }

    /// Checks the broker at `url` presenting `identity`: a recorded or pinned identity must
    /// be the same; an unknown broker is recorded (first use). Returns true when it recorded.
    @discardableResult
    public func check(_ identity: BrokerIdentity, for url: String, pinned: BrokerIdentity? = nil) throws(LeaseholdClientError) -> Bool {
        if let pinned {
            guard pinned == identity else { throw Self.changed(url, now: identity, was: pinned, source: "the pinned --broker-id") }
            return false
        }
        if let known = try self.identity(for: url) {
            guard known == identity else { throw Self.changed(url, now: identity, was: known, source: path) }
            return false
        }
        try record(identity, for: url)
        return true
    }

    static func changed(_ url: String, now: BrokerIdentity, was: BrokerIdentity, source: String) -> LeaseholdClientError {
        LeaseholdClientError(
            LeaseholdClientError.brokerChanged,
            "the broker at \(url) presents \(now.summary) (\(now.line.prefix(200))), not the keys in \(source); refusing to send it anything. If its operator really changed its keys, check the new ones out of band and remove its line from \(source)"
        )
    }
}

extension LeaseholdClientError {
    /// The broker's log key or vault key is not the one recorded or pinned for it.
    public static let brokerChanged = "broker-changed"
}
