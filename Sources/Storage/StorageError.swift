/// A storage failure with a stable code, turned into an HTTP status or exit code at the edge.
public struct StorageError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        /// The file is not a Leasehold database (not SQLite, or no Leasehold schema).
        public static let notADatabase = Code(rawValue: "not-a-database")
        /// The database was written by a newer Leasehold whose schema this one does not know.
        public static let schemaTooNew = Code(rawValue: "schema-too-new")
        /// The log's stored state is inconsistent (frontier, sizes); the audit will say where.
        public static let corrupt = Code(rawValue: "corrupt")
        /// The log has no key yet (nothing was ever appended or signed).
        public static let noLogKey = Code(rawValue: "no-log-key")
        /// A requested record does not exist.
        public static let notFound = Code(rawValue: "not-found")
        /// A uniqueness or precondition check failed (duplicate id, stale state).
        public static let conflict = Code(rawValue: "conflict")
        /// The database refused the write (disk full, read-only, I/O error).
        public static let writeFailed = Code(rawValue: "write-failed")
        /// The database server cannot be reached, refused the login, or the connection broke.
        public static let unavailable = Code(rawValue: "database-unavailable")
        /// The database location (URL) is malformed or names an unsupported option.
        public static let badLocation = Code(rawValue: "bad-database-location")
    }

    public var code: Code
    public var reason: String
    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }
    public var description: String { reason }
}
