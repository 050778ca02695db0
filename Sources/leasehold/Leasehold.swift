import ArgumentParser
import Foundation
import LeaseholdWorkloadCLI

/// `leasehold`: the broker, its owners' and workloads' tools, and the auditor's.
///
/// Exit codes are part of the interface scripts rely on: 0 success, 1 refused or failed
/// (one line on stderr says why), 2 usage error.
@main
struct Leasehold: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leasehold",
        abstract: "A key broker that leases data keys to attested TEE workloads, with a verifiable log.",
        subcommands: [
            ServeCommand.self, OwnerCommand.self, VaultCommand.self, ManifestCommand.self, LeaseCommand.self, WorkloadCommand.self,
            DemoCommand.self, AuditCommand.self, AuditorCommand.self, EvidenceCommand.self, CollateralCommand.self, BenchCommand.self,
        ]
    )

    static func main() async {
        await CLIMain.run(Self.self, prefix: "leasehold: ")
    }
}
