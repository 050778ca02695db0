#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Why an attester could not produce evidence: a stable `code` for scripts and a `reason` a
/// person can act on (which path, what was expected, what was found).
///
/// Reasons name paths, sizes, errno values and kernel strings, never report data, keys or
/// evidence bytes.
public struct AttesterError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// configfs-tsm's `generation` is not the value our own writes explain: another
        /// process wrote to the entry, or a write failed at close (ATTESTERS.md §1.2).
        public static let tsmGenerationMoved = Code(rawValue: "tsm-generation-moved")
        /// configfs-tsm's `provider` names another TEE than the one asked for.
        public static let tsmProviderMismatch = Code(rawValue: "tsm-provider-mismatch")
        /// The platform returned no report or quote.
        public static let emptyOutblob = Code(rawValue: "empty-outblob")
        /// The interface (directory, device node, service configuration) is not there.
        public static let interfaceMissing = Code(rawValue: "interface-missing")
        /// The interface is there but this process may not use it (EACCES, EPERM).
        public static let permissionDenied = Code(rawValue: "permission-denied")
        /// The kernel or firmware refused the request (errno or firmware status in the reason).
        public static let deviceError = Code(rawValue: "device-error")
        /// The interface answered with bytes that do not have the documented shape.
        public static let badResponse = Code(rawValue: "bad-response")
        /// The request itself cannot be sent (wrong report data size, option out of range).
        public static let badRequest = Code(rawValue: "bad-request")
        /// The TDX quote generation service on the host could not be reached or refused.
        public static let quoteServiceUnavailable = Code(rawValue: "quote-service-unavailable")
        /// The platform is set up for a kind of attestation Leasehold does not accept
        /// (Gramine `attestation_type` other than `dcap`).
        public static let unsupportedConfiguration = Code(rawValue: "unsupported-configuration")
    }

    public let code: Code
    public let reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }

    /// The C library's text for an errno value, with its symbolic number, e.g.
    /// `errno 13 (Permission denied)`.
    static func describe(errno value: Int32) -> String {
        guard let text = strerror(value) else { return "errno \(value)" }
        return "errno \(value) (\(String(cString: text)))"
    }

    /// Maps a failed system call on `path` to an error: missing, permission, or device error.
    static func system(_ value: Int32, _ operation: String, _ path: String, missingHint: String = "") -> AttesterError {
        switch value {
        case ENOENT, ENODEV, ENXIO:
            let hint = missingHint.isEmpty ? "" : "; \(missingHint)"
            return AttesterError(.interfaceMissing, "\(operation) \(path): \(describe(errno: value))\(hint)")
        case EACCES, EPERM, EROFS:
            return AttesterError(
                .permissionDenied,
                "\(operation) \(path): \(describe(errno: value)); the attester must run as root (or with the device's group) and, in a container, with the interface mounted read-write"
            )
        default:
            return AttesterError(.deviceError, "\(operation) \(path): \(describe(errno: value))")
        }
    }
}
