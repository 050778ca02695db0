import Codecs
import Crypto
import Foundation

/// A C2SP signed note (https://c2sp.org/signed-note) with Ed25519 signatures:
///
/// ```
/// <text, one or more lines, each ending in \n>
/// \n
/// — <key name> <base64(key id (4 bytes) || signature)>\n
/// ...
/// ```
///
/// The key id is the first four bytes of SHA-256(name || "\n" || 0x01 || public key), so a
/// verifier key is fully described by `name+hex(key id)+base64(0x01 || public key)`, the
/// form Go's `golang.org/x/mod/sumdb/note` and every other signed-note verifier read.
public struct SignedNote: Sendable, Hashable {
    public var text: String
    public var signatures: [Signature]

    public struct Signature: Sendable, Hashable {
        public var name: String
        public var keyID: UInt32
        public var bytes: [UInt8]
    }

    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
    }

    static let signaturePrefix = "\u{2014} "

    public init(text: String, signatures: [Signature]) {
        self.text = text
        self.signatures = signatures
    }

    /// The note as served: text, a blank line, the signature lines.
    public var serialized: String {
        text + "\n"
            + signatures.map { sig in
                var blob = withUnsafeBytes(of: sig.keyID.bigEndian) { Array($0) }
                blob += sig.bytes
                return Self.signaturePrefix + sig.name + " " + Base64.encode(blob) + "\n"
            }.joined()
    }

    /// Parses a note strictly: UTF-8 without control characters but newline, a text that ends
    /// in a newline, one blank line, then at least one well-formed signature line.
    public init(parsing note: String) throws(SignedNote.FormatError) {
        guard note.unicodeScalars.allSatisfy({ $0 == "\n" || ($0.value >= 0x20 && $0.value != 0x7F) }) else {
            throw FormatError(description: "note contains a control character")
        }
        guard let split = note.range(of: "\n\n") else { throw FormatError(description: "note has no blank line before its signatures") }
        let text = String(note[..<split.lowerBound]) + "\n"
        let sigBlock = String(note[split.upperBound...])
        guard sigBlock.hasSuffix("\n") else { throw FormatError(description: "signature block must end with a newline") }
        var sigs = [Signature]()
        for line in sigBlock.dropLast().split(separator: "\n", omittingEmptySubsequences: false) {
            guard line.hasPrefix(Self.signaturePrefix) else {
                throw FormatError(description: "signature line does not start with an em dash and a space")
            }
            let rest = line.dropFirst(Self.signaturePrefix.count)
            let parts = rest.split(separator: " ", omittingEmptySubsequences: false)
            guard parts.count == 2, !parts[0].isEmpty, !parts[0].contains("+") else {
                throw FormatError(description: "signature line is not '— name signature'")
            }
            guard let blob = Base64.decodeCanonical(String(parts[1])), blob.count > 4 else {
                throw FormatError(description: "signature is not canonical base64 of a key id and a signature")
            }
            let keyID = blob.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            sigs.append(Signature(name: String(parts[0]), keyID: keyID, bytes: Array(blob.dropFirst(4))))
        }
        guard !sigs.isEmpty else { throw FormatError(description: "note has no signature") }
        self.init(text: text, signatures: sigs)
    }
}

/// An Ed25519 signed-note key pair: the log's checkpoint signer.
public struct NoteSigner: Sendable {
    public let name: String
    let privateKey: Curve25519.Signing.PrivateKey

    public init(name: String, privateKey: Curve25519.Signing.PrivateKey) throws(SignedNote.FormatError) {
        guard NoteVerifier.isValidName(name) else {
            throw SignedNote.FormatError(description: "key name \"\(name)\" must be non-empty UTF-8 without spaces or '+'")
        }
        self.name = name
        self.privateKey = privateKey
    }

    public var verifier: NoteVerifier {
        NoteVerifier(name: name, publicKey: privateKey.publicKey)
    }

    /// Signs `text` (which must end in a newline) and returns the serialized note.
    public func sign(_ text: String) throws -> String {
        guard text.hasSuffix("\n") else { throw SignedNote.FormatError(description: "note text must end with a newline") }
        let sig = try privateKey.signature(for: Data(text.utf8))
        return SignedNote(text: text, signatures: [.init(name: name, keyID: verifier.keyID, bytes: [UInt8](sig))]).serialized
    }
}

/// An Ed25519 signed-note verifier key.
public struct NoteVerifier: Sendable, Hashable {
    public let name: String
    public let publicKey: Curve25519.Signing.PublicKey

    public init(name: String, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.publicKey = publicKey
    }

    public static func == (a: NoteVerifier, b: NoteVerifier) -> Bool {
        a.name == b.name && a.publicKey.rawRepresentation == b.publicKey.rawRepresentation
    }
    public func hash(into h: inout Hasher) { h.combine(name); h.combine(publicKey.rawRepresentation) }

    static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("+") && name.unicodeScalars.allSatisfy { $0.value > 0x20 && $0.value != 0x7F }
    }

    /// First four bytes of SHA-256(name || "\n" || 0x01 || public key), big-endian.
    public var keyID: UInt32 {
        var h = SHA256()
        h.update(data: Array(name.utf8) + [0x0A, 0x01])
        h.update(data: publicKey.rawRepresentation)
        return Array(h.finalize()).prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
    }

    /// `name+hex(key id)+base64(0x01 || public key)`.
    public var encoded: String {
        let id = String(keyID, radix: 16)
        return name + "+" + String(repeating: "0", count: 8 - id.count) + id + "+" + Base64.encode([0x01] + [UInt8](publicKey.rawRepresentation))
    }

    public init(encoded: String) throws(SignedNote.FormatError) {
        let parts = encoded.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false).map(
            String.init)
        guard parts.count == 3, Self.isValidName(parts[0]), parts[1].count == 8, let idBytes = Hex.decode(parts[1]),
            let keyBytes = Base64.decodeCanonical(parts[2])
        else {
            throw SignedNote.FormatError(description: "verifier key must be name+keyid(8 hex)+base64(key)")
        }
        guard keyBytes.count == 33, keyBytes[0] == 0x01, let pub = try? Curve25519.Signing.PublicKey(rawRepresentation: keyBytes.dropFirst()) else {
            throw SignedNote.FormatError(description: "verifier key is not an Ed25519 (type 0x01) key")
        }
        self.init(name: parts[0], publicKey: pub)
        let id = idBytes.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        guard id == keyID else { throw SignedNote.FormatError(description: "verifier key's id \(parts[1]) does not match its name and key") }
    }

    /// Parses `note` and returns its text if one of its signatures is by this key and valid.
    /// Signatures by other keys are ignored, as the signed-note spec requires.
    public func open(_ note: String) throws(SignedNote.FormatError) -> String {
        let parsed = try SignedNote(parsing: note)
        for sig in parsed.signatures where sig.name == name && sig.keyID == keyID {
            if publicKey.isValidSignature(sig.bytes, for: Data(parsed.text.utf8)) { return parsed.text }
            throw SignedNote.FormatError(description: "signature by \(name) does not verify")
        }
        throw SignedNote.FormatError(description: "note is not signed by \(name)+\(String(format: "%08x", keyID))")
    }
}
