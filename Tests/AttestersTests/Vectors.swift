import LeaseholdTestSupport
import Foundation
@testable import Attesters

/// The real evidence in /work/shared/vectors (see its SOURCES.md), or LEASEHOLD_VECTORS.
enum Vectors {
    static let root = TestPaths.vectors

    static func bytes(_ path: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: root.appendingPathComponent(path)))
    }

    /// The DER bodies of the CERTIFICATE blocks of a PEM file, in order.
    static func pemCertificates(_ path: String) throws -> [[UInt8]] {
        let text = String(decoding: try bytes(path), as: UTF8.self)
        var out: [[UInt8]] = []
        for block in text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst() {
            guard let body = block.components(separatedBy: "-----END CERTIFICATE-----").first,
                let der = Data(base64Encoded: body.filter { !$0.isWhitespace })
            else { continue }
            out.append([UInt8](der))
        }
        return out
    }

    /// Milan: the real report, its VCEK, and AMD's ASK and ARK.
    static func milan() throws -> (report: [UInt8], vcek: [UInt8], ask: [UInt8], ark: [UInt8]) {
        let chain = try pemCertificates("sev-snp/amd-kds-cert-chains/ask_ark_milan.pem")
        return (try bytes("sev-snp/milan-trustee/test-report.bin"), try bytes("sev-snp/milan-trustee/test-vcek.der"), chain[0], chain[1])
    }

    static let vcekGUID = SNPCertificateTable.guid("63da758d-e664-4564-adc5-f4b93be8accd")
    static let vlekGUID = SNPCertificateTable.guid("a8074bc2-a25a-483e-aae6-39c045a0b8a1")
    static let askGUID = SNPCertificateTable.guid("4ab7b379-bbac-4fe4-a02f-05aef327c782")
    static let arkGUID = SNPCertificateTable.guid("c0b406a4-a803-4952-9743-3fb6014cd0ae")

    /// A GHCB certificate table as a host builds it: entries, the zero terminator, then the
    /// certificates back to back, then `padding` zero bytes.
    static func certificateTable(_ entries: [([UInt8], [UInt8])], padding: Int = 0) -> [UInt8] {
        var header: [UInt8] = []
        var body: [UInt8] = []
        let headerSize = (entries.count + 1) * 24
        for (guid, der) in entries {
            header += guid
            Bytes.appendLE(UInt32(headerSize + body.count), to: &header)
            Bytes.appendLE(UInt32(der.count), to: &header)
            body += der
        }
        header += [UInt8](repeating: 0, count: 24)
        return header + body + [UInt8](repeating: 0, count: padding)
    }

    static func milanTable(padding: Int = 0) throws -> [UInt8] {
        let m = try milan()
        return certificateTable([(vcekGUID, m.vcek), (askGUID, m.ask), (arkGUID, m.ark)], padding: padding)
    }

    static let reportData: [UInt8] = (0..<64).map { UInt8($0) }

    static func request(nonce: [UInt8]? = nil, publicKey: [UInt8]? = nil) throws -> AttestationRequest {
        try AttestationRequest(reportData: reportData, nonce: nonce, publicKey: publicKey)
    }
}

/// A fresh temporary directory, removed when the test ends.
final class TemporaryDirectory {
    let url: URL
    var path: String { url.path }

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("attesters-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        chmodAll(url.path)
        try? FileManager.default.removeItem(at: url)
    }

    /// Undo any chmod 000 of a test so that cleanup succeeds.
    private func chmodAll(_ path: String) {
        _ = chmod(path, 0o700)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? [] { chmodAll(path + "/" + name) }
    }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        try Data(bytes).write(to: url.appendingPathComponent(name))
    }

    func entries(_ sub: String = "") throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: sub.isEmpty ? path : path + "/" + sub)
    }
}
