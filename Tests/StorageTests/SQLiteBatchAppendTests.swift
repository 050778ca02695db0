import Foundation
import GRDB
import Testing
@testable import Storage
import TransparencyLog

/// `appendLog(count:_:)` must store exactly what as many `appendLog(_:)` calls store, and
/// leave the log consistent when an entry fails part-way.
@Suite struct SQLiteBatchAppendTests {
    let dir: URL
    let signer: NoteSigner

    init() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-batch-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        signer = try NoteSigner(name: "test.leasehold/log", privateKey: .init())
    }

    func open(_ name: String) throws -> SQLiteStore {
        let store = try SQLiteStore.open(path: dir.appendingPathComponent(name).path)
        try store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: [UInt8](signer.verifier.publicKey.rawRepresentation)) }
        return store
    }

    static func entry(_ seq: UInt64, _ prev: LogHash) -> LogEntry {
        LogEntry(
            seq: seq, time: Date(timeIntervalSince1970: 1_800_000_000 + Double(seq)), kind: "test.event", owner: "acme",
            prev: prev, fields: ["n": .int(Int64(seq))])
    }

    func dump(_ store: SQLiteStore) throws -> [[String]] {
        try store.read { tx in
            try [
                "SELECT seq, hex(entry), hex(leaf_hash) FROM log_entries ORDER BY seq",
                "SELECT level, idx, hex(hash) FROM merkle_nodes ORDER BY level, idx",
                "SELECT tree_size, hex(frontier) FROM log_meta",
            ].map { sql in
                try Row.fetchAll(tx.db, sql: sql).map { $0.description }
            }
        }
    }

    @Test func aBatchStoresWhatSingleAppendsStore() throws {
        let single = try open("single.db"), batched = try open("batched.db")
        for counts in [[1, 2, 3], [13], [7, 1, 9]] {
            for n in counts {
                try single.write { tx in for _ in 0..<n { try tx.appendLog(Self.entry) } }
                var seen: [UInt64] = []
                try batched.write { tx in try tx.appendLog(count: n, Self.entry, appended: { seen.append($0.seq) }) }
                #expect(seen.count == n)
            }
        }
        #expect(try dump(single) == dump(batched))
        #expect(try batched.read { tx in try tx.auditLog(trustedKey: signer.verifier) }.entries == 36)
    }

    @Test func aBatchThatFailsPartWayLeavesAConsistentLog() throws {
        let store = try open("partial.db")
        struct Boom: Error {}
        _ = try store.write { tx in
            #expect(throws: Boom.self) {
                try tx.appendLog(count: 10) { seq, prev in
                    if seq == 4 { throw Boom() }
                    return Self.entry(seq, prev)
                }
            }
            // The caller caught the error and commits: the four entries stored so far count.
        }
        #expect(try store.read { tx in try tx.logState()!.frontier.size } == 4)
        #expect(try store.read { tx in try tx.auditLog(trustedKey: signer.verifier) }.entries == 4)
        try store.write { tx in try tx.appendLog(count: 3, Self.entry) }
        #expect(try store.read { tx in try tx.auditLog(trustedKey: signer.verifier) }.entries == 7)
    }
}
