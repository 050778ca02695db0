import LeaseholdTestSupport
import Codecs
import Attestation
import Crypto
import Foundation
import Synchronization
import Testing
import X509
@testable import Collateral

/// The collateral service against an in-memory PCCS that serves the real Intel collateral of
/// ../shared/vectors (the TDX quote from Trustee's q4 set, FMSPC 50806f000000, platform CA),
/// with the issuer chains in percent-encoded headers as Intel sends them.
@Suite struct CollateralServiceTests {
    static let vectors = TestPaths.vectors
    static func file(_ path: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: vectors.appendingPathComponent(path))) }
    static let dir = "tdx/trustee-q4-lunal-collateral/"
    static let validAt = Date(timeIntervalSince1970: 1_775_001_600)  // 2026-04-01T00:00:00Z, EXPECTED.json valid_at
    static let base = "https://pccs.test:8081"

    static func quote() throws -> [UInt8] { try file(dir + "tdx_quote_4.dat") }

    /// The PCK CA and root certificates the quote carries, as the PCK CRL's issuer chain.
    static func pckCRLChain() throws -> String {
        let text = String(decoding: try quote(), as: UTF8.self)
        let blocks = text.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst().map {
            "-----BEGIN CERTIFICATE-----" + $0.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n"
        }
        return blocks.dropFirst().joined()
    }

    static func percentEncoded(_ bytes: [UInt8]) -> String {
        bytes.map { b -> String in
            let c = Character(UnicodeScalar(b))
            return (c.isLetter || c.isNumber) && b < 0x80 ? String(c) : String(format: "%%%02X", b)
        }.joined()
    }

    /// An upstream answering from a table, counting requests; `edit` changes answers.
    final class Upstream: CollateralHTTP {
        let answers: Mutex<[String: CollateralHTTPResponse]>
        let requests = Mutex([String]())
        init(_ answers: [String: CollateralHTTPResponse]) { self.answers = Mutex(answers) }
        func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
            requests.withLock { $0.append(url) }
            try? await Task.sleep(for: .milliseconds(5))
            guard let r = answers.withLock({ $0[url] }) else { return CollateralHTTPResponse(status: 404, headers: [:], body: []) }
            return r
        }
    }

    static func pccs(v3Header: Bool = false, hexRootCRL: Bool = false) throws -> Upstream {
        let tcbHeader = v3Header ? "SGX-TCB-Info-Issuer-Chain" : "TCB-Info-Issuer-Chain"
        let rootCRL = try file(dir + "root_ca_crl.der")
        return Upstream([
            "\(base)/tdx/certification/v4/tcb?fmspc=50806f000000&update=standard":
                CollateralHTTPResponse(
                    status: 200, headers: [tcbHeader: percentEncoded(try file(dir + "tcb_signing_chain.pem"))],
                    body: try file(dir + "tcb_info_50806f000000.json")),
            "\(base)/tdx/certification/v4/qe/identity?update=standard":
                CollateralHTTPResponse(
                    status: 200, headers: ["SGX-Enclave-Identity-Issuer-Chain": percentEncoded(try file(dir + "qe_identity_signing_chain.pem"))],
                    body: try file(dir + "td_qe_identity.json")),
            "\(base)/sgx/certification/v4/pckcrl?ca=platform&encoding=der":
                CollateralHTTPResponse(
                    status: 200, headers: ["SGX-PCK-CRL-Issuer-Chain": percentEncoded(Array(try pckCRLChain().utf8))],
                    body: try file(dir + "pck_crl_platform.der")),
            "\(base)/sgx/certification/v4/rootcacrl":
                CollateralHTTPResponse(status: 200, headers: [:], body: hexRootCRL ? Array(Hex.encode(rootCRL).utf8) : rootCRL),
        ])
    }

    static func service(_ upstream: Upstream, maximumAge: TimeInterval = CollateralService.defaultMaximumAge) -> CollateralService {
        CollateralService(configuration: .init(intel: IntelPCS(baseURL: base + "/"), maximumAge: maximumAge), http: upstream)
    }

    static func evidence() throws -> Evidence { Evidence(tee: .tdx, bytes: try quote(), collateral: []) }

    @Test func theQuoteAloneGetsCollateralTheVerifierAccepts() async throws {
        let upstream = try Self.pccs()
        let s = Self.service(upstream)
        let supplied = try #require(try await s.collateral(for: try Self.evidence(), at: Self.validAt))
        #expect(supplied.upstream == "pccs" && supplied.tcbUpdate == "standard")
        #expect(supplied.documents.map(\.kind) == ["tcbInfo", "qeIdentity", "pckCrl", "rootCaCrl"])
        #expect(s.fetches == 4)
        let claims = try DCAPVerifier(tee: .tdx).verify(Evidence(tee: .tdx, bytes: try Self.quote(), collateral: supplied.pieces), at: Self.validAt)
        #expect(Hex.encode(claims.measurement).hasPrefix("705ee9381b86"))
        // Without the service's pieces the same quote has no collateral at all.
        #expect(throws: AttestationError.self) { _ = try DCAPVerifier(tee: .tdx).verify(try Self.evidence(), at: Self.validAt) }
    }

    @Test func concurrentGrantsShareOneFetchAndLaterOnesTheCache() async throws {
        let upstream = try Self.pccs()
        let s = Self.service(upstream)
        let evidence = try Self.evidence()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<1000 { group.addTask { _ = try await s.collateral(for: evidence, at: Self.validAt) } }
            try await group.waitForAll()
        }
        #expect(s.fetches == 4)
        _ = try await s.collateral(for: evidence, at: Self.validAt.addingTimeInterval(3600))
        #expect(s.fetches == 4)
    }

    @Test func aSetIsUsedForAtMostItsMaximumAge() async throws {
        let upstream = try Self.pccs()
        let s = Self.service(upstream, maximumAge: 600)
        _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt)
        _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt.addingTimeInterval(599))
        #expect(s.fetches == 4)
        _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt.addingTimeInterval(601))
        #expect(s.fetches == 8)
    }

    @Test func aTamperedDocumentIsRefusedAndTheUpstreamBacksOff() async throws {
        let upstream = try Self.pccs()
        let url = "\(Self.base)/tdx/certification/v4/tcb?fmspc=50806f000000&update=standard"
        upstream.answers.withLock { a in
            var r = a[url]!
            let text = String(decoding: r.body, as: UTF8.self).replacingOccurrences(of: "\"UpToDate\"", with: "\"UpToDatX\"")
            r.body = Array(text.utf8)
            a[url] = r
        }
        let s = Self.service(upstream)
        await #expect(throws: CollateralError.self) { _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt) }
        do { _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt) } catch let error as CollateralError {
            #expect(error.code == .backingOff)
        }
        #expect(s.fetches == 4, "the backoff sent nothing")
    }

    @Test func retryAfterIsHonoured() async throws {
        let upstream = try Self.pccs()
        let url = "\(Self.base)/tdx/certification/v4/qe/identity?update=standard"
        let good = upstream.answers.withLock { $0[url]! }
        upstream.answers.withLock { $0[url] = CollateralHTTPResponse(status: 429, headers: ["Retry-After": "30"], body: []) }
        let s = Self.service(upstream)
        do {
            _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt)
            Issue.record("a 429 must refuse")
        } catch let error as CollateralError {
            #expect(error.code == .backingOff && error.retryAfter == Self.validAt.addingTimeInterval(30))
        }
        let sent = s.fetches
        upstream.answers.withLock { $0[url] = good }
        do { _ = try await s.collateral(for: try Self.evidence(), at: Self.validAt.addingTimeInterval(10)) } catch let error as CollateralError {
            #expect(error.code == .backingOff)
        }
        #expect(s.fetches == sent)
        #expect(try await s.collateral(for: try Self.evidence(), at: Self.validAt.addingTimeInterval(31)) != nil)
    }

    @Test func everyDocumentNeedsItsIssuerChain() async throws {
        let upstream = try Self.pccs()
        let url = "\(Self.base)/sgx/certification/v4/pckcrl?ca=platform&encoding=der"
        upstream.answers.withLock { $0[url]?.headers = [:] }
        do {
            _ = try await Self.service(upstream).collateral(for: try Self.evidence(), at: Self.validAt)
            Issue.record("a CRL without its issuer chain must refuse")
        } catch let error as CollateralError {
            #expect(error.code == .invalid && error.reason.contains("issuer chain"))
        }
    }

    /// Each way an upstream can fail gives its documented outcome, and nothing weaker.
    @Test(arguments: [(404, CollateralError.Code.notServed), (410, .notServed), (500, .unreachable), (503, .unreachable)])
    func failingStatusesRefuse(_ status: Int, _ code: CollateralError.Code) async throws {
        let upstream = try Self.pccs()
        let url = "\(Self.base)/sgx/certification/v4/rootcacrl"
        upstream.answers.withLock { $0[url] = CollateralHTTPResponse(status: status, headers: [:], body: Array("gone".utf8)) }
        do {
            _ = try await Self.service(upstream).collateral(for: try Self.evidence(), at: Self.validAt)
            Issue.record("\(status) must refuse")
        } catch let error as CollateralError {
            #expect(error.code == code, "\(status): \(error)")
        }
    }

    /// Issuer chains that lead to another root: a "Intel SGX TCB Signing" certificate made here,
    /// self-issued under a look-alike root name, in both signed documents' headers.
    @Test func anIssuerChainToAnotherRootIsRefused() async throws {
        let upstream = try Self.pccs()
        let key = P256.Signing.PrivateKey()
        let cert = try Certificate(
            version: .v3, serialNumber: .init(), publicKey: .init(key.publicKey),
            notValidBefore: Date(timeIntervalSince1970: 0), notValidAfter: Date(timeIntervalSince1970: 4_000_000_000),
            issuer: try DistinguishedName { CommonName("Intel SGX Root CA") },
            subject: try DistinguishedName { CommonName("Intel SGX TCB Signing") },
            signatureAlgorithm: .ecdsaWithSHA256, extensions: Certificate.Extensions(), issuerPrivateKey: .init(key))
        let foreign = Self.percentEncoded(Array(try cert.serializeAsPEM().pemString.utf8))
        upstream.answers.withLock {
            $0["\(Self.base)/tdx/certification/v4/tcb?fmspc=50806f000000&update=standard"]?.headers = ["tcb-info-issuer-chain": foreign]
            $0["\(Self.base)/tdx/certification/v4/qe/identity?update=standard"]?.headers = ["sgx-enclave-identity-issuer-chain": foreign]
        }
        do {
            _ = try await Self.service(upstream).collateral(for: try Self.evidence(), at: Self.validAt)
            Issue.record("a TCB info without its signer must refuse")
        } catch let error as CollateralError {
            #expect(error.code == .invalid, "\(error)")
        }
    }

    /// A platform the upstream does not know is answered from memory for a while, and does not
    /// make the broker back off from the upstream for everyone else.
    @Test func anUnknownPlatformIsRememberedAndHurtsNoOther() async throws {
        let upstream = try Self.pccs()
        let s = Self.service(upstream)
        let unknown = DCAPCollateralNeeds(tee: .tdx, fmspc: "00906ed50000", pckCA: .platform)
        for _ in 0..<3 {
            do {
                _ = try await s.collateral(for: unknown, at: Self.validAt)
                Issue.record("an unknown platform must refuse")
            } catch {
                #expect(error.code == .notServed)
            }
        }
        #expect(s.fetches == 1)
        #expect(try await s.collateral(for: try Self.evidence(), at: Self.validAt) != nil)
    }

    /// A quote whose PCK certificate Intel did not sign (its subject edited, same length, so it
    /// still parses) makes no request at all: the verifier refuses it.
    @Test func aQuoteIntelNeverCertifiedFetchesNothing() async throws {
        var quote = try Self.quote()
        // Byte offsets in the quote itself (it is binary around the PEM).
        func offset(of marker: String) throws -> Int {
            let m = Array(marker.utf8)
            return try #require((0...(quote.count - m.count)).first { Array(quote[$0..<($0 + m.count)]) == m })
        }
        let from = try offset(of: "-----BEGIN CERTIFICATE-----\n") + 28
        let to = try offset(of: "-----END CERTIFICATE-----")
        let pem = String(decoding: quote[from..<to], as: UTF8.self)
        var der = try #require(Data(base64Encoded: pem.replacingOccurrences(of: "\n", with: "")))
        let name = try #require(der.range(of: Data("Intel SGX PCK Certificate".utf8)))
        der[name.upperBound - 1] = UInt8(ascii: "f")  // "...Certificatf"
        let b64 = Array(der.base64EncodedString().utf8)
        var wrapped: [UInt8] = []
        for (i, c) in b64.enumerated() {
            wrapped.append(c)
            if i % 64 == 63 { wrapped.append(0x0A) }
        }
        if wrapped.last != 0x0A { wrapped.append(0x0A) }
        #expect(wrapped.count == to - from)
        quote.replaceSubrange(from..<to, with: wrapped)
        let s = Self.service(try Self.pccs())
        #expect(try await s.collateral(for: Evidence(tee: .tdx, bytes: quote, collateral: []), at: Self.validAt) == nil)
        #expect(s.fetches == 0)
        // The same edit is what the verifier refuses: the PCK certificate's signature.
        #expect(throws: AttestationError.self) {
            _ = try DCAPVerifier(tee: .tdx).verify(Evidence(tee: .tdx, bytes: quote, collateral: []), at: Self.validAt)
        }
    }

    @Test func pccsVariantsAreAccepted() async throws {
        let s = Self.service(try Self.pccs(v3Header: true, hexRootCRL: true))
        #expect(try await s.collateral(for: try Self.evidence(), at: Self.validAt) != nil)
    }

    @Test func collateralPastItsNextUpdateIsNeverUsed() async throws {
        // The TCB info of the vector is valid for 30 days from its issue date; a year on it is stale.
        let late = Self.validAt.addingTimeInterval(365 * 86_400)
        do {
            _ = try await Self.service(try Self.pccs()).collateral(for: try Self.evidence(), at: late)
            Issue.record("stale collateral must refuse")
        } catch let error as CollateralError {
            #expect(error.code == .invalid)
        }
    }

    @Test func intelsOwnServiceTakesTheRootCRLFromItsDistributionPoint() throws {
        let needs = DCAPCollateralNeeds(tee: .sgx, fmspc: "00606a000000", pckCA: .processor)
        let pcs = IntelPCS(baseURL: IntelPCS.intelPCS, update: .early).requests(for: needs)
        #expect(
            pcs.map(\.url) == [
                "https://api.trustedservices.intel.com/sgx/certification/v4/tcb?fmspc=00606a000000&update=early",
                "https://api.trustedservices.intel.com/sgx/certification/v4/qe/identity?update=early",
                "https://api.trustedservices.intel.com/sgx/certification/v4/pckcrl?ca=processor&encoding=der",
                IntelPCS.rootCRLDistributionPoint,
            ])
        #expect(IntelPCS.percentDecoded("-----BEGIN%20CERTIFICATE-----%0AAB%2bc") == Array("-----BEGIN CERTIFICATE-----\nAB+c".utf8))
        #expect(IntelPCS.percentDecoded("%4") == nil && IntelPCS.percentDecoded("%zz") == nil)
        #expect(
            try DCAPCollateralNeeds.of(quote: try Self.quote(), tee: .tdx) == DCAPCollateralNeeds(tee: .tdx, fmspc: "50806f000000", pckCA: .platform))
    }
}
