import Crypto
import Foundation

/// Software-signed "attestation" for development: it runs on any laptop and proves nothing.
///
/// | offset | size | field                                              |
/// |--------|------|----------------------------------------------------|
/// | 0      | 21   | magic `leasehold-sandbox-v1\n`                     |
/// | 21     | 48   | measurement (whatever the developer claims)         |
/// | 69     | 64   | report data (the lease binding, as for real TEEs)   |
/// | 133    | 1    | flags: bit 0 debug; other bits must be zero          |
/// | 134    | 64   | Ed25519 signature over bytes 0..<134 by the dev key   |
///
/// The signing key is **fixed and public**: its seed is SHA-256 of
/// `"leasehold sandbox insecure development key v1"`, so anyone can make sandbox evidence
/// for any measurement. The broker accepts it only when started with `--allow-sandbox` AND
/// the lease manifest names `tee: sandbox`; no production lease should ever do either.
/// It lives with the wire vocabulary, not with the verifiers, because both ends use it: the
/// workload client signs it and the broker's `SandboxVerifier` parses it, and the workload
/// binary must not link the verifiers (issue 13).
public struct SandboxEvidence: Sendable, Hashable {
    /// Why sandbox bytes could not be made or read; the verifier turns it into its own error.
    public struct FormatError: Error, Sendable, Hashable, CustomStringConvertible {
        public var description: String
        init(_ description: String) { self.description = description }
    }

    public static let magic = Array("leasehold-sandbox-v1\n".utf8)
    public static let size = 198
    public static let signedSize = 134

    public var measurement: [UInt8]
    public var reportData: [UInt8]
    public var debug: Bool

    public init(measurement: [UInt8], reportData: [UInt8], debug: Bool = false) {
        self.measurement = measurement
        self.reportData = reportData
        self.debug = debug
    }

    /// The insecure, published development key.
    public static let developmentKey: Curve25519.Signing.PrivateKey = {
        let seed = SHA256.hash(data: Array("leasehold sandbox insecure development key v1".utf8))
        return try! Curve25519.Signing.PrivateKey(rawRepresentation: Array(seed))  // no-trap: 32 bytes by construction, never input
    }()

    /// Signs with the development key. Measurement 48 bytes, report data 64 bytes.
    public func signed() throws(FormatError) -> [UInt8] {
        guard measurement.count == 48, reportData.count == 64 else {
            throw FormatError("sandbox measurement must be 48 bytes and report data 64 bytes")
        }
        let body = Self.magic + measurement + reportData + [debug ? 1 : 0]
        guard let sig = try? Self.developmentKey.signature(for: body) else {
            throw FormatError("could not sign sandbox evidence")
        }
        return body + [UInt8](sig)
    }

    /// Parses strictly: exact size, magic, reserved flag bits zero. Decides nothing.
    public init(parsing bytes: [UInt8]) throws(FormatError) {
        guard bytes.count == Self.size else {
            throw FormatError("sandbox evidence is \(bytes.count) bytes, expected \(Self.size)")
        }
        guard Array(bytes[0..<21]) == Self.magic else { throw FormatError("not sandbox evidence (bad magic)") }
        guard bytes[133] & 0xFE == 0 else { throw FormatError("reserved sandbox flag bits are set") }
        self.init(measurement: Array(bytes[21..<69]), reportData: Array(bytes[69..<133]), debug: bytes[133] & 1 == 1)
    }
}
