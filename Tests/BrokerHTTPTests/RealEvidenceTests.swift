import Codecs
import Collateral
import LeaseholdOwnerClient
import Attestation
import Broker
import LeaseholdAPI
import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import LeaseholdClient
import LeaseholdCore
import Logging
import Synchronization
import LeaseholdTestSupport
import Testing
import TransparencyLog
import Vault

/// Real evidence captured on real hardware (../shared/vectors) through the full HTTP path.
/// Its report data cannot carry our nonce, so with the right measurement in the manifest it
/// passes the chain, signature, collateral and measurement checks and is refused with
/// report-data-mismatch; with another measurement it is refused with measurement-mismatch.
/// The broker's clock is set to each sample's valid_at for the challenge and the grant.
@Suite struct RealEvidenceTests {
    struct Sample: Sendable, CustomTestStringConvertible {
        var name: String
        var tee: String
        var evidence: String
        var collateral: [String]
        var validAt: String
        /// The manifest's workload entry, with MEASUREMENT in place of the measurement.
        var workload: String
        var measurement: String
        var testDescription: String { name }
    }

    static let samples = [
        Sample(
            name: "sev-snp milan", tee: "sev-snp", evidence: "sev-snp/milan-trustee/test-report.bin",
            collateral: ["sev-snp/milan-trustee/test-vcek.der", "sev-snp/amd-kds-cert-chains/ask_ark_milan.pem"], validAt: "2026-06-01T00:00:00Z",
            workload: "  - tee: sev-snp\n    measurement: MEASUREMENT\n",
            measurement: "a1f3930413247bb38cfc171579ea3c12d5fe4901f0c792f63fd75d98f1ef827c23500644e0e692e6be917f9050d3d38c"),
        Sample(
            name: "tdx", tee: "tdx", evidence: "tdx/phala-dcap-qvl/tdx_quote", collateral: ["tdx/phala-dcap-qvl/tdx_quote_collateral.json"],
            validAt: "2025-07-01T00:00:00Z", workload: "  - tee: tdx\n    mrTd: MEASUREMENT\n",
            measurement: "91eb2b44d141d4ece09f0c75c2c53d247a3c68edd7fafe8a3520c942a604a407de03ae6dc5f87f27428b2538873118b7"),
        Sample(
            name: "sgx", tee: "sgx", evidence: "sgx/phala-dcap-qvl/sgx_quote", collateral: ["sgx/phala-dcap-qvl/sgx_quote_collateral.json"],
            validAt: "2025-07-01T00:00:00Z",
            workload: "  - tee: sgx\n    mrEnclave: MEASUREMENT\n    acceptTcb: [UpToDate, ConfigurationAndSWHardeningNeeded]\n",
            measurement: "33d8736db756ed4997e04ba358d27833188f1932ff7b1d156904d3f560452fbb"),
        Sample(
            name: "nitro", tee: "nitro", evidence: "nitro/blocky-nitrite/nitro_attestation.b64", collateral: [],
            validAt: "2024-09-07T14:37:39.545Z", workload: "  - tee: nitro\n    pcr0: MEASUREMENT\n",
            measurement: "e72a46ca80a260fb044a125442f0c7e331813bcbaf9724d9f3857758992766f2d65710a27aa94ae3949dd54e7c9fe86a"),
    ]

    static let vectors = TestPaths.vectors

    func refusal(
        _ s: Sample, manifestMeasurement: String, requireSNPCRL: Bool = false, collateral service: CollateralService? = nil,
        entries: Captured? = nil
    ) async throws -> String? {
        let clock = Mutex(Date())
        let t = try await TestBroker.make(allowSandbox: false, requireSNPCRL: requireSNPCRL, collateral: service, clock: { clock.withLock { $0 } })
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        let token = try t.adminToken
        let ownerKey = try OwnerSigningKey.generate()
        let validAt = try #require(RFC3339.parse(s.validAt))
        let evidence = EvidenceFile.decode([UInt8](try Data(contentsOf: Self.vectors.appendingPathComponent(s.evidence))))
        let collateral = try s.collateral.map { [UInt8](try Data(contentsOf: Self.vectors.appendingPathComponent($0))) }
        // The lease runs from an hour before the sample's valid_at to an hour from now.
        let yaml = """
            owner: acme
            leaseId: real-\(s.tee)
            purpose: real evidence through HTTP
            notBefore: \(RFC3339.format(validAt.addingTimeInterval(-3600)).prefix(19))Z
            notAfter: \(RFC3339.format(Date().addingTimeInterval(3600)).prefix(19))Z
            maxGrants: 3
            keys: [k1]
            workloads:

            """ + s.workload.replacingOccurrences(of: "MEASUREMENT", with: manifestMeasurement)
        let manifest = try LeaseManifest(yaml: yaml)
        return try await app.test(.live) { client in
            let connection = try BrokerConnection("http://127.0.0.1:\(try #require(client.port))")
            let owner = OwnerClient(connection)
            _ = try await owner.register(owner: "acme", publicKey: ownerKey.publicKey, adminToken: token)
            _ = try await owner.putKey(owner: "acme", keyId: "k1", key: try DataKey.generate(), signingKey: ownerKey)
            _ = try await owner.issueLease(try ManifestEnvelope.sign(manifest, with: ownerKey))
            clock.withLock { $0 = validAt }
            do {
                _ = try await WorkloadClient(connection).fetch(owner: "acme", leaseId: "real-\(s.tee)") { _ in
                    WorkloadEvidence(tee: s.tee, evidence: evidence, collateral: collateral)
                }
                return nil
            } catch {
                if let entries {
                    let logged = ((try? await t.broker.logEntries(start: 0, limit: 100)) ?? []).compactMap { try? LogEntry(bytes: $0) }
                    entries.entries.withLock { $0 = logged }
                }
                return (error as? LeaseholdClientError)?.reason ?? "\(error)"
            }
        }
    }

    @Test(arguments: samples)
    func genuineEvidenceWithTheRightMeasurementFailsOnlyTheBinding(_ s: Sample) async throws {
        #expect(try await refusal(s, manifestMeasurement: s.measurement) == "report-data-mismatch")
    }

    @Test(arguments: samples)
    func genuineEvidenceWithAnotherMeasurementIsMeasurementMismatch(_ s: Sample) async throws {
        var other = Array(s.measurement)
        other[0] = other[0] == "0" ? "1" : "0"
        #expect(try await refusal(s, manifestMeasurement: String(other)) == "measurement-mismatch")
    }

    /// `serve --sev-snp-require-crl`: the same genuine report, without AMD's CRL in its
    /// collateral, is refused before any policy runs.
    @Test func aBrokerThatRequiresAMDsCRLRefusesAReportWithoutIt() async throws {
        let milan = try #require(Self.samples.first { $0.tee == "sev-snp" })
        #expect(try await refusal(milan, manifestMeasurement: milan.measurement, requireSNPCRL: true) == "evidence-invalid")
    }

    /// `serve --intel-pcs-url`: the workload sends its quote and nothing else (or collateral for
    /// another platform, which is ignored); the broker fetches Intel's documents from a PCCS
    /// (here in memory, serving the real q4 set), verifies them, and the grant passes every
    /// check up to the report-data binding; the denial's entry names the documents. With the
    /// PCCS gone, the answer is collateral-unavailable.
    @Test func theBrokersOwnCollateralDecidesAndIsLogged() async throws {
        let q4 = Sample(
            name: "tdx q4", tee: "tdx", evidence: "tdx/trustee-q4-lunal-collateral/tdx_quote_4.dat",
            collateral: ["tdx/phala-dcap-qvl/tdx_quote_collateral.json"], validAt: "2026-04-01T00:00:00Z",
            workload: "  - tee: tdx\n    mrTd: MEASUREMENT\n    allowDebug: true\n    acceptTcb: [OutOfDate]\n",
            measurement: "705ee9381b8633a9fbe532b52345e8433343d2868959f57889d84ca377c395b689cac1599ccea1b7d420483a9ce5f031")
        // Without the service the workload's (wrong platform's) collateral decides, and fails.
        #expect(try await refusal(q4, manifestMeasurement: q4.measurement) == "evidence-invalid")
        let entries = Captured()
        let pccs = CollateralService(configuration: .init(intel: IntelPCS(baseURL: VectorPCCS.base)), http: try VectorPCCS())
        #expect(try await refusal(q4, manifestMeasurement: q4.measurement, collateral: pccs, entries: entries) == "report-data-mismatch")
        let denied = try #require(entries.entries.withLock { $0.last })
        #expect(denied.kind == "key.denied" && denied.fields["collateral"]?["upstream"]?.stringValue == "pccs")
        #expect(denied.fields["collateral"]?["documents"]?.arrayValue?.count == 4)
        #expect(denied.fields["collateral"]?["tcbUpdate"]?.stringValue == "standard")
        let gone = CollateralService(configuration: .init(intel: IntelPCS(baseURL: "http://127.0.0.1:9")), http: try AsyncCollateralHTTP(timeout: 2))
        #expect(try await refusal(q4, manifestMeasurement: q4.measurement, collateral: gone) == "collateral-unavailable")
    }

    /// `serve --amd-kds-url`: the broker's own SEV-SNP collateral decides and the ARK's CRL is
    /// required. The genuine report with its genuine VCEK and chain sent by the workload reaches
    /// the binding without the service; with it, KDS unreachable or serving a CRL no pinned ARK
    /// signed (here Intel's real root CA CRL) is collateral-unavailable, whatever the workload sent.
    @Test func withAMDKDSTheBrokersOwnCollateralDecides() async throws {
        let milan = try #require(Self.samples.first { $0.tee == "sev-snp" })
        #expect(try await refusal(milan, manifestMeasurement: milan.measurement) == "report-data-mismatch")
        let gone = CollateralService(configuration: .init(amd: AMDKDS(baseURL: "http://127.0.0.1:9")), http: try AsyncCollateralHTTP(timeout: 2))
        #expect(try await refusal(milan, manifestMeasurement: milan.measurement, collateral: gone) == "collateral-unavailable")
        let v = Self.vectors
        func file(_ p: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: v.appendingPathComponent(p))) }
        let hw = "c38427a30d4c7af9d96f7a15b97269825a64cb76a2352ffd5d18115d89ad473f8e8c0bcd9a5d9286612bad4aadfb4426205a3b9e4fea82301135a170e477524e"
        let kds = KDSAnswers(answers: [
            "https://kds.test/vcek/v1/Milan/\(hw)?blSPL=3&teeSPL=0&snpSPL=8&ucodeSPL=115": .init(
                status: 200, headers: [:], body: try file("sev-snp/milan-trustee/test-vcek.der")),
            "https://kds.test/vcek/v1/Milan/cert_chain": .init(
                status: 200, headers: [:], body: try file("sev-snp/amd-kds-cert-chains/ask_ark_milan.pem")),
            "https://kds.test/vcek/v1/Milan/crl": .init(status: 200, headers: [:], body: try file("tdx/trustee-q4-lunal-collateral/root_ca_crl.der")),
        ])
        let foreign = CollateralService(configuration: .init(amd: AMDKDS(baseURL: "https://kds.test")), http: kds)
        #expect(try await refusal(milan, manifestMeasurement: milan.measurement, collateral: foreign) == "collateral-unavailable")
    }
}

/// A KDS (or PCCS) in memory answering from a table, 404 otherwise.
struct KDSAnswers: CollateralHTTP {
    let answers: [String: CollateralHTTPResponse]
    func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
        answers[url] ?? .init(status: 404, headers: [:], body: [])
    }
}

/// The log entries of a refused grant, for the test to look at.
final class Captured: Sendable {
    let entries = Mutex([LogEntry]())
}

/// A PCCS in memory serving Intel's real q4 documents from ../shared/vectors.
struct VectorPCCS: CollateralHTTP {
    static let base = "https://pccs.test:8081"
    let answers: [String: CollateralHTTPResponse]

    init() throws {
        let dir = RealEvidenceTests.vectors.appendingPathComponent("tdx/trustee-q4-lunal-collateral")
        func file(_ name: String) throws -> [UInt8] { [UInt8](try Data(contentsOf: dir.appendingPathComponent(name))) }
        func header(_ bytes: [UInt8]) -> String {
            String(decoding: bytes, as: UTF8.self).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        }
        let quote = String(decoding: try file("tdx_quote_4.dat"), as: UTF8.self)
        let pem = quote.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst(2)
            .map { "-----BEGIN CERTIFICATE-----" + $0.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n" }
            .joined()
        answers = [
            "\(Self.base)/tdx/certification/v4/tcb?fmspc=50806f000000&update=standard":
                .init(
                    status: 200, headers: ["TCB-Info-Issuer-Chain": header(try file("tcb_signing_chain.pem"))],
                    body: try file("tcb_info_50806f000000.json")),
            "\(Self.base)/tdx/certification/v4/qe/identity?update=standard":
                .init(
                    status: 200, headers: ["SGX-Enclave-Identity-Issuer-Chain": header(try file("qe_identity_signing_chain.pem"))],
                    body: try file("td_qe_identity.json")),
            "\(Self.base)/sgx/certification/v4/pckcrl?ca=platform&encoding=der":
                .init(status: 200, headers: ["SGX-PCK-CRL-Issuer-Chain": header(Array(pem.utf8))], body: try file("pck_crl_platform.der")),
            "\(Self.base)/sgx/certification/v4/rootcacrl": .init(status: 200, headers: [:], body: try file("root_ca_crl.der")),
        ]
    }

    func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
        answers[url] ?? CollateralHTTPResponse(status: 404, headers: [:], body: [])
    }
}
