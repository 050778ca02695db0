import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// Several broker replicas on one PostgreSQL database.
///
/// The broker's transaction bodies are synchronous (see `BrokerStore`): one body holds every
/// invariant of an operation, whatever the backend. This store runs each body on a thread of
/// its own pool, with a connection of its own, and waits for each statement there; event
/// loops never block, and the body reads exactly as it does on SQLite.
///
/// Across replicas, every write transaction first takes one transaction-scoped advisory lock
/// (`PostgresSchema.writeLock`): log appends, grant counts and nonce consumption happen in one
/// order for all replicas, as SQLite's single writer orders them for one process. Each statement
/// after the lock (READ COMMITTED) sees everything the previous holder committed. Reads run in
/// REPEATABLE READ, READ ONLY snapshots and never wait for writers.
///
/// A COMMIT that PostgreSQL answers with ROLLBACK (the transaction had failed and the failure
/// was swallowed) is an error here, never a success: no key is returned for a grant that did
/// not commit.
public final class PostgresStore: Sendable {
    public let location: PostgresLocation
    let threads: NIOThreadPool
    let configuration: PostgresConnection.Configuration
    let idle = Mutex<[PostgresConnection]>([])
    let nextID = Atomic<Int>(1)
    let logger: Logger

    private init(location: PostgresLocation, threads: NIOThreadPool, configuration: PostgresConnection.Configuration, logger: Logger) {
        self.location = location
        self.threads = threads
        self.configuration = configuration
        self.logger = logger
    }

    /// Connects, migrates the schema forward (once, under an advisory lock; unless `migrate`
    /// is false, as for auditors, who only read) and returns a store with up to `connections`
    /// concurrent transactions.
    public static func open(
        _ location: PostgresLocation, connections: Int = 4, migrate: Bool = true,
        logger: Logger = Logger(label: "leasehold.postgres")
    ) async throws(StorageError) -> PostgresStore {
        let tls: PostgresConnection.Configuration.TLS
        switch location.tls {
        case .disable:
            tls = .disable
        case .verifyFull:
            do {
                tls = .require(try NIOSSLContext(configuration: .makeClientConfiguration()))
            } catch {
                throw StorageError(.badLocation, "cannot set up TLS to the database: \(error)")
            }
        }
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.user,
            password: location.password, database: location.database, tls: tls)
        let threads = NIOThreadPool(numberOfThreads: max(1, connections))
        threads.start()
        let store = PostgresStore(location: location, threads: threads, configuration: configuration, logger: logger)
        do {
            try await store.run { connection in
                try PostgresSchema.checkDurable(connection)
                if migrate { try PostgresSchema.migrate(connection) }
            }
        } catch {
            await store.close()
            throw error as? StorageError ?? StorageError(.unavailable, "cannot migrate the database at \(location): \(error)")
        }
        return store
    }

    /// Closes every connection and stops the store's threads.
    public func close() async {
        let connections = idle.withLock { all in
            defer { all.removeAll() }
            return all
        }
        for connection in connections { try? await connection.close() }
        try? await threads.shutdownGracefully()
    }

    /// Runs `body` on a pool thread with a connection: an idle one, or a new one if none is
    /// idle or the idle one has closed. A connection that broke is not returned to the pool.
    /// The body's own errors pass through unchanged.
    func run<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        do {
            return try await threads.runIfActive { [self] in
                var connection = idle.withLock { $0.popLast() }
                if connection?.isClosed ?? true {
                    connection = try connect()
                }
                let c = connection!
                defer { if !c.isClosed { idle.withLock { $0.append(c) } } }
                return try body(c)
            }
        } catch is NIOThreadPoolError.ThreadPoolInactive {
            throw StorageError(.unavailable, "the store for \(location) is closed")
        }
    }

    /// A new connection whose commits wait for the WAL flush (`synchronous_commit = on`, set
    /// per session whatever the database's default): a grant's key is returned only after its
    /// entry is durable, so a commit that is not durable would break that promise.
    private func connect() throws -> PostgresConnection {
        let id = nextID.add(1, ordering: .relaxed).oldValue
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: configuration,
                id: id, logger: logger
            ).wait()
        } catch {
            throw StorageError(.unavailable, "cannot connect to the database at \(location): \(PostgresTransaction.describe(error))")
        }
        do {
            try PostgresTransaction(connection: connection, logger: logger, readOnly: false).execute("SET synchronous_commit TO on")
        } catch {
            _ = try? connection.close().wait()
            throw error
        }
        return connection
    }

    /// One transaction: BEGIN, the write lock (for writes), `body`, COMMIT; ROLLBACK on any throw.
    func transaction<T: Sendable>(readOnly: Bool, _ body: @escaping @Sendable (PostgresTransaction) throws -> T) async throws -> T {
        let logger = self.logger
        return try await run { connection in
            let tx = PostgresTransaction(connection: connection, logger: logger, readOnly: readOnly)
            try tx.execute(readOnly ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN ISOLATION LEVEL READ COMMITTED")
            let result: T
            do {
                if !readOnly { try tx.execute("SELECT pg_advisory_xact_lock(\(PostgresSchema.writeLock))") }
                result = try body(tx)
            } catch {
                // A connection whose ROLLBACK failed is in an unknown state: never reuse it.
                do { try tx.execute("ROLLBACK") } catch { _ = try? connection.close().wait() }
                throw error
            }
            let tag: String
            do { tag = try tx.execute("COMMIT").metadata.command } catch {
                // Committed or not, nobody can say: the caller sees a failure (no key leaves), and
                // the connection goes.
                _ = try? connection.close().wait()
                throw error
            }
            guard tag == "COMMIT" else {
                throw StorageError(.writeFailed, "the database rolled the transaction back instead of committing it (\(tag))")
            }
            return result
        }
    }
}

extension PostgresStore: BrokerStore {
    public func write<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        try await transaction(readOnly: false) { try body($0) }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        try await transaction(readOnly: true) { try body($0) }
    }
}

extension PostgresSchema {
    /// Refuses a server that does not fsync its WAL (`fsync = off`): its commits would not
    /// survive a crash, and the broker's promise (no key without a durable log entry) with them.
    static func checkDurable(_ connection: PostgresConnection) throws {
        let tx = PostgresTransaction(connection: connection, logger: Logger(label: "leasehold.postgres"), readOnly: true)
        let fsync = try tx.execute("SELECT current_setting('fsync')").first.map { try tx.decode($0, String.self) }
        let commit = try tx.execute("SELECT current_setting('synchronous_commit')").first.map { try tx.decode($0, String.self) }
        guard fsync == "on" else {
            throw StorageError(
                .unavailable,
                "the database server runs with fsync = \(fsync ?? "?"): its commits do not survive a crash; refusing to keep the log there")
        }
        guard commit != "off" else {
            throw StorageError(.unavailable, "synchronous_commit is still off for this session: commits would not be durable when the broker answers")
        }
    }

    /// Applies the migrations this database lacks, in order, in one transaction under the
    /// migration lock; refuses a database that has migrations this build does not know.
    static func migrate(_ connection: PostgresConnection) throws {
        let tx = PostgresTransaction(connection: connection, logger: Logger(label: "leasehold.postgres"), readOnly: false)
        try tx.execute("BEGIN")
        do {
            try tx.execute("SELECT pg_advisory_xact_lock(\(migrationLock))")
            try tx.execute("CREATE TABLE IF NOT EXISTS leasehold_migrations (id text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())")
            let applied = Set(try tx.execute("SELECT id FROM leasehold_migrations").rows.map { try tx.decode($0, String.self) })
            let unknown = applied.subtracting(migrations.map(\.id))
            guard unknown.isEmpty else {
                throw StorageError(
                    .schemaTooNew,
                    "the database has migrations this build does not know (\(unknown.sorted().joined(separator: ", "))): use a newer leasehold")
            }
            for migration in migrations where !applied.contains(migration.id) {
                // One statement per query: the extended protocol takes no scripts.
                for statement in migration.sql.split(separator: ";").map({ $0.trimmingCharacters(in: .whitespacesAndNewlines) })
                where !statement.isEmpty {
                    try tx.execute(PostgresQuery(unsafeSQL: statement))
                }
                try tx.execute("INSERT INTO leasehold_migrations (id) VALUES (\(migration.id))")
            }
            let tag = try tx.execute("COMMIT").metadata.command
            guard tag == "COMMIT" else { throw StorageError(.writeFailed, "the schema migration was rolled back (\(tag))") }
        } catch {
            _ = try? tx.execute("ROLLBACK")
            throw error
        }
    }
}
