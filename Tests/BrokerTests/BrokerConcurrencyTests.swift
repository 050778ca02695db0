import Codecs
import Crypto
import Attestation
import Foundation
import Synchronization
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

@Suite struct BrokerConcurrencyTests {
    /// 40 concurrent workloads race for 10 grants: exactly 10 win, every winner's grant is on
    /// the log, and group commit used fewer transactions than grants.
    @Test func concurrentGrantsNeverExceedMaxGrantsAndShareCommits() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("race", maxGrants: 10))
        let results = await withTaskGroup(of: Result<UInt64, BrokerError>.self) { group in
            for _ in 0..<40 {
                group.addTask {
                    do { return .success(try await h.fetch("race").response.receipt.logIndex) } catch let e as BrokerError {
                        return .failure(e)
                    } catch {
                        return .failure(BrokerError(.internal, "\(error)"))
                    }
                }
            }
            var all = [Result<UInt64, BrokerError>]()
            for await r in group { all.append(r) }
            return all
        }
        let won = results.compactMap { try? $0.get() }
        #expect(won.count == 10)
        for case .failure(let e) in results { #expect(e.code == .leaseExhausted) }
        let granted = Set(try await h.entries().filter { $0.kind == "key.granted" }.map(\.seq))
        #expect(granted == Set(won))
        _ = try h.audit()
    }
}
