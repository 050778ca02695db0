import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import TransparencyLog

/// The broker's small secret files, created 0600 on first start and refused if anyone else
/// can read them: the log signing key and the admin token. (The root key is Vault's.)
enum SecretFiles {
    static func logSigner(path: String, origin: String) throws(BrokerError) -> NoteSigner {
        let key: Curve25519.Signing.PrivateKey
        if let text = try readSecret(path) {
            guard let raw = Base64.decodeCanonical(text.trimmingCharacters(in: .whitespacesAndNewlines)),
                let k = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw)
            else {
                throw BrokerError(.internal, "\(path) does not hold an Ed25519 log key (base64 of 32 bytes)")
            }
            key = k
        } else {
            key = Curve25519.Signing.PrivateKey()
            try createSecret(path, Base64.encode(key.rawRepresentation) + "\n")
        }
        do { return try NoteSigner(name: origin, privateKey: key) } catch { throw BrokerError(.internal, "log key name: \(error)") }
    }

    static func adminToken(path: String) throws(BrokerError) -> [UInt8] {
        if let text = try readSecret(path) {
            let t = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard t.count >= 32 else { throw BrokerError(.internal, "\(path) holds a token shorter than 32 characters") }
            return Array(t.utf8)
        }
        let token = Hex.encode(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
        try createSecret(path, token + "\n")
        return Array(token.utf8)
    }

    /// Reads a secret file, refusing one that group or others can access.
    static func readSecret(_ path: String) throws(BrokerError) -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        var st = stat()
        guard lstat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { throw BrokerError(.internal, "\(path) is not a regular file") }
        guard st.st_mode & 0o077 == 0 else { throw BrokerError(.internal, "\(path) is readable by others: chmod 600 it") }
        guard let data = FileManager.default.contents(atPath: path), let s = String(data: data, encoding: .utf8) else {
            throw BrokerError(.internal, "cannot read \(path)")
        }
        return s
    }

    static func createSecret(_ path: String, _ text: String) throws(BrokerError) {
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw BrokerError(.internal, "cannot create \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { Foundation.write(fd, $0.baseAddress, $0.count) }
        guard n == bytes.count, fsync(fd) == 0 else { throw BrokerError(.internal, "cannot write \(path)") }
    }
}

extension Broker {
    /// Loads (or creates, 0600) an Ed25519 log signing key file; for tools that write a log
    /// without a broker (`leasehold bench log`).
    public static func loadOrCreateLogSigner(path: String, origin: String) throws(BrokerError) -> NoteSigner {
        try SecretFiles.logSigner(path: path, origin: origin)
    }
}
