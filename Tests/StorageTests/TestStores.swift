import Foundation
import Logging
import NIOPosix
import PostgresNIO
@testable import Storage
import Testing
import TransparencyLog

/// The backends the contract suite runs against.
///
/// PostgreSQL runs when LEASEHOLD_TEST_POSTGRES_URL names a database whose user may create
/// databases (`.ci/run` sets it up); each test gets a database of its own. Without it the
/// PostgreSQL cases are not run, unless LEASEHOLD_REQUIRE_POSTGRES=1 (CI), where they fail.
enum Backend: String, CustomStringConvertible, Sendable, CaseIterable {
    case sqlite, postgres
    var description: String { rawValue }

    static var adminURL: String? {
        ProcessInfo.processInfo.environment["LEASEHOLD_TEST_POSTGRES_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }
    static var postgresRequired: Bool { ProcessInfo.processInfo.environment["LEASEHOLD_REQUIRE_POSTGRES"] == "1" }

    /// SQLite always; PostgreSQL when configured or required.
    static var available: [Backend] { adminURL != nil || postgresRequired ? [.sqlite, .postgres] : [.sqlite] }
}

/// A fresh, empty store of one backend, and what is needed to open a second handle on it
/// (a second replica, for PostgreSQL).
final class TestStore: Sendable {
    let backend: Backend
    let store: any BrokerStore
    let location: String
    let cleanup: @Sendable () async -> Void

    init(backend: Backend, store: any BrokerStore, location: String, cleanup: @escaping @Sendable () async -> Void) {
        self.backend = backend; self.store = store; self.location = location; self.cleanup = cleanup
    }

    static func make(_ backend: Backend) async throws -> TestStore {
        switch backend {
        case .sqlite:
            let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-contract-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            let path = dir.appendingPathComponent("leasehold.db").path
            return TestStore(
                backend: backend, store: try SQLiteStore.open(path: path), location: path,
                cleanup: { try? FileManager.default.removeItem(at: dir) })
        case .postgres:
            guard let admin = Backend.adminURL else {
                throw StorageError(.unavailable, "LEASEHOLD_REQUIRE_POSTGRES=1 but LEASEHOLD_TEST_POSTGRES_URL is not set")
            }
            let name = "leasehold_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try await adminSQL(admin, "CREATE DATABASE \(name)")
            var location = try PostgresLocation(url: admin)
            location.database = name
            let url = Self.url(location)
            let store = try await PostgresStore.open(location, connections: 4)
            return TestStore(
                backend: backend, store: store, location: url,
                cleanup: {
                    await store.close()
                    try? await adminSQL(admin, "DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
                })
        }
    }

    /// Another handle on the same database: a second process for SQLite, a second replica
    /// (own connections) for PostgreSQL.
    func reopen() async throws -> any BrokerStore {
        switch backend {
        case .sqlite: return try SQLiteStore.open(path: location)
        case .postgres: return try await PostgresStore.open(try PostgresLocation(url: location), connections: 4)
        }
    }

    static func url(_ l: PostgresLocation) -> String {
        let user = l.user.addingPercentEncoding(withAllowedCharacters: .urlUserAllowed) ?? l.user
        let password = l.password.map { ":" + ($0.addingPercentEncoding(withAllowedCharacters: .urlPasswordAllowed) ?? $0) } ?? ""
        return "postgres://\(user)\(password)@\(l.host):\(l.port)/\(l.database)?sslmode=\(l.tls.rawValue)"
    }

    /// Runs one statement on the admin database (CREATE/DROP DATABASE cannot run in a transaction).
    static func adminSQL(_ url: String, _ sql: String) async throws {
        let l = try PostgresLocation(url: url)
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: l.host, port: l.port, username: l.user, password: l.password, database: l.database, tls: .disable),
            id: 1, logger: Logger(label: "leasehold.test"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "leasehold.test"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }
}

/// Runs `body` with a fresh store of `backend`, always cleaning up.
func withStore(_ backend: Backend, _ body: (TestStore) async throws -> Void) async throws {
    let s = try await TestStore.make(backend)
    do {
        try await body(s)
    } catch {
        await s.cleanup()
        throw error
    }
    await s.cleanup()
}
