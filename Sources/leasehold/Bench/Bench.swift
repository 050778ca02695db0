import ArgumentParser

/// `leasehold bench …`: measurements an operator runs on their own hardware to size a
/// deployment. Never timed unit tests: figures depend on the machine.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measure this machine: log appends, checkpoints, audits, attestation verification.",
        subcommands: [BenchLog.self, BenchAttestation.self, BenchGrants.self, BenchSweep.self, BenchAudit.self]
    )
}
