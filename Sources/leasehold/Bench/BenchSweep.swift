import ArgumentParser
import Broker
import LeaseholdAPI
import Foundation
import Storage
import TransparencyLog

/// `leasehold bench sweep`: the cost of one sweep that finds `--expired` leases past their
/// notAfter among `--live` leases that are not. The sweep walks a partial index of leases whose
/// expiry is not yet recorded, ordered by notAfter, so its cost follows the expired count.
struct BenchSweep: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sweep",
        abstract: "Time one sweep of N expired leases among M live ones."
    )

    @Option(help: "Leases still live.") var live = 1_000_000
    @Option(help: "Leases past notAfter.") var expired = 10_000

    func run() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-bench-sweep-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let config = BrokerConfiguration(dataDirectory: dir, logOrigin: "bench.leasehold/log")
        _ = try await Broker.open(config)  // creates the schema and keys
        let store = try SQLiteStore.open(path: config.databasePath)
        let now = Int64(Date().timeIntervalSince1970)
        let t0 = Date()
        try await store.write { tx in try tx.insertOwner(OwnerRecord(owner: "bench", publicKey: "-", registeredSeq: 0)) }
        var made = 0
        let total = live + expired
        while made < total {
            let n = min(10_000, total - made)
            let start = made
            let expired = self.expired
            try await store.write { tx in
                for i in start..<(start + n) {
                    let isExpired = i % max(1, total / max(expired, 1)) == 0 && i / max(1, total / max(expired, 1)) < expired
                    try tx.insertLease(
                        LeaseRecord(
                            owner: "bench", leaseId: "lease-\(i)", manifest: [], envelope: [], digest: [UInt8](repeating: 0, count: 32),
                            state: "active", notBefore: now - 7200, notAfter: isExpired ? now - 60 : now + 86_400 + Int64(i % 1000),
                            maxGrants: 1, grantsIssued: 0, expiryRecorded: false, issuedSeq: 0))
                }
            }
            made += n
        }
        print(String(format: "inserted %d leases (%d of them expired) in %.1f s", total, expired, Date().timeIntervalSince(t0)))
        let broker = try await Broker.open(config)
        let s0 = Date()
        let report = try await broker.sweep()
        let dt = Date().timeIntervalSince(s0)
        print(
            String(
                format: "sweep: %d lease.expired recorded among %d leases in %.3f s (%.0f leases/s)", report.expired.count, total, dt,
                Double(report.expired.count) / dt))
        let s1 = Date()
        let again = try await broker.sweep()
        print(String(format: "second sweep (nothing to do): %d recorded in %.3f ms", again.expired.count, Date().timeIntervalSince(s1) * 1000))
    }
}
