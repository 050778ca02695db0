import ArgumentParser
import LeaseholdWorkloadCLI

/// `leasehold-workload`: the small binary a TEE image carries to get its keys at boot. It links
/// the workload client and the attesters only: no broker, storage, server or evidence
/// verifier (integration/workload.sh checks the package graph), because every byte of it is
/// in the measurement the owner's manifest pins.
@main
struct LeaseholdWorkload: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "leasehold-workload",
        abstract: "Get a lease's keys into a TEE at boot: attest, receive, verify the log receipt, write them to tmpfs.",
        subcommands: [WorkloadFetch.self]
    )

    static func main() async {
        // No prefix: the refusal's reason code is the first word of the last stderr line.
        await CLIMain.run(Self.self, prefix: "")
    }
}
