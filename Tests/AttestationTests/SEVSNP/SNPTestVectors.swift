import Foundation
import Testing
@testable import Attestation

/// The SEV-SNP samples of EXPECTED.json, loaded with their chain files.
struct SNPSample: Sendable, CustomTestStringConvertible {
    let id: String
    let report: [UInt8]
    /// The chain files as listed (VCEK DER, then the ASK+ARK PEM).
    let collateral: [[UInt8]]
    let validAt: Date
    let notBefore: Date
    let notAfter: Date
    let measurement: String
    let reportData: String
    let product: String
    let strings: [String: String]
    let ints: [String: Int]
    let tcbs: [String: [String: Int]]

    var testDescription: String { id }

    var evidence: Evidence { Evidence(tee: .sevSNP, bytes: report, collateral: collateral) }

    func detail(_ key: String) -> String { strings[key] ?? "" }
    func int(_ key: String) -> Int { ints[key] ?? -1 }
    func tcb(_ key: String) -> [String: Int] { tcbs[key] ?? [:] }

    static func all() throws -> [SNPSample] {
        let expected = try Vectors.expected()
        let evidence = expected["evidence"] as? [[String: Any]] ?? []
        return try evidence.filter { $0["tee"] as? String == "sev-snp" }.map { e in
            let window = e["valid_window"] as? [String: String] ?? [:]
            let details = e["details"] as? [String: Any] ?? [:]
            return SNPSample(
                id: e["id"] as? String ?? "",
                report: try Vectors.bytes(e["file"] as? String ?? ""),
                collateral: try (e["chain_files"] as? [String] ?? []).map(Vectors.bytes),
                validAt: Vectors.time(e["valid_at"] as? String ?? ""),
                notBefore: Vectors.time(window["not_before"] ?? ""),
                notAfter: Vectors.time(window["not_after"] ?? ""),
                measurement: e["measurement"] as? String ?? "",
                reportData: e["report_data"] as? String ?? "",
                product: e["product"] as? String ?? "",
                strings: details.compactMapValues { $0 as? String },
                ints: details.compactMapValues { $0 as? Int },
                tcbs: details.compactMapValues { $0 as? [String: Int] })
        }
    }

    static func named(_ id: String) throws -> SNPSample {
        guard let sample = try all().first(where: { $0.id == id }) else {
            throw CocoaError(.fileNoSuchFile, userInfo: [NSLocalizedDescriptionKey: "no SNP sample \(id) in EXPECTED.json"])
        }
        return sample
    }

    static var milan: SNPSample { get throws { try named("snp-milan-trustee") } }
    static var genoa: SNPSample { get throws { try named("snp-genoa-lunal") } }
}

extension Array where Element == UInt8 {
    /// A copy with one bit flipped.
    func flipping(byte index: Int, bit: Int = 0) -> [UInt8] {
        var copy = self
        copy[index] ^= UInt8(1) << UInt8(bit)
        return copy
    }
}
