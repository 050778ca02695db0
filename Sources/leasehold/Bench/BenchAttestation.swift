import Codecs
import LeaseholdWorkloadCLI
import ArgumentParser
import Attestation
import Collateral
import Foundation
import TransparencyLog

/// `leasehold bench attestation`: verifications per second per TEE with warm caches, the cold
/// (full chain and collateral) cost, and `openssl speed` on the same machine in the same run
/// as the yardstick: a warm verification is dominated by one or two ECDSA verifies.
struct BenchAttestation: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "attestation",
        abstract: "Evidence verification rates against openssl's raw ECDSA verify rate.",
        discussion: "Uses the real evidence in --vectors (default ../shared/vectors), verified at each sample's valid_at."
    )

    @Option(help: "The vectors directory.") var vectors = "../shared/vectors"
    @Option(help: "Seconds per measurement.") var seconds = 3.0
    @Option(
        help:
            "Also time the TDX q4 quote with its collateral from the broker's collateral service over this directory (`collateral fetch --out DIR --tee tdx --quote ... --at 2026-04-01T00:00:00Z`), warm: the cache hit plus the verification."
    )
    var collateralDir: String?

    struct Sample {
        var name: String
        var tee: TEE
        var evidence: String
        var collateral: [String]
        var at: String
        var curve: String
    }

    func run() async throws {
        let samples = [
            Sample(
                name: "sev-snp milan", tee: .sevSNP, evidence: "sev-snp/milan-trustee/test-report.bin",
                collateral: ["sev-snp/milan-trustee/test-vcek.der", "sev-snp/amd-kds-cert-chains/ask_ark_milan.pem"], at: "2026-06-01T00:00:00Z",
                curve: "ecdsap384"),
            Sample(
                name: "tdx", tee: .tdx, evidence: "tdx/phala-dcap-qvl/tdx_quote",
                collateral: ["tdx/phala-dcap-qvl/tdx_quote_collateral.json"], at: "2025-07-01T00:00:00Z", curve: "ecdsap256"),
            Sample(
                name: "sgx", tee: .sgx, evidence: "sgx/phala-dcap-qvl/sgx_quote",
                collateral: ["sgx/phala-dcap-qvl/sgx_quote_collateral.json"], at: "2025-07-01T00:00:00Z", curve: "ecdsap256"),
            Sample(
                name: "nitro", tee: .nitro, evidence: "nitro/blocky-nitrite/nitro_attestation.b64",
                collateral: [], at: "2024-09-07T14:37:39.545Z", curve: "ecdsap384"),
        ]
        let openssl = [
            "ecdsap256": Self.opensslVerifyRate("ecdsap256", seconds: Int(seconds.rounded(.up))),
            "ecdsap384": Self.opensslVerifyRate("ecdsap384", seconds: Int(seconds.rounded(.up))),
        ]
        for (curve, rate) in openssl.sorted(by: { $0.key < $1.key }) {
            print(String(format: "openssl speed %@ verify:  %10.0f /s", curve, rate ?? .nan) + (rate == nil ? "  (openssl not available)" : ""))
        }
        for s in samples {
            let bytes = EvidenceFile.decode(try CLIFiles.read(vectors + "/" + s.evidence, what: "evidence"))
            let extra = try s.collateral.map { try CLIFiles.read(vectors + "/" + $0, what: "collateral") }
            let evidence = Evidence(tee: s.tee, bytes: bytes, collateral: extra)
            let at = RFC3339.parse(s.at)!
            // Cold: a fresh verifier (empty caches) per verification.
            var cold = 0, t0 = Date()
            repeat {
                _ = try Self.verifyCold(evidence, at: at)
                cold += 1
            } while Date().timeIntervalSince(t0) < min(1, seconds)
            let coldMs = Date().timeIntervalSince(t0) * 1000 / Double(cold)
            // Warm: one verifier, caches filled by the first call.
            let verifier = try EvidenceVerify.verifier(for: s.tee, allowMissingCRL: false)
            _ = try verifier.verify(evidence, at: at)
            var warm = 0
            t0 = Date()
            repeat {
                _ = try verifier.verify(evidence, at: at)
                warm += 1
            } while Date().timeIntervalSince(t0) < seconds
            let rate = Double(warm) / Date().timeIntervalSince(t0)
            var line =
                s.name.padding(toLength: 14, withPad: " ", startingAt: 0)
                + String(format: " warm %8.0f verifications/s   cold %6.2f ms", rate, coldMs)
            if let raw = openssl[s.curve] ?? nil { line += String(format: "   = %5.1f%% of openssl %@ verify/s", rate / raw * 100, s.curve) }
            print(line)
        }
        if let collateralDir { try await cachedCollateral(collateralDir) }
    }

    /// A grant's path with the broker's own collateral, warm: the service's cache hit, then
    /// the verification with the pieces it supplies, against the same quote verified warm with
    /// the same documents given as files.
    func cachedCollateral(_ dir: String) async throws {
        let q4 = "tdx/trustee-q4-lunal-collateral/"
        let bytes = try CLIFiles.read(vectors + "/" + q4 + "tdx_quote_4.dat", what: "evidence")
        let at = RFC3339.parse("2026-04-01T00:00:00Z")!
        let service = CollateralService(
            configuration: .init(intel: IntelPCS(baseURL: CollateralDirectory.baseURL)), http: CollateralDirectory(path: dir))
        let bare = Evidence(tee: .tdx, bytes: bytes, collateral: [])
        let verifier = try EvidenceVerify.verifier(for: .tdx, allowMissingCRL: false)
        guard let first = try await service.collateral(for: bare, at: at) else { throw CLIFailure(message: "no collateral service") }
        _ = try verifier.verify(Evidence(tee: .tdx, bytes: bytes, collateral: first.pieces), at: at)
        let sent = service.fetches
        func measure(_ body: () async throws -> Void) async throws -> Double {
            var n = 0
            let t0 = Date()
            repeat { try await body(); n += 1 } while Date().timeIntervalSince(t0) < seconds
            return Date().timeIntervalSince(t0) * 1_000_000 / Double(n)
        }
        let files = Evidence(tee: .tdx, bytes: bytes, collateral: first.pieces)
        let withFiles = try await measure { _ = try verifier.verify(files, at: at) }
        let withService = try await measure {
            guard let supplied = try await service.collateral(for: bare, at: at) else { return }
            _ = try verifier.verify(Evidence(tee: .tdx, bytes: bytes, collateral: supplied.pieces), at: at)
        }
        print(
            String(
                format:
                    "tdx q4 collateral: as files %7.1f us, from the collateral service's cache %7.1f us (+%.1f us); upstream requests while measuring: %d",
                withFiles, withService, withService - withFiles, service.fetches - sent))
    }

    static func verifyCold(_ e: Attestation.Evidence, at: Date) throws -> any TEEClaims {
        let v = try EvidenceVerify.verifier(for: e.tee, allowMissingCRL: false)
        do { return try v.verify(e, at: at) } catch { throw CLIFailure(message: "\(e.tee.rawValue): \(error)") }
    }

    /// Runs `openssl speed -seconds N CURVE` and reads the verify/s column of its last line.
    static func opensslVerifyRate(_ curve: String, seconds: Int) -> Double? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl", "speed", "-seconds", String(seconds), curve]
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = FileHandle.nullDevice
        // `openssl speed` times itself with SIGALRM; a child inherits this thread's signal mask,
        // and the concurrency runtime's threads block SIGALRM, with which openssl would spin
        // forever. Unblock it for the spawn only.
        var alarm = sigset_t(), previous = sigset_t()
        sigemptyset(&alarm)
        sigaddset(&alarm, SIGALRM)
        pthread_sigmask(SIG_UNBLOCK, &alarm, &previous)
        defer { pthread_sigmask(SIG_SETMASK, &previous, nil) }
        do { try p.run() } catch { return nil }
        let out = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        // e.g. " 384 bits ecdsa (nistp384)   0.0011s   0.0009s    912.3   1111.0"
        guard let line = out.split(separator: "\n").last(where: { $0.contains("ecdsa (") }) else { return nil }
        return line.split(separator: " ").last.flatMap { Double($0) }
    }
}
