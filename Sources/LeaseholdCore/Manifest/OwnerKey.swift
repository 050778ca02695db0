import Codecs
import Crypto
import Foundation
import LeaseholdAPI

/// The signature algorithms an owner can sign manifests with.
public enum OwnerKeyAlgorithm: String, Sendable, Hashable, CaseIterable {
    /// Ed25519 (RFC 8032): the default.
    case ed25519 = "ed25519"
    /// ML-DSA-65 (FIPS 204): for owners who want manifests to stay unforgeable against a
    /// future quantum computer.
    case mlDSA65 = "ml-dsa-65"
}

/// An owner's public key, and its one-line text form:
///
///     leasehold-owner-pub v1 <algorithm> <base64 of the raw public key>
///
/// (raw = the 32-byte Ed25519 key, or the 1952-byte FIPS 204 ML-DSA-65 encoding).
/// `keyID` is the lower-case hex SHA-256 of that line (without a line break), so the same
/// key always has the same id and the id names the algorithm too.
public struct OwnerPublicKey: Sendable, Hashable {
    public let algorithm: OwnerKeyAlgorithm
    /// The raw public key bytes.
    public let rawRepresentation: [UInt8]

    static let publicPrefix = "leasehold-owner-pub v1"
    static let privatePrefix = "leasehold-owner-key v1"

    public init(algorithm: OwnerKeyAlgorithm, rawRepresentation: [UInt8]) throws(ManifestError) {
        do {
            switch algorithm {
            case .ed25519: _ = try Curve25519.Signing.PublicKey(rawRepresentation: rawRepresentation)
            case .mlDSA65: _ = try MLDSA65.PublicKey(rawRepresentation: rawRepresentation)
            }
        } catch {
            throw ManifestError("", "not a valid \(algorithm.rawValue) public key")
        }
        self.algorithm = algorithm
        self.rawRepresentation = rawRepresentation
    }

    /// Parses the text form; one line, optionally ending in one line break.
    public init(text: String) throws(ManifestError) {
        let (algorithm, raw) = try OwnerKeyText.parse(text, prefix: Self.publicPrefix, what: "owner public key")
        try self.init(algorithm: algorithm, rawRepresentation: raw)
    }

    /// The text form, without a line break.
    public var text: String { "\(Self.publicPrefix) \(algorithm.rawValue) \(Base64.encode(rawRepresentation))" }

    public var keyID: String { Hex.encode(Array(SHA256.hash(data: Array(text.utf8)))) }

    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) -> Bool {
        SignatureCheck.isValid(signature, for: message, publicKey: rawRepresentation, mlDSA65: algorithm == .mlDSA65)
    }
}

/// An owner's private signing key, and its one-line text form:
///
///     leasehold-owner-key v1 <algorithm> <base64 of the private seed>
///
/// (the 32-byte Ed25519 private key, or the 32-byte ML-DSA-65 seed from which FIPS 204
/// derives the key pair). The CLI writes it 0600; nothing here touches files.
public struct OwnerSigningKey: Sendable {
    public let algorithm: OwnerKeyAlgorithm
    private let seed: [UInt8]
    public let publicKey: OwnerPublicKey

    /// A fresh key pair from the system's secure random source.
    public static func generate(_ algorithm: OwnerKeyAlgorithm = .ed25519) throws(ManifestError) -> OwnerSigningKey {
        do {
            switch algorithm {
            case .ed25519:
                return try OwnerSigningKey(algorithm: .ed25519, seed: Array(Curve25519.Signing.PrivateKey().rawRepresentation))
            case .mlDSA65:
                return try OwnerSigningKey(algorithm: .mlDSA65, seed: Array(try MLDSA65.PrivateKey().seedRepresentation))
            }
        } catch let error as ManifestError {
            throw error
        } catch {
            throw ManifestError("", "could not generate an \(algorithm.rawValue) key: \(error)")
        }
    }

    public init(algorithm: OwnerKeyAlgorithm, seed: [UInt8]) throws(ManifestError) {
        let raw: [UInt8]
        do {
            switch algorithm {
            case .ed25519: raw = Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).publicKey.rawRepresentation)
            case .mlDSA65: raw = Array(try MLDSA65.PrivateKey(seedRepresentation: seed, publicKey: nil).publicKey.rawRepresentation)
            }
        } catch {
            throw ManifestError("", "not a valid \(algorithm.rawValue) private key")
        }
        self.algorithm = algorithm
        self.seed = seed
        self.publicKey = try OwnerPublicKey(algorithm: algorithm, rawRepresentation: raw)
    }

    public init(text: String) throws(ManifestError) {
        let (algorithm, seed) = try OwnerKeyText.parse(text, prefix: OwnerPublicKey.privatePrefix, what: "owner private key")
        try self.init(algorithm: algorithm, seed: seed)
    }

    /// The text form, without a line break. Secret: write it only to a 0600 file.
    public var text: String { "\(OwnerPublicKey.privatePrefix) \(algorithm.rawValue) \(Base64.encode(seed))" }

    public func signature(for message: [UInt8]) throws(ManifestError) -> [UInt8] {
        do {
            switch algorithm {
            case .ed25519: return Array(try Curve25519.Signing.PrivateKey(rawRepresentation: seed).signature(for: message))
            case .mlDSA65: return Array(try MLDSA65.PrivateKey(seedRepresentation: seed, publicKey: nil).signature(for: message))
            }
        } catch {
            throw ManifestError("", "signing with the \(algorithm.rawValue) key failed: \(error)")
        }
    }
}

enum OwnerKeyText {
    static func parse(_ text: String, prefix: String, what: String) throws(ManifestError) -> (OwnerKeyAlgorithm, [UInt8]) {
        var line = Substring(text)
        if line.hasSuffix("\n") { line = line.dropLast() }
        let parts = line.split(separator: " ", omittingEmptySubsequences: false)
        guard parts.count == 4, "\(parts[0]) \(parts[1])" == prefix else {
            throw ManifestError("", "not a \(what): expected one line \"\(prefix) <algorithm> <base64>\"")
        }
        guard let algorithm = OwnerKeyAlgorithm(rawValue: String(parts[2])) else {
            throw ManifestError(
                "", "unknown algorithm \(parts[2]) in the \(what); one of \(OwnerKeyAlgorithm.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let bytes = Base64.decodeCanonical(String(parts[3])) else { throw ManifestError("", "the \(what) is not canonical base64") }
        return (algorithm, bytes)
    }
}
