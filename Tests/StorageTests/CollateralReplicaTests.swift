import LeaseholdTestSupport
import Attestation
import Broker
import Collateral
import Foundation
import Storage
import Testing

/// The broker's collateral cache in its store (`collateral_cache` through `StoreCollateral`):
/// two replicas on one PostgreSQL database (or two processes on one SQLite file) share what
/// one fetched, and a broker restarted with its upstream down grants from the stored set until
/// the set's nextUpdate, then refuses. The upstream is a directory holding Intel's real q4
/// documents of ../shared/vectors in `CollateralDirectory`'s layout; "down" is an empty one.
@Suite struct CollateralReplicaTests {
    static let q4 = TestPaths.vectors.appendingPathComponent("tdx/trustee-q4-lunal-collateral")
    static let validAt = Date(timeIntervalSince1970: 1_775_001_600)  // 2026-04-01T00:00:00Z, EXPECTED.json valid_at

    static func read(_ name: String) throws -> Data { try Data(contentsOf: q4.appendingPathComponent(name)) }

    /// The q4 set as `collateral fetch` lays it out; the PCK CRL's issuer chain is the PCK CA
    /// and root the quote carries.
    static func upstream() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("q4-\(UUID().uuidString)")
        for sub in ["tdx", "sgx"] { try FileManager.default.createDirectory(at: dir.appendingPathComponent(sub), withIntermediateDirectories: true) }
        let quote = String(decoding: try read("tdx_quote_4.dat"), as: UTF8.self)
        let pckChain = quote.components(separatedBy: "-----BEGIN CERTIFICATE-----").dropFirst(2)
            .map { "-----BEGIN CERTIFICATE-----" + $0.components(separatedBy: "-----END CERTIFICATE-----")[0] + "-----END CERTIFICATE-----\n" }
            .joined()
        let files: [(String, Data)] = [
            ("tdx/tcb-50806f000000-standard.json", try read("tcb_info_50806f000000.json")),
            ("tdx/tcb-50806f000000-standard.chain.pem", try read("tcb_signing_chain.pem")),
            ("tdx/qe-identity-standard.json", try read("td_qe_identity.json")),
            ("tdx/qe-identity-standard.chain.pem", try read("qe_identity_signing_chain.pem")),
            ("sgx/pckcrl-platform.der", try read("pck_crl_platform.der")),
            ("sgx/pckcrl-platform.chain.pem", Data(pckChain.utf8)),
            ("sgx/rootcacrl.der", try read("root_ca_crl.der")),
        ]
        for (name, data) in files { try data.write(to: dir.appendingPathComponent(name)) }
        return dir.path
    }

    static func replica(_ store: any BrokerStore, upstream: String) -> CollateralService {
        let s = CollateralService(
            configuration: .init(intel: IntelPCS(baseURL: CollateralDirectory.baseURL), maximumAge: 30 * 86_400),
            http: CollateralDirectory(path: upstream))
        s.attach(persistence: StoreCollateral(store: store))
        return s
    }

    @Test(arguments: Backend.available)
    func replicasShareOneCacheAndARestartGrantsFromItUntilNextUpdate(_ backend: Backend) async throws {
        let t = try await TestStore.make(backend)
        let up = try Self.upstream()
        let down = FileManager.default.temporaryDirectory.appendingPathComponent("down-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: up) }
        let evidence = Evidence(tee: .tdx, bytes: [UInt8](try Self.read("tdx_quote_4.dat")), collateral: [])

        let a = Self.replica(t.store, upstream: up)
        let fetched = try #require(try await a.collateral(for: evidence, at: Self.validAt))
        #expect(a.fetches == 4)

        // The second replica, its upstream down, finds the set the first one stored.
        let second = try await t.reopen()
        let b = Self.replica(second, upstream: down)
        let shared = try #require(try await b.collateral(for: evidence, at: Self.validAt.addingTimeInterval(3600)))
        #expect(b.fetches == 0 && shared.documents.map(\.sha256) == fetched.documents.map(\.sha256))
        #expect(shared.fetchedAt == fetched.fetchedAt)

        // Restarted (a new service, nothing in memory), upstream still down: granted until the
        // set's nextUpdate, refused after it.
        let c = Self.replica(second, upstream: down)
        let beforeEnd = fetched.nextUpdate.addingTimeInterval(-60)
        #expect(try await c.collateral(for: evidence, at: beforeEnd) != nil)
        #expect(c.fetches == 0)
        let d = Self.replica(second, upstream: down)
        await #expect(throws: CollateralError.self) { try await d.collateral(for: evidence, at: fetched.nextUpdate.addingTimeInterval(60)) }
        #expect(d.fetches > 0)
        await second.close()
        await t.cleanup()
    }
}
