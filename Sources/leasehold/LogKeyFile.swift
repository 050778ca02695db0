import Crypto
import Foundation
import TransparencyLog

/// The broker's Ed25519 log signing key, kept in a 0600 file as base64 of the 32-byte seed.
/// Created on first use; its public half is what `audit log-key` prints.
enum LogKeyFile {
    static func loadOrCreate(path: String, origin: String) throws -> NoteSigner {
        let key: Curve25519.Signing.PrivateKey
        if FileManager.default.fileExists(atPath: path) {
            let text = try CLIFiles.readText(path, what: "log signing key").trimmingCharacters(in: .whitespacesAndNewlines)
            guard let raw = Base64.decodeCanonical(text), let k = try? Curve25519.Signing.PrivateKey(rawRepresentation: raw) else {
                throw CLIFailure(message: "\(path) does not hold an Ed25519 log key (base64 of 32 bytes)")
            }
            key = k
        } else {
            key = Curve25519.Signing.PrivateKey()
            try CLIFiles.write(Array((Base64.encode(key.rawRepresentation) + "\n").utf8), to: path, secret: true)
        }
        do { return try NoteSigner(name: origin, privateKey: key) } catch { throw CLIFailure(message: "\(error)") }
    }
}
