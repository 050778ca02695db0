import ArgumentParser
import Foundation

/// The one way both binaries end: 0 success, 1 refused or failed (one line on stderr, the
/// reason code first after `prefix`), 2 usage, or a `CLIFailure`'s own code (3: broker
/// unreachable). Never a stack trace, and never ArgumentParser's 64 for a usage error, so
/// scripts and systemd units see one set of codes.
public enum CLIMain {
    public static func run<C: ParsableCommand>(_ root: C.Type, prefix: String) async -> Never {
        do {
            var command = try root.parseAsRoot()
            if var async = command as? AsyncParsableCommand {
                try await async.run()
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let failure as CLIFailure {
            FileHandle.standardError.write(Data((prefix + failure.message + "\n").utf8))
            Foundation.exit(failure.exitCode)
        } catch {
            let code = root.exitCode(for: error)
            if code == .success || error is CleanExit || error is ExitCode { root.exit(withError: error) }
            // Argument errors: the parser's message, and exit 2 (usage) rather than 64.
            if error is ValidationError || code == .validationFailure {
                FileHandle.standardError.write(Data((root.fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            FileHandle.standardError.write(Data((prefix + "\(error)\n").utf8))
            Foundation.exit(1)
        }
    }
}
