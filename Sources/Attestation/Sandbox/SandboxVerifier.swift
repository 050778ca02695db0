import Codecs
import Foundation
import LeaseholdAPI

/// Verifies sandbox evidence: the development key's signature, nothing more. Only the broker's
/// `--allow-sandbox` switch puts this verifier in its table; see `SandboxEvidence`.
public struct SandboxVerifier: EvidenceVerifier {
    public var tee: TEE { .sandbox }
    public init() {}

    public func verify(_ evidence: Evidence, at time: Date) throws(AttestationError) -> any TEEClaims {
        let parsed: SandboxEvidence
        do { parsed = try SandboxEvidence(parsing: evidence.bytes) } catch { throw AttestationError(.malformed, error.description) }
        let key = SandboxEvidence.developmentKey.publicKey
        guard key.isValidSignature(evidence.bytes[134..<198], for: evidence.bytes[0..<134]) else {
            throw AttestationError(.signatureInvalid, "sandbox evidence is not signed by the development key")
        }
        return SandboxClaims(measurement: parsed.measurement, reportData: parsed.reportData, debug: parsed.debug)
    }
}

public struct SandboxClaims: TEEClaims, Hashable {
    public var tee: TEE { .sandbox }
    public var measurement: [UInt8]
    public var reportData: [UInt8]
    public var debug: Bool

    enum CodingKeys: String, CodingKey { case tee, measurement, reportData, debug }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(tee.rawValue, forKey: .tee)
        try c.encode(Hex.encode(measurement), forKey: .measurement)
        try c.encode(Hex.encode(reportData), forKey: .reportData)
        try c.encode(debug, forKey: .debug)
    }
}
