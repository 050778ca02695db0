import LeaseholdTestSupport
import Codecs
import Attestation
import Foundation
import Testing
@testable import LeaseholdCore

/// The example manifests in manifests/ (used by the demo and the docs) must stay valid,
/// signable, and faithful to the real evidence they name.
@Suite("Example manifests")
struct ExampleManifestTests {
    static let directory = TestPaths.inRepository("manifests")

    static func read(_ name: String) throws -> LeaseManifest {
        try LeaseManifest(yaml: String(decoding: try Data(contentsOf: directory.appendingPathComponent(name)), as: UTF8.self))
    }

    @Test(arguments: [("sandbox.yaml", TEE.sandbox), ("sev-snp.yaml", .sevSNP), ("tdx.yaml", .tdx), ("sgx.yaml", .sgx), ("nitro.yaml", .nitro)])
    func parsesSignsAndVerifies(_ name: String, _ tee: TEE) throws {
        let manifest = try Self.read(name)
        #expect(manifest.workloads.map(\.tee) == [tee])
        for alg in OwnerKeyAlgorithm.allCases {
            let key = try OwnerSigningKey.generate(alg)
            let envelope = try ManifestEnvelope.sign(manifest, with: key)
            let verified = try ManifestEnvelope.verify(
                try DSSEEnvelope(json: String(decoding: envelope.json, as: UTF8.self)),
                trustedKeys: [key.publicKey])
            #expect(verified.manifest == manifest)
        }
    }

    @Test func snpExampleAcceptsTheRealMilanReport() throws {
        let (claims, _) = try RealEvidence.snp()
        #expect(PolicyMatcherTests.code(PolicyMatcher().matchWorkload(claims, manifest: try Self.read("sev-snp.yaml"))) == "match 0")
    }

    @Test func tdxExampleAcceptsTheRealPhalaQuote() throws {
        let (claims, _) = try RealEvidence.dcap("tdx-phala-b0c06f", tee: .tdx)
        #expect(PolicyMatcherTests.code(PolicyMatcher().matchWorkload(claims, manifest: try Self.read("tdx.yaml"))) == "match 0")
    }

    @Test func sgxExampleAcceptsTheRealPhalaQuote() throws {
        let (claims, _) = try RealEvidence.dcap("sgx-phala-00a067110000", tee: .sgx)
        #expect(PolicyMatcherTests.code(PolicyMatcher().matchWorkload(claims, manifest: try Self.read("sgx.yaml"))) == "match 0")
    }

    @Test func nitroExampleNamesTheRealEvervaultPCRs() throws {
        let e = try RealEvidence.entry("nitro-evervault-2022-10-13")
        let pcrs = try #require((e["details"] as? [String: Any])?["pcrs"] as? [String: String])
        guard case .nitro(let w) = try Self.read("nitro.yaml").workloads.first else { Issue.record("not a nitro entry"); return }
        #expect(Hex.encode(w.policy.pcr0) == pcrs["0"])
        #expect(w.policy.pcr1.map(Hex.encode) == pcrs["1"])
        #expect(w.policy.pcr2.map(Hex.encode) == pcrs["2"])
        #expect(w.policy.pcr8.map(Hex.encode) == pcrs["8"])
    }
}
