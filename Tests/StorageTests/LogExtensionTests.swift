import Foundation
import GRDB
import Testing
@testable import Storage
import TransparencyLog

/// The check behind the broker's checkpoint floor (CRYPTO-REVIEW H2, attack 3): a tree extends
/// another only if its first leaves are the other's, whatever the store holds.
@Suite struct LogExtensionTests {
    static func leaf(_ tag: String, _ i: Int) -> LogHash { MerkleHash.leaf(Array("\(tag)-\(i)".utf8)) }

    /// Frontiers at every size of a tree, and the tree itself (its subtrees answer the fetches).
    static func tree(_ n: Int, forkAt k: Int = .max) -> (MemoryTree, [CompactRange]) {
        var t = MemoryTree()
        var frontiers = [t.frontier]
        for i in 0..<n {
            t.append(leaf: leaf(i < k ? "a" : "b", i))
            frontiers.append(t.frontier)
        }
        return (t, frontiers)
    }

    /// Every pair of sizes up to 70: a tree extends its own prefixes, and a forked tree's
    /// frontier extends only the sizes before the fork.
    @Test func frontierExtensionMatchesTheTrees() throws {
        let n = 70
        let (a, fa) = Self.tree(n)
        for k in [0, 1, 5, 16, 33, 64] {
            let (_, fb) = Self.tree(n, forkAt: k)
            for l in 0...n {
                for s in 0...n {
                    var fetched = 0
                    let source: ([SubtreePrefetch.ID]) throws -> [SubtreePrefetch.ID: LogHash] = { ids in
                        fetched += ids.count
                        var out = [SubtreePrefetch.ID: LogHash]()
                        for id in ids { out[id] = try a.subtreeHash(level: id.level, index: id.index) }
                        return out
                    }
                    // Old tree from A itself: extended iff l <= s.
                    #expect(try LogExtension.extends(fa[s], fa[l], subtrees: source) == (l <= s), "a[\(l)] -> a[\(s)]")
                    // Old tree from the fork B: A's leaves are B's only below k.
                    let expected = l <= s && l <= k
                    #expect(try LogExtension.extends(fa[s], fb[l], subtrees: source) == expected, "b[\(l)] (fork at \(k)) -> a[\(s)]")
                    #expect(fetched <= 2 * 64)
                }
            }
        }
    }

    /// The usual step (a batch of a few entries) costs a few look-ups, not O(log n).
    @Test func aSmallStepFetchesFewSubtrees() throws {
        let (a, fa) = Self.tree(1100)
        var total = 0, steps = 0
        for l in stride(from: 1, to: 1090, by: 1) {
            var fetched = 0
            _ = try LogExtension.extends(
                fa[l + 2], fa[l],
                subtrees: { ids in
                    fetched += ids.count
                    var out = [SubtreePrefetch.ID: LogHash]()
                    for id in ids { out[id] = try a.subtreeHash(level: id.level, index: id.index) }
                    return out
                })
            total += fetched
            steps += 1
        }
        #expect(Double(total) / Double(steps) < 3, "average look-ups per two-entry step: \(Double(total) / Double(steps))")
    }

    func makeStore(entries: Int, tag: String = "a", signer: NoteSigner) throws -> SQLiteStore {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-ext-\(UUID().uuidString).db").path
        let store = try SQLiteStore.open(path: path)
        try store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: [UInt8](signer.verifier.publicKey.rawRepresentation)) }
        try append(store, entries, tag: tag)
        return store
    }

    func append(_ store: SQLiteStore, _ n: Int, tag: String) throws {
        try store.write { tx in
            try tx.appendLog(
                count: n,
                { seq, prev in
                    LogEntry(
                        seq: seq, time: Date(timeIntervalSince1970: 1_800_000_000), kind: "test.event", owner: tag, prev: prev,
                        fields: ["n": .int(Int64(seq))])
                }, appended: { _ in })
        }
    }

    /// Against a stored checkpoint (what the floor file holds): a consistency proof from the store.
    @Test func aStoredTreeExtendsACheckpointOnlyIfItsPrefixIsTheSame() throws {
        let signer = try NoteSigner(name: "test.leasehold/log", privateKey: .init())
        let store = try makeStore(entries: 13, signer: signer)
        let cp13 = try store.write { tx in try tx.checkpoint(signer: signer, now: Date()) }
        try append(store, 9, tag: "a")
        try store.read { tx in
            let f = try #require(try tx.logState()).frontier
            #expect(try LogExtension.extends(f, size: cp13.size, root: cp13.root, in: tx))
            #expect(try LogExtension.extends(f, size: 0, root: MerkleHash.emptyRoot, in: tx))
            #expect(try !LogExtension.extends(f, size: 23, root: f.root, in: tx))
            #expect(try !LogExtension.extends(f, size: 13, root: MerkleHash.leaf([1]), in: tx))
        }
        // A fork: the same 13 first entries' count, other content, then more.
        let fork = try makeStore(entries: 13, tag: "b", signer: signer)
        try append(fork, 9, tag: "b")
        try fork.read { tx in
            let f = try #require(try tx.logState()).frontier
            #expect(try !LogExtension.extends(f, size: cp13.size, root: cp13.root, in: tx))
        }
    }

    /// `checkpoint(signer:now:check:)` signs nothing when the check throws, and never hands back
    /// a stored checkpoint of another tree of the same size.
    @Test func theCheckRunsBeforeSigning() throws {
        struct Refused: Error {}
        let signer = try NoteSigner(name: "test.leasehold/log", privateKey: .init())
        let store = try makeStore(entries: 5, signer: signer)
        var seen: CompactRange?
        let cp = try store.write { tx in try tx.checkpoint(signer: signer, now: Date(), check: { seen = $0 }) }
        #expect(seen?.size == 5 && seen?.root == cp.root)
        try append(store, 2, tag: "a")
        #expect(throws: Refused.self) { try store.write { tx in try tx.checkpoint(signer: signer, now: Date(), check: { _ in throw Refused() }) } }
        #expect(try store.read { tx in try tx.latestCheckpoint() }?.size == 5)
        // A stored checkpoint of this size whose root is not the frontier's is not handed back.
        let cp7 = try store.write { tx in try tx.checkpoint(signer: signer, now: Date()) }
        try store.writer.writeWithoutTransaction { db in
            try db.execute(sql: "UPDATE checkpoints SET root = ? WHERE tree_size = 7", arguments: [Data(MerkleHash.leaf([9]).bytes)])
        }
        #expect(throws: StorageError.self) { try store.write { tx in try tx.checkpoint(signer: signer, now: Date(), check: { _ in }) } }
        _ = cp7
    }
}
