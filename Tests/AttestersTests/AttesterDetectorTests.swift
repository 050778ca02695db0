import Foundation
import Testing
@testable import Attesters

@Suite("AttesterDetector: auto in a fixed order, and a named TEE's preferred interface")
struct AttesterDetectorTests {
    func paths(_ dir: TemporaryDirectory) -> AttesterDetector.Paths {
        AttesterDetector.Paths(
            tsmRoot: dir.path + "/tsm", sevGuest: dir.path + "/sev-guest", tdxGuest: dir.path + "/tdx_guest",
            tdxConfig: dir.path + "/tdx-attest.conf", gramine: dir.path + "/attestation", nsm: dir.path + "/nsm")
    }

    @Test("nothing present: interface-missing listing every place looked at, never sandbox")
    func nothing() throws {
        let dir = try TemporaryDirectory()
        let error = #expect(throws: AttesterError.self) { try AttesterDetector(paths: paths(dir)).detect() }
        #expect(error?.code == .interfaceMissing)
        for name in ["tsm", "sev-guest", "tdx_guest", "attestation_type", "nsm"] {
            #expect(error?.reason.contains(name) == true)
        }
    }

    @Test("configfs-tsm with sev_guest wins over device nodes; the probe entry is removed")
    func configfsFirst() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/tsm", withIntermediateDirectories: false)
        try dir.write("sev-guest", [])
        try dir.write("nsm", [])
        let fake = FakeTSM(root: dir.path + "/tsm", provider: "sev_guest", outblob: [])
        let choice = try AttesterDetector(paths: paths(dir), privlevel: nil, files: fake).detect()
        #expect(choice.attester.tee == .sevSNP)
        #expect(choice.attester.interface == "configfs-tsm")
        #expect(choice.reason.contains("sev_guest"))
        #expect(fake.made.count == 1 && fake.removed == fake.made)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("configfs-tsm with tdx_guest is TDX; an unknown provider is passed over")
    func configfsProviders() throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/tsm", withIntermediateDirectories: false)
        let tdx = FakeTSM(root: dir.path + "/tsm", provider: "tdx_guest", outblob: [])
        #expect(try AttesterDetector(paths: paths(dir), privlevel: nil, files: tdx).detect().attester.tee == .tdx)
        let cca = FakeTSM(root: dir.path + "/tsm", provider: "arm_cca_guest", outblob: [])
        try dir.write("nsm", [])
        let choice = try AttesterDetector(paths: paths(dir), privlevel: nil, files: cca).detect()
        #expect(choice.attester.tee == .nitro)
        #expect(choice.passedOver.first?.contains("arm_cca_guest") == true)
    }

    @Test("the device order: sev-guest, then tdx_guest, then Gramine, then nsm")
    func order() throws {
        let dir = try TemporaryDirectory()
        try dir.write("nsm", [])
        #expect(try AttesterDetector(paths: paths(dir)).detect().attester.tee == .nitro)
        try FileManager.default.createDirectory(atPath: dir.path + "/attestation", withIntermediateDirectories: false)
        try dir.write("attestation/attestation_type", Array("dcap".utf8))
        #expect(try AttesterDetector(paths: paths(dir)).detect().attester.tee == .sgx)
        try dir.write("tdx_guest", [])
        #expect(try AttesterDetector(paths: paths(dir)).detect().attester.tee == .tdx)
        try dir.write("sev-guest", [])
        let choice = try AttesterDetector(paths: paths(dir)).detect()
        #expect(choice.attester.tee == .sevSNP)
        #expect(choice.attester.interface == dir.path + "/sev-guest")
        #expect(choice.reason.contains("sev-guest"))
    }

    @Test("a named TEE: configfs-tsm when present, else its device, else interface-missing naming both")
    func named() throws {
        let dir = try TemporaryDirectory()
        let missing = #expect(throws: AttesterError.self) { try AttesterDetector(paths: paths(dir)).attester(for: .tdx) }
        #expect(missing?.code == .interfaceMissing)
        #expect(missing?.reason.contains("tdx_guest") == true && missing?.reason.contains("tsm") == true)
        try dir.write("tdx_guest", [])
        #expect(try AttesterDetector(paths: paths(dir)).attester(for: .tdx).attester.interface == dir.path + "/tdx_guest")
        try FileManager.default.createDirectory(atPath: dir.path + "/tsm", withIntermediateDirectories: false)
        #expect(try AttesterDetector(paths: paths(dir)).attester(for: .tdx).attester.interface == "configfs-tsm")
        #expect(throws: AttesterError.self) { try AttesterDetector(paths: paths(dir)).attester(for: .sgx) }
        #expect(throws: AttesterError.self) { try AttesterDetector(paths: paths(dir)).attester(for: .nitro) }
    }

    @Test("auto end to end: the detected configfs-tsm attester produces the real SNP evidence")
    func endToEnd() async throws {
        let dir = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: dir.path + "/tsm", withIntermediateDirectories: false)
        let m = try Vectors.milan()
        let fake = FakeTSM(root: dir.path + "/tsm", provider: "sev_guest", outblob: m.report, auxblob: try Vectors.milanTable())
        let choice = try AttesterDetector(paths: paths(dir), privlevel: nil, files: fake).detect()
        let evidence = try await choice.attester.attest(try Vectors.request())
        #expect(evidence.evidence == m.report)
        #expect(evidence.collateral == [m.vcek, m.ask, m.ark])
        #expect(fake.entriesLeft.isEmpty)
    }
}
