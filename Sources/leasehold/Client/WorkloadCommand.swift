import ArgumentParser
import LeaseholdWorkloadCLI

/// `leasehold workload fetch`: the same command as `leasehold-workload fetch`, for operators
/// who have the full binary at hand.
struct WorkloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "workload",
        abstract: "Obtain a lease's keys as an attested workload (the same as leasehold-workload fetch).",
        subcommands: [WorkloadFetch.self]
    )
}
