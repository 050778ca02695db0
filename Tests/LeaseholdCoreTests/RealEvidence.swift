import LeaseholdTestSupport
import Attestation
import Foundation

/// Verified claims from the real evidence in ../shared/vectors, each verified at its
/// EXPECTED.json `valid_at` by the real verifier (the evidence expires; the time is injected).
enum RealEvidence {
    static let root = TestPaths.vectors

    static func entry(_ id: String) throws -> [String: Any] {
        let data = try Data(contentsOf: root.appendingPathComponent("EXPECTED.json"))
        let all = (try JSONSerialization.jsonObject(with: data) as? [String: Any])?["evidence"] as? [[String: Any]] ?? []
        guard let e = all.first(where: { $0["id"] as? String == id }) else { throw CocoaError(.fileNoSuchFile) }
        return e
    }

    static func bytes(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: root.appendingPathComponent(path))) }

    static func validAt(_ e: [String: Any]) -> Date {
        ISO8601DateFormatter().date(from: e["valid_at"] as? String ?? "") ?? .distantPast
    }

    static func evidence(_ e: [String: Any], tee: TEE) throws -> Evidence {
        let files = ((e["chain_files"] as? [String]) ?? []) + ((e["collateral_files"] as? [String]) ?? [])
        return Evidence(
            tee: tee, bytes: try bytes(e["file"] as? String ?? ""),
            collateral: try files.filter { !$0.hasPrefix("(") }.map(bytes))
    }

    static func snp(_ id: String = "snp-milan-trustee") throws -> (SNPClaims, [String: Any]) {
        let e = try entry(id)
        return (try SNPVerifier().verifyReport(try evidence(e, tee: .sevSNP), at: validAt(e)), e)
    }

    static func dcap(_ id: String, tee: TEE) throws -> (any TEEClaims, [String: Any]) {
        let e = try entry(id)
        let hasCRLs = ((e["collateral_files"] as? [String]) ?? []).contains { $0.hasSuffix(".der") }
        let verifier = try DCAPVerifier(tee: tee, allowMissingCRL: !hasCRLs)
        return (try verifier.verify(try evidence(e, tee: tee), at: validAt(e)), e)
    }
}
