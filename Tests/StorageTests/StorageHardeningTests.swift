import Foundation
import Testing
@testable import Storage
import TransparencyLog

/// SECURITY-REVIEW-2026-12, L3 and L5.
@Suite struct StorageHardeningTests {
    /// L3: the database and its WAL files are private to the broker's user, even in a
    /// directory others can read, and an existing loose file is tightened.
    @Test func theSQLiteFilesAreCreated0600() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-mode-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("leasehold.db").path
        let store = try SQLiteStore.open(path: path)
        try store.write { tx in try tx.initializeLog(origin: "test.leasehold/log", publicKey: [UInt8](repeating: 1, count: 32)) }
        for file in [path, path + "-wal", path + "-shm"] where FileManager.default.fileExists(atPath: file) {
            let mode = try #require(FileManager.default.attributesOfItem(atPath: file)[.posixPermissions] as? Int)
            #expect(mode & 0o077 == 0, "\(file) has mode \(String(mode, radix: 8))")
        }
        let loose = dir.appendingPathComponent("loose.db").path
        FileManager.default.createFile(atPath: loose, contents: nil, attributes: [.posixPermissions: 0o644])
        _ = try SQLiteStore.open(path: loose)
        #expect((try FileManager.default.attributesOfItem(atPath: loose)[.posixPermissions] as? Int) == 0o600)
    }

    /// CRYPTO-REVIEW L3: the writer refuses an entry member name outside [a-z][A-Za-z0-9]*,
    /// and the transaction writes nothing.
    @Test func theLogWriterRefusesMemberNamesOutsideTheGrammar() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-names-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = try SQLiteStore.open(path: dir.appendingPathComponent("l.db").path)
        try store.write { tx in try tx.initializeLog(origin: "test.leasehold/log", publicKey: [UInt8](repeating: 1, count: 32)) }
        #expect(throws: StorageError.self) {
            try store.write { tx in
                try tx.appendLog { seq, prev in
                    LogEntry(seq: seq, time: Date(), kind: "receipt", prev: prev, fields: ["\u{212A}ind": .string("key.granted")])
                }
            }
        }
        #expect(try store.read { tx in try tx.logState()?.frontier.size } == 0)
    }

    /// L5: only loopback IP literals skip TLS; any name goes through DNS and gets verify-full.
    @Test(arguments: [
        ("127.0.0.1", true), ("127.1.2.3", true), ("::1", true), ("[::1]", true),
        ("127.db.example.com", false), ("127.0.0.1.nip.io", false), ("localhost", false), ("127.0.0.256", false),
        ("127.0.0", false), ("10.0.0.1", false), ("0127.0.0.1", false), ("127.00001.0.1", false),
    ])
    func loopbackMeansAnIPLiteral(_ host: String, _ loopback: Bool) throws {
        #expect(PostgresLocation.isLoopback(host) == loopback)
        let location = try PostgresLocation(url: "postgres://u:pw@\(host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host):5432/db")
        #expect(location.tls == (loopback ? .disable : .verifyFull))
    }
}
