import Codecs
import Foundation
import Synchronization
import Testing
@testable import Attestation
@testable import Collateral

/// The broker's AMD KDS collateral (issue 14) against an in-memory KDS serving the real VCEKs
/// and cert chains of ../shared/vectors at the paths KDS uses. The vectors hold no real
/// ARK-signed CRL and only AMD can make one, so the CRLs served here are signed with
/// `SNPRevocationTests.testKey`, and the service is told that key's ARK signs CRLs; with the
/// pinned ARK the same CRL is refused, which one test shows.
@Suite struct SNPKDSCollateralTests {
    static let base = "https://kds.test"
    static let day: TimeInterval = 86_400

    /// KDS in memory: a table of answers (404 for the rest), and every URL asked, in order.
    final class KDS: CollateralHTTP {
        let state: Mutex<(answers: [String: CollateralHTTPResponse], asked: [String])>
        init(_ answers: [String: CollateralHTTPResponse]) { state = Mutex((answers, [])) }
        var requests: [String] { state.withLock { $0.asked } }
        func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
            let answer = state.withLock { s in
                s.asked.append(url)
                return s.answers[url]
            }
            // Long enough for concurrent callers to pile up on one request.
            try? await Task.sleep(for: .milliseconds(5))
            return answer ?? CollateralHTTPResponse(status: 404, headers: [:], body: [])
        }
        func count(_ fragment: String) -> Int { requests.filter { $0.contains(fragment) }.count }
        func set(_ url: String, _ r: CollateralHTTPResponse?) { state.withLock { $0.answers[url] = r } }
    }

    /// The VCEK URL KDS serves `sample`'s VCEK at, from EXPECTED.json's chip id and reported
    /// TCB (not from the code under test).
    static func vcekURL(_ sample: SNPSample, product: String) -> String {
        let t = sample.tcb("reported_tcb")
        return
            "\(base)/vcek/v1/\(product)/\(sample.detail("chip_id"))?blSPL=\(t["bl"] ?? -1)&teeSPL=\(t["tee"] ?? -1)&snpSPL=\(t["snp"] ?? -1)&ucodeSPL=\(t["ucode"] ?? -1)"
    }

    static func ok(_ body: [UInt8]) -> CollateralHTTPResponse { CollateralHTTPResponse(status: 200, headers: [:], body: body) }

    /// A CRL from the (test-keyed) ARK of the Milan chain, current around the sample's time.
    static func crl(revokingASK: Bool = false, nextUpdate: TimeInterval = 7 * day) throws -> [UInt8] {
        let m = try SNPRevocationTests.milan()
        return try SNPRevocationTests.crl(
            issuer: m.testARK, algorithm: m.pssAlgorithm, thisUpdate: m.validAt - day,
            nextUpdate: m.validAt + nextUpdate, revoking: revokingASK ? [m.ask.serialNumber] : [[0x7F]])
    }

    static func kds(_ sample: SNPSample, product: String = "Milan", crl: [UInt8]? = nil) throws -> KDS {
        KDS([
            vcekURL(sample, product: product): ok(sample.collateral[0]),
            "\(base)/vcek/v1/\(product)/cert_chain": ok(sample.collateral[1]),
            "\(base)/vcek/v1/\(product)/crl": ok(try crl ?? Self.crl()),
        ])
    }

    /// A service whose CRLs are checked against the test-keyed ARK (see the suite's comment).
    static func service(_ http: KDS, testSigner: Bool = true, maximumAge: TimeInterval = CollateralService.defaultMaximumAge) throws
        -> CollateralService
    {
        var configuration = CollateralService.Configuration(amd: AMDKDS(baseURL: base + "/"), maximumAge: maximumAge)
        if testSigner {
            let signer = try SNPRevocationTests.milan().testARK
            configuration.checkSNP = { try SNPVerifier.checkFetched($0, needs: $1, at: $2, crlSigner: signer) }
        }
        return CollateralService(configuration: configuration, http: http)
    }

    static func reportOnly(_ sample: SNPSample) -> Evidence { Evidence(tee: .sevSNP, bytes: sample.report, collateral: []) }

    @Test func theReportAloneGetsTheVCEKChainAndCRLAndTheSameVerdict() async throws {
        let m = try SNPSample.milan
        let kds = try Self.kds(m)
        let s = try Self.service(kds)
        #expect(s.handles(.sevSNP) && !s.handles(.tdx))
        let supplied = try #require(try await s.collateral(for: Self.reportOnly(m), at: m.validAt))
        #expect(supplied.upstream == "kds-mirror")
        #expect(supplied.documents.map(\.kind) == ["vcek", "certChain", "crl"])
        #expect(supplied.documents[0].url == Self.vcekURL(m, product: "Milan"))
        #expect(supplied.documents[0].body == m.collateral[0] && supplied.documents[1].body == m.collateral[1])
        #expect(supplied.documents[2].issued == m.validAt - Self.day)
        #expect(supplied.nextUpdate == m.validAt + 7 * Self.day)
        // The verdict with the fetched VCEK and chain is the verdict with the files (the CRL is
        // left out here only because the pinned ARK did not sign it).
        let fetched = try SNPVerifier().verifyReport(
            Evidence(tee: .sevSNP, bytes: m.report, collateral: Array(supplied.pieces.prefix(2))), at: m.validAt)
        let files = try SNPVerifier().verifyReport(m.evidence, at: m.validAt)
        #expect(fetched.measurement == files.measurement && Hex.encode(fetched.measurement) == m.measurement)
    }

    @Test func aGenoaReportNamesItsProductByCPUID() async throws {
        let g = try SNPSample.genoa
        let needs = try SNPCollateralNeeds.of(report: g.report)
        #expect(needs.products == [.genoa] && needs.hwID.map { Hex.encode($0) } == g.detail("chip_id"))
        #expect(
            AMDKDS(baseURL: Self.base).vcekURL(product: .genoa, hwID: try #require(needs.hwID), tcb: needs.reportedTCB)
                == Self.vcekURL(g, product: "Genoa"))
        // A v2 report names no CPUID: Milan is asked first, then Genoa.
        let m = try SNPCollateralNeeds.of(report: try SNPSample.milan.report)
        #expect(m.products == [.milan, .genoa] && m.keyKind == .vcek)
    }

    @Test func aV2ReportKDSDoesNotHaveUnderMilanIsAskedForUnderGenoa() async throws {
        let m = try SNPSample.milan
        let kds = try Self.kds(m)
        kds.set(Self.vcekURL(m, product: "Milan"), nil)
        let s = try Self.service(kds)
        await #expect(throws: CollateralError.self) { try await s.collateral(for: Self.reportOnly(m), at: m.validAt) }
        #expect(kds.count("/vcek/v1/Milan/c384") == 1 && kds.count("/vcek/v1/Genoa/c384") == 1)
        // A VCEK KDS does not have is not asked for again within a minute, and is after it.
        await #expect(throws: CollateralError.self) { try await s.collateral(for: Self.reportOnly(m), at: m.validAt + 30) }
        #expect(kds.count("/vcek/v1/Milan/c384") == 1)
        kds.set(Self.vcekURL(m, product: "Milan"), Self.ok(m.collateral[0]))
        #expect(try await s.collateral(for: Self.reportOnly(m), at: m.validAt + 61) != nil)
    }

    @Test func concurrentGrantsMakeOneRequestPerDocument() async throws {
        let m = try SNPSample.milan
        let kds = try Self.kds(m)
        let s = try Self.service(kds)
        let ok = await withTaskGroup(of: Bool.self) { group in
            for _ in 0..<200 { group.addTask { (try? await s.collateral(for: Self.reportOnly(m), at: m.validAt)) != nil } }
            return await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(ok == 200)
        #expect(s.fetches == 3)
        _ = try await s.collateral(for: Self.reportOnly(m), at: m.validAt + 3600)
        #expect(s.fetches == 3)
    }

    @Test func theRealARKRefusesACRLItDidNotSign() async throws {
        let m = try SNPSample.milan
        let s = try Self.service(try Self.kds(m), testSigner: false)
        do {
            _ = try await s.collateral(for: Self.reportOnly(m), at: m.validAt)
            Issue.record("a CRL the pinned ARK did not sign was accepted")
        } catch {
            #expect(error.code == .invalid && error.reason.contains("signature-invalid") && error.reason.contains("ARK-Milan"))
        }
    }

    @Test func aRevokedASKAStaleCRLAndAnotherChipsVCEKAreRefused() async throws {
        let m = try SNPSample.milan, g = try SNPSample.genoa
        for (kds, expected) in [
            (try Self.kds(m, crl: try Self.crl(revokingASK: true)), "certificate-revoked"),
            (try Self.kds(m, crl: try Self.crl(nextUpdate: -3600)), "crl-stale"),
        ] {
            let s = try Self.service(kds)
            await #expect(throws: CollateralError.self) { try await s.collateral(for: Self.reportOnly(m), at: m.validAt) }
            do { _ = try await s.collateral(for: Self.reportOnly(m), at: m.validAt.addingTimeInterval(120)) } catch {
                #expect(error.reason.contains(expected) || error.code == .backingOff, "\(error)")
            }
        }
        // KDS answering with the Genoa chip's VCEK for the Milan chip's URL.
        let wrong = try Self.kds(m)
        wrong.set(Self.vcekURL(m, product: "Milan"), Self.ok(g.collateral[0]))
        let refusing = try Self.service(wrong)
        do {
            _ = try await refusing.collateral(for: Self.reportOnly(m), at: m.validAt)
            Issue.record("another chip's VCEK was accepted")
        } catch {
            #expect(error.code == .invalid)
        }
    }

    @Test func aMaskedChipTakesItsVCEKFromTheEvidenceAndStillGetsTheCRL() async throws {
        let m = try SNPSample.milan
        let masked = m.report.flipping(byte: 0x48, bit: 1)
        let needs = try SNPCollateralNeeds.of(report: masked)
        #expect(needs.hwID == nil)
        let kds = try Self.kds(m)
        let s = try Self.service(kds)
        // No key in the evidence: nothing to fetch, the verifier says what is missing.
        #expect(try await s.collateral(for: Evidence(tee: .sevSNP, bytes: masked, collateral: []), at: m.validAt) == nil)
        let supplied = try #require(try await s.collateral(for: Evidence(tee: .sevSNP, bytes: masked, collateral: m.collateral), at: m.validAt))
        #expect(supplied.documents.map(\.kind) == ["vcekFromEvidence", "certChain", "crl"])
        #expect(kds.count("?blSPL") == 0 && kds.count("/crl") == 1)
        // A key the evidence lends that does not verify (another product's VCEK) is refused, makes
        // the broker fetch nothing again and back off from nothing: the next grant goes through.
        let foreign = Evidence(tee: .sevSNP, bytes: masked, collateral: [try SNPSample.genoa.collateral[0]])
        await #expect(throws: CollateralError.self) { try await s.collateral(for: foreign, at: m.validAt + 1) }
        #expect(kds.count("/crl") == 1 && kds.count("/cert_chain") == 1)
        #expect(try await s.collateral(for: Self.reportOnly(m), at: m.validAt + 2) != nil)
    }

    @Test func retryAfterAndBackoffHoldRequestsBack() async throws {
        let m = try SNPSample.milan
        let kds = try Self.kds(m)
        kds.set(Self.vcekURL(m, product: "Milan"), CollateralHTTPResponse(status: 429, headers: ["Retry-After": "120"], body: []))
        let s = try Self.service(kds)
        do { _ = try await s.collateral(for: Self.reportOnly(m), at: m.validAt); Issue.record("429 accepted") } catch {
            #expect(error.code == .backingOff && error.retryAfter == m.validAt + 120)
        }
        let sent = kds.requests.count
        kds.set(Self.vcekURL(m, product: "Milan"), Self.ok(m.collateral[0]))
        await #expect(throws: CollateralError.self) { try await s.collateral(for: Self.reportOnly(m), at: m.validAt + 60) }
        #expect(kds.requests.count == sent)
        #expect(try await s.collateral(for: Self.reportOnly(m), at: m.validAt + 121) != nil)
    }

    final class Store: CollateralPersistence {
        let rows = Mutex([String: [UInt8]]())
        func load(_ key: String) async -> [UInt8]? { rows.withLock { $0[key] } }
        func save(_ key: String, _ bytes: [UInt8], nextUpdate: Date) async { rows.withLock { $0[key] = bytes } }
    }

    @Test func aRestartWithKDSDownGrantsFromTheStoreUntilTheCRLsNextUpdate() async throws {
        let m = try SNPSample.milan
        let store = Store()
        let first = try Self.service(try Self.kds(m), maximumAge: 30 * Self.day)
        first.attach(persistence: store)
        _ = try #require(try await first.collateral(for: Self.reportOnly(m), at: m.validAt))
        #expect(store.rows.withLock { $0.count } == 3)
        let down = KDS([:])
        let second = try Self.service(down, maximumAge: 30 * Self.day)
        second.attach(persistence: store)
        let again = try #require(try await second.collateral(for: Self.reportOnly(m), at: m.validAt + Self.day))
        #expect(
            again.documents.map(\.sha256) == (try await first.collateral(for: Self.reportOnly(m), at: m.validAt)).map { $0.documents.map(\.sha256) })
        #expect(down.requests.isEmpty)
        // Past the CRL's nextUpdate the stored CRL is not used, and KDS is down: refused.
        await #expect(throws: CollateralError.self) { try await second.collateral(for: Self.reportOnly(m), at: m.validAt + 8 * Self.day) }
        #expect(down.count("/Milan/crl") == 1 && down.count("/Milan/c384") == 0)
    }

    @Test func theSweeperRefreshesTheCRLAndChainButNeverTheVCEK() async throws {
        let m = try SNPSample.milan
        let kds = try Self.kds(m)
        let s = try Self.service(kds)
        _ = try await s.collateral(for: Self.reportOnly(m), at: m.validAt)
        // Within the default maximum age (a day) and the margin (an hour) nothing is due.
        #expect(await s.refresh(at: m.validAt + 3600) == (0, 0))
        let r = await s.refresh(at: m.validAt + Self.day - 600)
        #expect(r == (1, 0))
        #expect(kds.count("/crl") == 2 && kds.count("/cert_chain") == 2 && kds.count("?blSPL") == 1)
    }

    @Test func aDirectoryFilledFromKDSServesTheSameSetOffline() async throws {
        let m = try SNPSample.milan
        let s = try Self.service(try Self.kds(m))
        let supplied = try #require(try await s.collateral(for: Self.reportOnly(m), at: m.validAt))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("kds-\(UUID())").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try CollateralDirectory(path: dir).write(supplied)
        #expect(
            files == ["amd/vcek/Milan/\(m.detail("chip_id"))/bl3-tee0-snp8-ucode115.der", "amd/vcek/Milan/cert_chain.pem", "amd/vcek/Milan/crl.der"])
        var configuration = CollateralService.Configuration(amd: AMDKDS(baseURL: CollateralDirectory.baseURL))
        let signer = try SNPRevocationTests.milan().testARK
        configuration.checkSNP = { try SNPVerifier.checkFetched($0, needs: $1, at: $2, crlSigner: signer) }
        let offline = CollateralService(configuration: configuration, http: CollateralDirectory(path: dir))
        let read = try #require(try await offline.collateral(for: Self.reportOnly(m), at: m.validAt))
        #expect(read.upstream == "collateral-dir" && read.documents.map(\.sha256) == supplied.documents.map(\.sha256))
        // URLs that are not KDS's shapes name no file.
        #expect(CollateralDirectory.file(for: "\(Self.base)/vcek/v1/Milan/../crl") == nil)
        #expect(CollateralDirectory.file(for: "\(Self.base)/vcek/v1/Rome/cert_chain") == nil)
        #expect(CollateralDirectory.file(for: "\(Self.base)/vlek/v1/Milan/\(m.detail("chip_id"))?blSPL=1&teeSPL=0&snpSPL=1&ucodeSPL=1") == nil)
    }
}
