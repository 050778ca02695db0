import Foundation
import GRDB
import TransparencyLog

/// The embedded default store: one SQLite file in WAL mode.
///
/// Every write is one SQLite transaction with `synchronous=FULL`, so when `write` returns the
/// change (a grant and its log entry, say) is on disk; when it throws nothing of it is.
public final class SQLiteStore: Sendable {
    let writer: any DatabaseWriter
    public let path: String

    private init(writer: any DatabaseWriter, path: String) {
        self.writer = writer
        self.path = path
    }

    /// Opens (creating if needed) a store for the broker, migrating its schema forward.
    public static func open(path: String) throws(StorageError) -> SQLiteStore {
        var config = Configuration()
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        config.busyMode = .timeout(10)
        do {
            // Created 0600 before SQLite opens it: SQLite gives the -wal and -shm files the
            // main file's mode, so all three stay private to the broker's user (review L3).
            try createPrivate(path)
            let pool = try DatabasePool(path: path, configuration: config)
            try checkNotNewer(pool)
            try SQLiteSchema.migrator.migrate(pool)
            return SQLiteStore(writer: pool, path: path)
        } catch let e as StorageError {
            throw e
        } catch {
            throw Self.mapOpenError(error, path: path)
        }
    }

    /// Creates `path` with mode 0600 if it does not exist; tightens an existing file (and its
    /// -wal and -shm) that group or others could read.
    static func createPrivate(_ path: String) throws(StorageError) {
        let fd = Foundation.open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw StorageError(.badLocation, "cannot create \(path): \(String(cString: strerror(errno)))") }
        _ = Foundation.close(fd)
        for file in [path, path + "-wal", path + "-shm"] {
            var st = stat()
            guard lstat(file, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_mode & 0o077 != 0 else { continue }
            guard chmod(file, 0o600) == 0 else { throw StorageError(.badLocation, "cannot make \(file) private (chmod 600)") }
        }
    }

    /// Opens an existing store read-only, for auditors: never creates, migrates or writes.
    public static func openForAudit(path: String) throws(StorageError) -> SQLiteStore {
        guard FileManager.default.fileExists(atPath: path) else {
            throw StorageError(.notADatabase, "\(path): no such file")
        }
        var config = Configuration()
        config.readonly = true
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            let hasSchema = try queue.read { db in try db.tableExists("log_entries") && db.tableExists("log_meta") }
            guard hasSchema else { throw StorageError(.notADatabase, "\(path) is an SQLite database but not a Leasehold log (no log_entries table)") }
            return SQLiteStore(writer: queue, path: path)
        } catch let e as StorageError {
            throw e
        } catch {
            throw Self.mapOpenError(error, path: path)
        }
    }

    static func checkNotNewer(_ writer: any DatabaseWriter) throws {
        let unknown = try writer.read { db in
            try SQLiteSchema.migrator.appliedIdentifiers(db).subtracting(SQLiteSchema.migrator.migrations)
        }
        if !unknown.isEmpty {
            throw StorageError(
                .schemaTooNew,
                "the database has migrations this build does not know (\(unknown.sorted().joined(separator: ", "))): use a newer leasehold")
        }
    }

    static func mapOpenError(_ error: any Error, path: String) -> StorageError {
        if let db = error as? DatabaseError, db.resultCode == .SQLITE_NOTADB {
            return StorageError(.notADatabase, "\(path) is not an SQLite database")
        }
        return StorageError(.notADatabase, "cannot open \(path): \(error)")
    }

    /// Runs `body` in one write transaction and commits it durably; on any throw, rolls back.
    public func write<T>(_ body: (SQLiteTransaction) throws -> T) throws -> T {
        do {
            return try writer.write { db in try body(SQLiteTransaction(db: db)) }
        } catch let e as StorageError {
            throw e
        } catch let e as DatabaseError {
            throw StorageError(.writeFailed, "database write failed: \(e.message ?? e.description)")
        }
    }

    /// Runs `body` against a consistent snapshot.
    public func read<T>(_ body: (SQLiteTransaction) throws -> T) throws -> T {
        do {
            return try writer.read { db in try body(SQLiteTransaction(db: db)) }
        } catch let e as StorageError {
            throw e
        } catch let e as DatabaseError {
            if e.resultCode == .SQLITE_NOTADB { throw StorageError(.notADatabase, "\(path) is not an SQLite database") }
            throw StorageError(.corrupt, "database read failed: \(e.message ?? e.description)")
        }
    }
}

/// One transaction (or read snapshot) on the SQLite store. Only valid inside the closure
/// that received it.
public struct SQLiteTransaction {
    let db: Database
}
