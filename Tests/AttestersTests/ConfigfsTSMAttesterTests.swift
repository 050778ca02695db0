import Foundation
import Testing
@testable import Attesters

@Suite("configfs-tsm attester against a kernel-like temporary directory")
struct ConfigfsTSMAttesterTests {
    func snpFake(_ dir: TemporaryDirectory, auxblob: [UInt8]?) throws -> FakeTSM {
        FakeTSM(root: dir.path, provider: "sev_guest", outblob: try Vectors.milan().report, auxblob: auxblob)
    }

    @Test("SEV-SNP: the real report and its real VCEK/ASK/ARK come out as evidence and three DER certificates; the entry is removed")
    func snpRealVectors() async throws {
        let dir = try TemporaryDirectory()
        let milan = try Vectors.milan()
        let fake = try snpFake(dir, auxblob: try Vectors.milanTable())
        let attester = ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake)
        let evidence = try await attester.attest(try Vectors.request())
        #expect(evidence.tee == .sevSNP)
        #expect(evidence.teeName == "sev-snp")
        #expect(evidence.interface == "configfs-tsm")
        #expect(evidence.evidence == milan.report)
        #expect(evidence.collateral == [milan.vcek, milan.ask, milan.ark])
        #expect(fake.writes.map(\.0) == ["inblob"])
        #expect(fake.writes.first?.1 == Vectors.reportData)
        #expect(fake.made.count == 1)
        #expect(fake.removed == fake.made)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("SEV-SNP with privlevel: written as ASCII before inblob, and the generation check counts both writes")
    func snpPrivlevel() async throws {
        let dir = try TemporaryDirectory()
        let fake = try snpFake(dir, auxblob: try Vectors.milanTable())
        let attester = ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: 2, files: fake)
        _ = try await attester.attest(try Vectors.request())
        #expect(fake.writes.map(\.0) == ["privlevel", "inblob"])
        #expect(fake.writes.first?.1 == Array("2".utf8))
    }

    @Test("SEV-SNP privlevel below the floor is a bad-request naming privlevel_floor, entry removed")
    func snpPrivlevelBelowFloor() async throws {
        let dir = try TemporaryDirectory()
        let fake = try snpFake(dir, auxblob: nil)
        fake.privlevelFloor = 2
        let attester = ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: 1, files: fake)
        let error = await #expect(throws: AttesterError.self) { try await attester.attest(try Vectors.request()) }
        #expect(error?.code == .badRequest)
        #expect(error?.reason.contains("privlevel_floor") == true)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("SEV-SNP with an empty auxblob (upstream KVM): the report alone, with a note")
    func snpEmptyAuxblob() async throws {
        let dir = try TemporaryDirectory()
        let fake = try snpFake(dir, auxblob: [])
        let evidence = try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        #expect(evidence.collateral.isEmpty)
        #expect(evidence.notes.contains { $0.contains("auxblob is empty") })
    }

    @Test("SEV-SNP with no auxblob attribute at all: the report alone")
    func snpMissingAuxblob() async throws {
        let dir = try TemporaryDirectory()
        let fake = try snpFake(dir, auxblob: nil)
        let evidence = try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        #expect(evidence.collateral.isEmpty)
    }

    @Test("SEV-SNP with a malformed certificate table: bad-response, nothing returned, entry removed")
    func snpHostileAuxblob() async throws {
        let dir = try TemporaryDirectory()
        var table = try Vectors.milanTable()
        table.removeLast(10)
        let fake = try snpFake(dir, auxblob: table)
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .badResponse)
        #expect(error?.reason.contains("auxblob") == true)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("TDX: the real quote (trustee v4, 4936 bytes) comes out unchanged, no collateral, no auxblob read")
    func tdxRealQuote() async throws {
        let dir = try TemporaryDirectory()
        let quote = try Vectors.bytes("tdx/trustee-q4-lunal-collateral/tdx_quote_4.dat")
        let fake = FakeTSM(root: dir.path, provider: "tdx_guest", outblob: quote)
        let evidence = try await ConfigfsTSMAttester(tee: .tdx, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        #expect(evidence.tee == .tdx)
        #expect(evidence.evidence == quote)
        #expect(evidence.collateral.isEmpty)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("TDX: the Phala quote with its 70 trailing zero bytes is sent as the file holds it")
    func tdxPhalaQuote() async throws {
        let dir = try TemporaryDirectory()
        let quote = try Vectors.bytes("tdx/phala-dcap-qvl/tdx_quote")
        let fake = FakeTSM(root: dir.path, provider: "tdx_guest", outblob: quote)
        let evidence = try await ConfigfsTSMAttester(tee: .tdx, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        #expect(evidence.evidence == quote)
    }

    @Test("TDX: a quote that is the whole 8 KiB buffer, a CWT-sized one, or a short one is refused")
    func tdxQuoteShapes() async throws {
        let real = try Vectors.bytes("tdx/trustee-q4-lunal-collateral/tdx_quote_4.dat")
        for outblob in [
            real + [UInt8](repeating: 0, count: 8192 - real.count), real + [UInt8](repeating: 0, count: 9000 - real.count),
            Array(real.prefix(600)), [UInt8](repeating: 0, count: 5000),
        ] {
            let dir = try TemporaryDirectory()
            let fake = FakeTSM(root: dir.path, provider: "tdx_guest", outblob: outblob)
            let error = await #expect(throws: AttesterError.self) {
                try await ConfigfsTSMAttester(tee: .tdx, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
            }
            #expect(error?.code == .badResponse)
            #expect(fake.entriesLeft.isEmpty)
        }
    }

    @Test("another writer between our inblob write and the check: tsm-generation-moved, entry removed")
    func generationMovedAtWrite() async throws {
        let dir = try TemporaryDirectory()
        let fake = try snpFake(dir, auxblob: nil)
        fake.racingWritesPerInblob = 1
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .tsmGenerationMoved)
        #expect(error?.reason.contains("generation is 2") == true)
        #expect(fake.entriesLeft.isEmpty)
        #expect(fake.removed.count == 1)
    }

    @Test("generation moving while outblob is read: tsm-generation-moved, entry removed")
    func generationMovedAtRead() async throws {
        let dir = try TemporaryDirectory()
        let quote = try Vectors.bytes("tdx/trustee-q4-lunal-collateral/tdx_quote_4.dat")
        let fake = FakeTSM(root: dir.path, provider: "tdx_guest", outblob: quote)
        fake.bumpOnOutblobRead = true
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .tdx, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .tsmGenerationMoved)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("provider mismatch: a TDX provider when SEV-SNP was asked for names both, entry removed, nothing written")
    func providerMismatch() async throws {
        let dir = try TemporaryDirectory()
        let fake = FakeTSM(root: dir.path, provider: "tdx_guest", outblob: [1])
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .tsmProviderMismatch)
        #expect(error?.reason.contains("tdx_guest") == true && error?.reason.contains("sev_guest") == true)
        #expect(fake.writes.isEmpty)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("empty outblob: empty-outblob, entry removed")
    func emptyOutblob() async throws {
        let dir = try TemporaryDirectory()
        let fake = FakeTSM(root: dir.path, provider: "sev_guest", outblob: [])
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .emptyOutblob)
        #expect(error?.reason.contains("outblob") == true)
        #expect(fake.entriesLeft.isEmpty)
    }

    @Test("missing tree: interface-missing naming the root, through the real file system")
    func missingTree() async throws {
        let dir = try TemporaryDirectory()
        let root = dir.path + "/no/such/tsm/report"
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: root).attest(try Vectors.request())
        }
        #expect(error?.code == .interfaceMissing)
        #expect(error?.reason.contains(root) == true)
    }

    @Test("no provider registered (mkdir ENXIO): interface-missing naming the driver")
    func noProvider() async throws {
        let dir = try TemporaryDirectory()
        let fake = FakeTSM(root: dir.path, provider: "tdx_guest", outblob: [])
        fake.mkdirErrno = ENXIO
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .tdx, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .interfaceMissing)
        #expect(error?.reason.contains("tdx_guest") == true)
    }

    @Test("permission denied by the kernel (mkdir EACCES, injected): permission-denied naming the path")
    func permissionDeniedInjected() async throws {
        let dir = try TemporaryDirectory()
        let fake = FakeTSM(root: dir.path, provider: "sev_guest", outblob: [])
        fake.mkdirErrno = EACCES
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: dir.path, privlevel: nil, files: fake).attest(try Vectors.request())
        }
        #expect(error?.code == .permissionDenied)
        #expect(error?.reason.contains(dir.path) == true)
    }

    @Test(
        "permission denied by the file system (chmod 000 root, real I/O)",
        .enabled(if: geteuid() != 0, "running as root, which bypasses file modes; permissionDeniedInjected covers the errno mapping"))
    func permissionDeniedChmod() async throws {
        let dir = try TemporaryDirectory()
        let root = dir.path + "/report"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: false)
        #expect(chmod(root, 0) == 0)
        defer { _ = chmod(root, 0o700) }
        let error = await #expect(throws: AttesterError.self) {
            try await ConfigfsTSMAttester(tee: .sevSNP, root: root).attest(try Vectors.request())
        }
        #expect(error?.code == .permissionDenied)
    }

    @Test("TDX attester refuses privlevel; SGX is not a configfs-tsm TEE")
    func badRequests() async throws {
        let dir = try TemporaryDirectory()
        let tdx = ConfigfsTSMAttester(tee: .tdx, root: dir.path, privlevel: 0)
        await #expect(throws: AttesterError.self) { try await tdx.attest(try Vectors.request()) }
        let sgx = ConfigfsTSMAttester(tee: .sgx, root: dir.path)
        let error = await #expect(throws: AttesterError.self) { try await sgx.attest(try Vectors.request()) }
        #expect(error?.code == .badRequest)
        #expect(try dir.entries().isEmpty)
    }

    @Test("report data must be exactly 64 bytes")
    func reportDataSize() {
        #expect(throws: AttesterError.self) { try AttestationRequest(reportData: [UInt8](repeating: 0, count: 63)) }
        #expect(throws: AttesterError.self) { try AttestationRequest(reportData: [UInt8](repeating: 0, count: 65)) }
        #expect(throws: AttesterError.self) { try AttestationRequest(reportData: Vectors.reportData, nonce: [UInt8](repeating: 0, count: 1025)) }
    }
}
