import Foundation
@testable import Attestation

/// One DCAP sample from EXPECTED.json with its files loaded.
struct DCAPSample {
    var id: String
    var tee: TEE
    var quote: [UInt8]
    var collateral: [[UInt8]]
    var validAt: Date
    var entry: [String: Any]

    var details: [String: Any] { entry["details"] as? [String: Any] ?? [:] }
    var computed: [String: Any] { entry["computed_tcb"] as? [String: Any] ?? [:] }
    var evidence: Evidence { Evidence(tee: tee, bytes: quote, collateral: collateral) }
    var hasCRLs: Bool { !((entry["collateral_summary"] as? [String: Any])?["crls"] as? [String: Any] ?? [:]).isEmpty }

    static let ids = ["sgx-phala-00a067110000", "sgx-oasis-00606a000000", "tdx-phala-b0c06f", "tdx-trustee-q4-debug-50806f"]

    static func load(_ id: String) throws -> DCAPSample {
        let expected = try Vectors.expected()
        guard let entry = (expected["evidence"] as? [[String: Any]])?.first(where: { $0["id"] as? String == id }),
            let file = entry["file"] as? String, let teeName = entry["tee"] as? String, let tee = TEE(rawValue: teeName),
            let validAt = entry["valid_at"] as? String
        else {
            throw CocoaError(.fileReadCorruptFile)
        }
        // Everything that is a file: collateral plus chain files (issuer chains, the root).
        let paths = ((entry["collateral_files"] as? [String]) ?? []) + ((entry["chain_files"] as? [String]) ?? [])
        let collateral = try paths.filter { !$0.hasPrefix("(") }.map { try Vectors.bytes($0) }
        return DCAPSample(
            id: id, tee: tee, quote: try Vectors.bytes(file), collateral: collateral,
            validAt: Vectors.time(validAt), entry: entry)
    }

    func verifier(allowMissingCRL: Bool? = nil, cache: DCAPCache = DCAPCache()) throws(AttestationError) -> DCAPVerifier {
        try DCAPVerifier(tee: tee, allowMissingCRL: allowMissingCRL ?? !hasCRLs, cache: cache)
    }
}

/// The code of the AttestationError `body` throws, or nil if it does not throw.
/// Any other error gives a code no test expects.
func dcapErrorCode(_ body: () throws -> Void) -> AttestationError.Code? {
    do { try body(); return nil } catch let error as AttestationError { return error.code } catch {
        return AttestationError.Code(rawValue: "not-an-attestation-error: \(error)")
    }
}

func flipBit(_ bytes: [UInt8], at index: Int, bit: UInt8 = 0x01) -> [UInt8] {
    var out = bytes
    out[index] ^= bit
    return out
}
