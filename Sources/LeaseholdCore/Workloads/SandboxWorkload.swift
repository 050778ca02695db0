import Codecs
import Attestation

/// A `tee: sandbox` workload entry: software-signed development evidence, never genuine.
/// The broker honours it only when started with `--allow-sandbox` (`PolicyMatcher`'s
/// `allowSandbox`), and only for manifests that name it.
public struct SandboxWorkload: Sendable, Hashable, WorkloadRequirement {
    /// The measurement the sandbox evidence must carry (48 bytes, like SNP, TDX and Nitro).
    public var measurement: [UInt8]

    public init(measurement: [UInt8]) { self.measurement = measurement }

    init(reading r: inout ManifestReader) throws(ManifestError) {
        measurement = try r.hex("measurement", count: 48)
    }

    var fields: [String: JSONValue] { ["measurement": .hex(measurement)] }

    func check(_ claims: any TEEClaims) throws(AttestationError) {
        guard claims.tee == .sandbox else {
            throw AttestationError(.teeNotAllowed, "a sandbox entry cannot judge \(claims.tee.rawValue) evidence")
        }
        guard ConstantTime.equal(claims.measurement, measurement) else {
            throw AttestationError(.measurementMismatch, "the sandbox measurement is not the one the manifest names")
        }
        // Like every TEE entry: debug evidence is refused (sandbox entries have no allowDebug).
        guard !claims.debug else {
            throw AttestationError(.debugNotAllowed, "the sandbox evidence claims a debug TEE")
        }
    }
}
