/// A failure to report as one line on stderr with a chosen exit code; never a stack trace.
public struct CLIFailure: Error, CustomStringConvertible {
    public var message: String
    public var exitCode: Int32 = 1
    public var description: String { message }

    public init(message: String, exitCode: Int32 = 1) {
        self.message = message
        self.exitCode = exitCode
    }

    public static func usage(_ message: String) -> CLIFailure { CLIFailure(message: message, exitCode: 2) }
}
