import ArgumentParser
import Foundation

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
            Serve.self, OwnerCommand.self, VaultCommand.self, ManifestCommand.self, LeaseCommand.self, WorkloadCommand.self,
            Demo.self, Audit.self, Evidence.self, Bench.self,
        ]
    )

    static func main() async {
        do {
            var command = try parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data(("leasehold: " + failure.message + "\n").utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = exitCode(for: error)
            if code == .success || error is CleanExit {
                exit(withError: error)
            }
            if error is ExitCode { exit(withError: error) }
            // Argument errors: the parser's message, and exit 2 (usage) rather than 64.
            if isUsageError(error) {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            FileHandle.standardError.write(Data(("leasehold: \(error)\n").utf8))
            Foundation.exit(1)
        }
    }

    static func isUsageError(_ error: any Error) -> Bool {
        error is ValidationError || exitCode(for: error) == .validationFailure
    }
}

/// A failure to report as one line on stderr with a chosen exit code; never a stack trace.
struct CLIFailure: Error, CustomStringConvertible {
    var message: String
    var exitCode: Int32 = 1
    var description: String { message }

    static func usage(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 2) }
}
