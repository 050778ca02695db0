import Foundation
import Logging
import PostgresNIO

/// One transaction (or read snapshot) on the PostgreSQL store, on a pool thread that may
/// block. Only valid inside the body that received it.
public struct PostgresTransaction {
    let connection: PostgresConnection
    let logger: Logger
    let readOnly: Bool

    /// Runs one statement and waits for all of its rows. Binds travel separately from the
    /// SQL text (`PostgresQuery` interpolation), never spliced into it.
    @discardableResult
    func execute(_ query: PostgresQuery) throws -> PostgresQueryResult {
        do {
            return try connection.query(query, logger: logger).wait()
        } catch {
            throw Self.map(error, readOnly: readOnly)
        }
    }

    /// The number of rows an UPDATE or DELETE touched.
    func changes(_ query: PostgresQuery) throws -> Int {
        try execute(query).metadata.rows ?? 0
    }

    func decode<each Column: PostgresDecodable>(_ row: PostgresRow, _ types: (repeat each Column).Type) throws -> (repeat each Column) {
        guard row.count == ComputeCount.count(repeat (each Column).self) else {
            throw StorageError(
                .corrupt, "the database returned \(row.count) columns where \(ComputeCount.count(repeat (each Column).self)) were expected")
        }
        do {
            return try row.decode(types, context: .default)
        } catch {
            throw StorageError(.corrupt, "a database row does not have the expected types: \(error)")
        }
    }

    func decode<Column: PostgresDecodable>(_ row: PostgresRow, _ type: Column.Type) throws -> Column {
        guard row.count == 1 else { throw StorageError(.corrupt, "the database returned \(row.count) columns where 1 was expected") }
        do {
            return try row.decode(type, context: .default)
        } catch {
            throw StorageError(.corrupt, "a database value does not have the expected type: \(error)")
        }
    }

    /// A unique violation is a conflict (duplicate id); a broken connection is `unavailable`;
    /// anything else the server refused is a failed write. The message names the server's
    /// SQLSTATE and text, never the statement's bound values.
    static func map(_ error: any Error, readOnly: Bool) -> StorageError {
        if let e = error as? StorageError { return e }
        if let e = error as? PSQLError {
            if let state = e.serverInfo?[.sqlState] {
                if state == "23505" { return StorageError(.conflict, "duplicate: \(describe(e))") }
                return StorageError(readOnly ? .corrupt : .writeFailed, "database \(readOnly ? "read" : "write") failed: \(describe(e))")
            }
            return StorageError(.unavailable, "the database connection failed: \(describe(e))")
        }
        return StorageError(.unavailable, "the database connection failed: \(error)")
    }

    static func describe(_ error: any Error) -> String {
        guard let e = error as? PSQLError else { return "\(error)" }
        if let info = e.serverInfo {
            return "\(info[.message] ?? "error") (SQLSTATE \(info[.sqlState] ?? "?"))"
        }
        return "\(e.code)"
    }
}

/// Counts a parameter pack's elements.
enum ComputeCount {
    static func count<each T>(_ t: repeat (each T).Type) -> Int {
        var n = 0
        for _ in repeat each t { n += 1 }
        return n
    }
}
