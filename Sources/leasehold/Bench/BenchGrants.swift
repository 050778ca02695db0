import LeaseholdWorkloadCLI
import LeaseholdOwnerClient
import ArgumentParser
import Broker
import LeaseholdAPI
import BrokerHTTP
import Foundation
import LeaseholdClient
import LeaseholdCore
import Logging
import TransparencyLog
import Vault

/// `leasehold bench grants`: key releases per second over real HTTP on loopback, with sandbox
/// evidence, at several client concurrencies. Each grant is the full workload flow: challenge,
/// one-time key, evidence, grant, unwrap, receipt proof verification.
struct BenchGrants: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grants",
        abstract: "Grants per second and p50/p99 latency over HTTP at 1, 16 and 64 concurrent clients.",
        discussion:
            "Starts a broker in-process on a temporary data directory with --allow-sandbox, listening on 127.0.0.1 (a free port), registers an owner, puts a key, issues a lease with a huge maxGrants, then runs N concurrent clients per level, each looping challenge + grant for --seconds."
    )

    @Option(help: "Comma-separated client counts.") var clients = "1,16,64"
    @Option(help: "Seconds per concurrency level.") var seconds = 5.0
    @Option(help: "Keep the broker's data here instead of a temporary directory.") var dataDir: String?
    @Option(
        help:
            "Drive this running broker (serve --allow-sandbox) instead of one in-process: the client load then runs alone in this process, e.g. pinned to other cores or on another host."
    )
    var broker: String?
    @Option(help: "The admin token file of --broker.") var adminTokenFile: String?
    @Option(help: "PEM CA certificate(s) to trust for an https --broker (default: $LEASEHOLD_CA_FILE).") var caFile: String?

    func validate() throws {
        guard let levels = Self.levels(clients), !levels.isEmpty else {
            throw ValidationError("--clients must be positive integers, comma-separated")
        }
        guard levels.allSatisfy({ $0 <= 1024 }) else { throw ValidationError("--clients: at most 1024") }
        guard seconds > 0 && seconds <= 600 else { throw ValidationError("--seconds must be in (0, 600]") }
        guard (broker == nil) == (adminTokenFile == nil) else { throw ValidationError("--broker and --admin-token-file go together") }
        guard broker == nil || dataDir == nil else { throw ValidationError("--data-dir is for the in-process broker; not with --broker") }
    }

    static func levels(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
        return parts.compactMap { $0 }
    }

    func run() async throws {
        if let broker, let adminTokenFile {
            let token = try CLIFiles.readText(adminTokenFile, what: "admin token").trimmingCharacters(in: .whitespacesAndNewlines)
            print("broker: \(broker) (external: the split below is not available; CPU is this process's, the client load only)")
            try await drive(url: broker, adminToken: token, timings: nil)
            return
        }
        let dir = dataDir ?? FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-bench-grants-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        defer { if dataDir == nil { try? FileManager.default.removeItem(atPath: dir) } }

        let broker: Broker
        do { broker = try await Broker.open(BrokerConfiguration(dataDirectory: dir, allowSandbox: true)) } catch {
            throw CLIFailure(message: "\(error.code.rawValue): \(error.message)")
        }
        var logger = Logger(label: "leasehold-bench")
        logger.logLevel = .critical
        let (portStream, portContinuation) = AsyncStream.makeStream(of: Int.self)
        // No rate limits: the bench's clients all come from one address, at full speed.
        let app = try BrokerRoutes.application(
            broker: broker, host: "127.0.0.1", port: 0, options: HTTPServerOptions(rateLimits: .off),
            logger: logger
        ) { _, port in
            portContinuation.yield(port)
            portContinuation.finish()
        }
        let token = try CLIFiles.readText(broker.adminTokenPath, what: "admin token").trimmingCharacters(in: .whitespacesAndNewlines)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var port: Int?
            for await p in portStream { port = p }
            guard let port else { throw CLIFailure(message: "the in-process server did not start") }
            let url = "http://127.0.0.1:\(port)"
            print("broker: \(url), data \(dir) (in-process: CPU below is the broker's and the clients' together)")
            try await drive(url: url, adminToken: token, timings: { broker.grantTimings() })
            group.cancelAll()
        }
        await broker.close()
    }

    /// Sets up an owner, key and lease on the broker at `url`, then runs each client level.
    func drive(url: String, adminToken: String, timings: (@Sendable () -> GrantTimings.Snapshot)?) async throws {
        let levels = Self.levels(clients)!
        let connection = try ClientCLI.connection(url, caFile: caFile, maximumConnections: max(levels.max() ?? 1, 1))
        let measurement = [UInt8](repeating: 0x5A, count: 48)
        // Fresh names, so an external broker can be benchmarked again and again.
        let tag = String(UUID().uuidString.prefix(8)).lowercased()
        let (owner, leaseId) = ("bench-\(tag)", "bench-lease")
        let logKey = try await Self.setUp(connection: connection, adminToken: adminToken, owner: owner, leaseId: leaseId, measurement: measurement)
        let workload = WorkloadClient(connection, logKey: logKey)
        let evidence = EvidenceProviders.sandbox(measurement: measurement)

        // One warm-up grant: fails fast (with the broker's reason) if the flow is broken.
        _ = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            try await workload.fetch(owner: owner, leaseId: leaseId, evidence: evidence)
        }

        print("clients    grants/s    p50 ms    p99 ms   errors   CPU ms/grant")
        var rates: [Int: Double] = [:]
        for n in levels {
            let cpu0 = Self.processCPUSeconds()
            let r = await Self.measure(clients: n, seconds: seconds) {
                _ = try await workload.fetch(owner: owner, leaseId: leaseId, evidence: evidence)
            }
            let cpu = (Self.processCPUSeconds() - cpu0) / max(r.rate * seconds, 1)
            rates[n] = r.rate
            print(
                String(format: "%7d  %10.1f  %8.2f  %8.2f  %7d   %12.2f", n, r.rate, r.p50 * 1000, r.p99 * 1000, r.errors, cpu * 1000)
                    + (r.firstError.map { "   first error: \($0)" } ?? ""))
        }
        if let one = rates[1], one > 0 {
            for n in levels where n > 1 { print(String(format: "speed-up at %d clients: %.1fx the one-client rate", n, (rates[n] ?? 0) / one)) }
        }
        if let t = timings?(), t.grants > 0 {
            let n = Double(t.grants)
            print(
                String(
                    format: "split per grant (all levels): evidence verification %.3f ms, HPKE key wrap %.3f ms, durable commit wait %.3f ms",
                    t.verifySeconds * 1000 / n, t.wrapSeconds * 1000 / n, t.commitSeconds * 1000 / n))
            print(
                String(
                    format: "group commit: %d grants in %d transactions (%.1f grants per fsync)", t.grants, t.commits, n / Double(max(t.commits, 1))))
        }
    }

    /// User + system CPU time of this process so far.
    static func processCPUSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
    }

    /// Registers the owner, puts a fresh key, issues a sandbox lease with a huge maxGrants;
    /// returns the broker's log key.
    static func setUp(connection: BrokerConnection, adminToken token: String, owner: String, leaseId: String, measurement: [UInt8]) async throws
        -> NoteVerifier
    {
        let ownerKey: OwnerSigningKey
        let envelope: DSSEEnvelope
        do {
            ownerKey = try OwnerSigningKey.generate()
            let manifest = LeaseManifest(
                owner: owner, leaseId: leaseId, purpose: "leasehold bench grants", expiry: .ttl(.init("1d")!),
                maxGrants: 1_000_000_000, keys: ["bench-key"], workloads: [.sandbox(SandboxWorkload(measurement: measurement))])
            envelope = try ManifestEnvelope.sign(manifest, with: ownerKey)
        } catch {
            throw CLIFailure(message: "bench set-up: \(error)")
        }
        let client = OwnerClient(connection)
        let info = try await ClientCLI.call { () async throws(LeaseholdClientError) in
            _ = try await client.register(owner: owner, publicKey: ownerKey.publicKey, adminToken: token)
            _ = try await client.putKey(owner: owner, keyId: "bench-key", key: try Self.freshKey(), signingKey: ownerKey)
            _ = try await client.issueLease(envelope)
            return try await connection.info()
        }
        do { return try NoteVerifier(encoded: info.logKey) } catch { throw CLIFailure(message: "bad-response: the broker's log key: \(error)") }
    }

    static func freshKey() throws(LeaseholdClientError) -> DataKey {
        do { return try DataKey.generate() } catch { throw LeaseholdClientError(LeaseholdClientError.badInput, "\(error)") }
    }

    struct Result {
        var rate: Double
        var p50: Double
        var p99: Double
        var errors: Int
        var firstError: String?
    }

    /// Runs `clients` loops of `body` for `seconds`; latencies of successful calls only.
    static func measure(clients: Int, seconds: Double, _ body: @escaping @Sendable () async throws -> Void) async -> Result {
        let start = ContinuousClock.now
        let deadline = start + .milliseconds(Int64(seconds * 1000))
        let all = await withTaskGroup(of: ([Double], Int, String?).self) { group in
            for _ in 0..<clients {
                group.addTask {
                    var latencies: [Double] = []
                    var errors = 0
                    var first: String?
                    while ContinuousClock.now < deadline {
                        let t0 = ContinuousClock.now
                        do {
                            try await body()
                            let d = ContinuousClock.now - t0
                            latencies.append(Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
                        } catch {
                            errors += 1
                            if first == nil { first = "\(error)" }
                        }
                    }
                    return (latencies, errors, first)
                }
            }
            var out: ([Double], Int, String?) = ([], 0, nil)
            for await (l, e, f) in group {
                out.0 += l
                out.1 += e
                out.2 = out.2 ?? f
            }
            return out
        }
        let elapsed = ContinuousClock.now - start
        let secs = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let sorted = all.0.sorted()
        func pct(_ p: Double) -> Double {
            guard !sorted.isEmpty else { return .nan }
            // Nearest rank: the smallest value with at least p of the samples at or below it.
            let rank = Int((Double(sorted.count) * p).rounded(.up))
            return sorted[min(sorted.count, max(rank, 1)) - 1]
        }
        return Result(rate: Double(sorted.count) / secs, p50: pct(0.50), p99: pct(0.99), errors: all.1, firstError: all.2)
    }
}
