import Codecs
import Crypto
import Foundation
import SwiftASN1
import Testing
@testable import Attestation

@Suite struct AMDRootsTests {
    /// SHA-256 of each ARK's DER, as published in vectors/SOURCES.md ("roots/").
    static let pins: [(SNPProduct, String, String)] = [
        (.milan, "roots/amd_ark_milan.pem", "69d063b45344d26a2e94e1f4210de49ef555308287d4c174445c95639a540bcd"),
        (.genoa, "roots/amd_ark_genoa.pem", "4c6598d19c18719c5dfd4a7d335f674e5bfe1d8f800cea2cf270c10d103db2f1"),
        (.turin, "roots/amd_ark_turin.pem", "1f084161a44bb6d93778a904877d4819cafa5d05ef4193b2ded9dd9c73dd3f6a"),
    ]

    @Test func compiledRootsMatchTheVectorFilesAndTheirPublishedDigests() throws {
        for (product, file, digest) in Self.pins {
            let compiled = try PEMDocument(pemString: AMDRoots.pem(for: product)).derBytes
            let onDisk = try PEMDocument(pemString: String(decoding: Vectors.bytes(file), as: UTF8.self)).derBytes
            #expect(Hex.encode(Array(SHA256.hash(data: compiled))) == digest, "\(product)")
            #expect(Hex.encode(Array(SHA256.hash(data: onDisk))) == digest, "\(product)")
            #expect(AMDRoots.pinned[product]?.der == compiled)
        }
    }

    @Test func pinnedRootsAreSelfSignedAMDRoots() throws {
        #expect(AMDRoots.pinned.count == 3)
        for (product, root) in AMDRoots.pinned {
            #expect(root.isSelfIssued)
            #expect(root.subjectCommonName == "ARK-\(product.rawValue)")
            #expect(root.isSigned(by: root))
            #expect(root.signatureAlgorithm.explicitTrailerField)
        }
    }

    /// The KDS cert_chain files carry the same ARK as the pinned one (second certificate).
    @Test(arguments: [
        ("sev-snp/amd-kds-cert-chains/ask_ark_milan.pem", SNPProduct.milan),
        ("sev-snp/amd-kds-cert-chains/ask_ark_genoa.pem", SNPProduct.genoa),
    ])
    func kdsChainsEndAtThePinnedRoot(file: String, product: SNPProduct) throws {
        let ders = try AMDCertificate.derCertificates(in: Vectors.bytes(file))
        #expect(ders.count == 2)
        #expect(ders.last == AMDRoots.pinned[product]?.der)
        let ask = try AMDCertificate(derEncoded: ders[0])
        #expect(ask.subjectCommonName == "SEV-\(product.rawValue)")
        #expect(try #require(AMDRoots.pinned[product]).subject == ask.issuer)
        #expect(ask.isSigned(by: try #require(AMDRoots.pinned[product])))
    }
}
