import ArgumentParser
import LeaseholdWorkloadCLI
import Foundation
import LeaseholdCore
import TransparencyLog

/// `leasehold bench audit`: how fast an auditor's machine checks an exported bundle, with and
/// without re-verifying each grant's evidence. Pin it to one core (`taskset -c 0`) to get the
/// per-core figure; make a bundle worth measuring with `bench grants --data-dir DIR` and
/// `audit export --db DIR/leasehold.db`.
struct BenchAudit: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Time `audit verify --bundle` (entries/s, grants/s), with and without --evidence."
    )

    @Option(help: "An export directory (`audit export`).") var bundle: String
    @Option(name: .customLong("log-key"), help: "The bundle's log verifier key (name+keyid+base64, @FILE or a file).") var logKey: String
    @Option(help: "Runs of each kind; the median is reported.") var runs = 3

    func run() throws {
        let key = try CLIFiles.verifierKey(logKey)
        for withEvidence in [false, true] {
            var seconds: [Double] = []
            var entries: UInt64 = 0
            var grants = 0
            var line: String?
            for _ in 0..<max(1, runs) {
                let invariants = LeaseInvariants(evidence: withEvidence ? try GrantEvidenceAudit.standard() : nil)
                invariants.readEvidence(fromBundle: bundle)
                let t0 = Date()
                let summary = try BundleAudit.verify(directory: bundle, key: key, external: [], invariants: invariants)
                seconds.append(Date().timeIntervalSince(t0))
                entries = summary.entries
                grants = invariants.checker.grantsSeen
                line = invariants.evidenceSummary
            }
            let median = seconds.sorted()[seconds.count / 2]
            let label = withEvidence ? "with --evidence" : "without --evidence"
            print(
                String(
                    format: "%@: %llu entries, %d grants in %.3f s (median of %d): %.0f entries/s, %.0f grants/s",
                    label, entries, grants, median, seconds.count, Double(entries) / median, Double(grants) / median))
            if let line { print("  \(line)") }
        }
    }
}
