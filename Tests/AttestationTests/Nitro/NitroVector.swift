import Foundation
import Testing
@testable import Attestation

/// One Nitro sample from ../shared/vectors with what EXPECTED.json says about it.
struct NitroVector: Sendable, CustomTestStringConvertible {
    var id: String
    var bytes: [UInt8]
    var validAt: Date
    var notBefore: Date
    var notAfter: Date
    var measurement: String
    var debug: Bool
    var moduleID: String
    var timestampMs: UInt64
    var pcrs: [Int: String]
    var userData: String?
    var nonce: String?
    var publicKey: String?

    var testDescription: String { id }

    /// Every `tee == "nitro"` entry of EXPECTED.json, with its evidence file decoded
    /// (the blocky sample is base64 text, as the CLI accepts it).
    static func all() throws -> [NitroVector] {
        let expected = try Vectors.expected()
        let evidence = expected["evidence"] as? [[String: Any]] ?? []
        return try evidence.filter { $0["tee"] as? String == "nitro" }.map { e in
            let details = e["details"] as? [String: Any] ?? [:]
            let window = e["valid_window"] as? [String: Any] ?? [:]
            func hex(_ key: String) -> String? { (details[key] as? [String: Any])?["hex"] as? String }
            let pcrs = (details["pcrs"] as? [String: String] ?? [:]).reduce(into: [Int: String]()) { out, kv in
                if let i = Int(kv.key) { out[i] = kv.value }
            }
            return NitroVector(
                id: e["id"] as? String ?? "?",
                bytes: EvidenceFile.decode(try Vectors.bytes(e["file"] as? String ?? "")),
                validAt: Vectors.time(e["valid_at"] as? String ?? ""),
                notBefore: Vectors.time(window["not_before"] as? String ?? ""),
                notAfter: Vectors.time(window["not_after"] as? String ?? ""),
                measurement: e["measurement"] as? String ?? "",
                debug: e["debug"] as? Bool ?? true,
                moduleID: details["module_id"] as? String ?? "",
                timestampMs: (details["timestamp_ms"] as? NSNumber)?.uint64Value ?? 0,
                pcrs: pcrs,
                userData: hex("user_data"), nonce: hex("nonce"), publicKey: hex("public_key"))
        }
    }

    /// Loaded once for all tests; empty if the vectors are missing (a test checks they are not).
    static let loaded: [NitroVector] = (try? all()) ?? []

    /// The COSE message, decoded by our own parser.
    var cose: CoseSign1 { get throws { try CoseSign1.parse(bytes, limits: NitroVerifier.limits) } }
    var document: NitroAttestationDocument { get throws { try NitroAttestationDocument.parse(cose.payload, limits: NitroVerifier.limits) } }

    /// Rebuilds the COSE message with another payload; the signature no longer matches it.
    func withPayload(_ payload: [UInt8]) throws -> [UInt8] {
        let c = try cose
        return CBOREncoder.encode(.array([.bytes(c.protectedBytes), .map(c.unprotectedHeader), .bytes(payload), .bytes(c.signature)]))
    }
}
