import Attestation
import Foundation
import Synchronization
import Testing
@testable import Collateral

/// Sets kept beyond the process (the broker's store, a directory) are verified again when
/// read, and refreshed ahead of their end.
@Suite struct CollateralPersistenceTests {
    typealias T = CollateralServiceTests

    final class MemoryStore: CollateralPersistence {
        let sets = Mutex([String: [UInt8]]())
        func load(_ key: String) async -> [UInt8]? { sets.withLock { $0[key] } }
        func save(_ key: String, _ bytes: [UInt8], nextUpdate: Date) async { sets.withLock { $0[key] = bytes } }
    }

    static func down() -> T.Upstream { T.Upstream([:]) }  // answers 404 to everything

    @Test func aStoredSetServesARestartWithoutTheUpstream() async throws {
        let store = MemoryStore()
        let first = T.service(try T.pccs())
        first.attach(persistence: store)
        _ = try await first.collateral(for: try T.evidence(), at: T.validAt)
        #expect(store.sets.withLock { $0.count } == 1)

        let hits = Mutex([String]())
        let restarted = T.service(Self.down())
        restarted.attach(persistence: store, events: CollateralEvents(hit: { s in hits.withLock { $0.append(s) } }))
        let supplied = try #require(try await restarted.collateral(for: try T.evidence(), at: T.validAt.addingTimeInterval(60)))
        #expect(restarted.fetches == 0 && hits.withLock { $0 } == ["store"])
        _ = try DCAPVerifier(tee: .tdx).verify(Evidence(tee: .tdx, bytes: try T.quote(), collateral: supplied.pieces), at: T.validAt)

        // A stored set someone edited is not used: the service goes upstream (here: down).
        // The stored TCB info edited (a status changed), everything else as stored.
        let (key, stored) = try #require(store.sets.withLock { $0.first })
        var snapshot = try JSONDecoder().decode(CollateralService.Snapshot.self, from: Data(stored))
        let tcb = try #require(snapshot.documents.firstIndex { $0.kind == "tcbInfo" })
        snapshot.documents[tcb].body = Data(
            String(decoding: snapshot.documents[tcb].body, as: UTF8.self)
                .replacingOccurrences(of: "\"OutOfDate\"", with: "\"UpToDate\"").utf8)
        let edited = [UInt8](try JSONEncoder().encode(snapshot))
        #expect(edited != stored)
        store.sets.withLock { $0[key] = edited }
        let third = T.service(Self.down())
        third.attach(persistence: store)
        await #expect(throws: CollateralError.self) { _ = try await third.collateral(for: try T.evidence(), at: T.validAt.addingTimeInterval(60)) }
        #expect(third.fetches > 0)
    }

    @Test func setsAreRefreshedAheadOfTheirEnd() async throws {
        let s = T.service(try T.pccs(), maximumAge: 3600)
        _ = try await s.collateral(for: try T.evidence(), at: T.validAt)
        #expect(await s.refresh(at: T.validAt.addingTimeInterval(1800), margin: 60) == (0, 0))
        #expect(s.fetches == 4)
        #expect(await s.refresh(at: T.validAt.addingTimeInterval(1800), margin: 3600) == (1, 0))
        #expect(s.fetches == 8)
        // The refreshed set is the one grants now get, fetched at the refresh.
        let now = try #require(try await s.collateral(for: try T.evidence(), at: T.validAt.addingTimeInterval(3000)))
        #expect(now.fetchedAt == T.validAt.addingTimeInterval(1800) && s.fetches == 8)
        // Nobody asks for the set any more: past the maximum age it is dropped, not fetched forever.
        #expect(await s.refresh(at: T.validAt.addingTimeInterval(3000 + 3601), margin: 3600) == (0, 0))
        #expect(s.fetches == 8 && s.cacheSummary().sets == 0)
    }

    @Test func aDirectoryFilledByFetchServesTheSameSet() async throws {
        let fetched = try #require(try await T.service(try T.pccs()).collateral(for: try T.evidence(), at: T.validAt))
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("collateral-dir-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let files = try CollateralDirectory(path: dir).write(fetched)
        #expect(
            files.sorted() == [
                "sgx/pckcrl-platform.chain.pem", "sgx/pckcrl-platform.der", "sgx/rootcacrl.der",
                "tdx/qe-identity-standard.chain.pem", "tdx/qe-identity-standard.json",
                "tdx/tcb-50806f000000-standard.chain.pem", "tdx/tcb-50806f000000-standard.json",
            ])
        let offline = CollateralService(
            configuration: .init(intel: IntelPCS(baseURL: CollateralDirectory.baseURL)), http: CollateralDirectory(path: dir))
        let read = try #require(try await offline.collateral(for: try T.evidence(), at: T.validAt))
        #expect(read.upstream == "collateral-dir" && read.documents.map(\.sha256) == fetched.documents.map(\.sha256))
        // Names come only from the fixed grammar: nothing outside the directory is ever read.
        #expect(CollateralDirectory.file(for: "collateral-dir:/tdx/certification/v4/tcb?fmspc=../../etc&update=standard") == nil)
        #expect(CollateralDirectory.file(for: "collateral-dir:/tdx/certification/v4/tcb?fmspc=50806F000000&update=standard") == nil)
        #expect(CollateralDirectory.file(for: "collateral-dir:/etc/passwd") == nil)
    }
}
