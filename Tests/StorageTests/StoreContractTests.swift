import Foundation
import Testing
@testable import Storage
import TransparencyLog

/// What every `BrokerStore` must do, run against SQLite and PostgreSQL alike: the broker's
/// invariants rest on these, not on either database.
@Suite struct StoreContractTests {
    static let signer = try! NoteSigner(name: "contract.leasehold/log", privateKey: .init())
    static var publicKey: [UInt8] { [UInt8](signer.verifier.publicKey.rawRepresentation) }

    static func entry(_ seq: UInt64, _ prev: LogHash) -> LogEntry {
        LogEntry(
            seq: seq, time: Date(timeIntervalSince1970: 1_800_000_000 + Double(seq)), kind: "test.event", owner: "acme",
            prev: prev, fields: ["n": .int(Int64(seq))])
    }

    static func initialized(_ s: TestStore) async throws {
        let key = publicKey
        try await s.store.write { tx in try tx.initializeLog(origin: signer.name, publicKey: key) }
    }

    /// Audits every entry of the store from its bytes alone: chain, seq and the stored checkpoint.
    static func audit(_ store: any BrokerStore) async throws -> UInt64 {
        let (entries, checkpoint) = try await store.read { tx in (try tx.entries(start: 0, limit: 1_000_000), try tx.latestCheckpoint()) }
        var auditor = try LogAuditor(verifier: signer.verifier, signedCheckpoints: checkpoint.map { [(note: $0.note, source: "stored")] } ?? [])
        for (i, bytes) in entries.enumerated() { _ = try auditor.consume(seq: UInt64(i), bytes: bytes, storedLeafHash: nil) }
        try auditor.finish()
        return auditor.size
    }

    static func lease(_ id: String, notAfter: Int64 = 2_000_000_000, maxGrants: Int64 = 3) -> LeaseRecord {
        LeaseRecord(
            owner: "acme", leaseId: id, manifest: [0, 1, 2, 0xff], envelope: Array("{\"payload\":\"\"}".utf8),
            digest: [UInt8](repeating: 7, count: 32), state: "active", notBefore: 1_700_000_000, notAfter: notAfter,
            maxGrants: maxGrants, grantsIssued: 0, expiryRecorded: false, issuedSeq: 1)
    }

    static func owner(_ tx: any BrokerTransaction) throws {
        try tx.insertOwner(OwnerRecord(owner: "acme", publicKey: "leasehold-owner-pub v1 ed25519 AAAA", registeredSeq: 0))
    }

    @Test(arguments: Backend.available)
    func logAppendsCheckpointsAndProofs(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            try await Self.initialized(s)
            for n in [1, 6, 13] {
                _ = try await s.store.write { tx in
                    try tx.appendLog(count: n, Self.entry, appended: { _ in })
                    return try tx.checkpoint(signer: Self.signer, now: Date())
                }
            }
            let (cp, proofs) = try await s.store.read { tx -> (StoredCheckpoint, [(UInt64, [LogHash], LogHash)]) in
                let cp = try #require(try tx.latestCheckpoint())
                let proofs = try (0..<cp.size).map { i in
                    try tx.withPrefetchedSubtrees { t in
                        (i, try MerkleProofs.inclusionProof(index: i, size: cp.size, t), try t.subtreeHash(level: 0, index: i))
                    }
                }
                return (cp, proofs)
            }
            #expect(cp.size == 20)
            #expect(try Checkpoint(body: Self.signer.verifier.open(cp.note)).root == cp.root)
            // An independent tree over the stored entry bytes: the store's proofs must be its proofs.
            var reference = MemoryTree()
            for bytes in try await s.store.read({ tx in try tx.entries(start: 0, limit: 100) }) { reference.append(leaf: MerkleHash.leaf(bytes)) }
            #expect(reference.root == cp.root)
            for (i, proof, leaf) in proofs {
                #expect(ProofVerification.verifyInclusion(leaf: leaf, index: i, size: cp.size, proof: proof, root: cp.root))
                #expect(proof == (try MerkleProofs.inclusionProof(index: i, size: cp.size, reference)))
            }
            let consistency = try await s.store.read { tx in
                try tx.withPrefetchedSubtrees { t in
                    (try MerkleProofs.consistencyProof(oldSize: 7, newSize: 20, t), try MerkleProofs.root(size: 7, t))
                }
            }
            #expect(ProofVerification.verifyConsistency(oldSize: 7, oldRoot: consistency.1, newSize: 20, newRoot: cp.root, proof: consistency.0))
            #expect(consistency.0 == (try MerkleProofs.consistencyProof(oldSize: 7, newSize: 20, reference)))
            let missing = try await s.store.read { tx in try tx.subtreeHashes([.init(level: 0, index: 999), .init(level: 3, index: 999)]) }
            #expect(missing.isEmpty)
            #expect(try await Self.audit(s.store) == 20)
            let page = try await s.store.read { tx in try tx.entries(start: 18, limit: 10) }
            #expect(page.count == 2)
            #expect(try LogEntry(bytes: page[0]).seq == 18)
        }
    }

    /// Auditor credentials: found by name and by token hash, listed by name, revoked once;
    /// names and hashes are unique.
    @Test(arguments: Backend.available)
    func auditorsAreFoundByHashAndRevokedOnce(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let h1 = [UInt8](repeating: 1, count: 32), h2 = [UInt8](repeating: 2, count: 32)
            try await s.store.write { tx in
                try tx.insertAuditor(AuditorRecord(name: "zed", tokenHash: h2, created: 2_000))
                try tx.insertAuditor(AuditorRecord(name: "alice", tokenHash: h1, created: 1_000))
            }
            let found = try await s.store.read { tx in
                (try tx.auditor(tokenHash: h1), try tx.auditor(name: "zed"), try tx.auditor(tokenHash: [UInt8](repeating: 3, count: 32)))
            }
            #expect(found.0 == AuditorRecord(name: "alice", tokenHash: h1, created: 1_000))
            #expect(found.1?.tokenHash == h2)
            #expect(found.2 == nil)
            #expect(try await s.store.write { tx in try tx.revokeAuditor(name: "alice", at: 5_000) })
            #expect(try await s.store.write { tx in try tx.revokeAuditor(name: "alice", at: 6_000) } == false, "already revoked")
            #expect(try await s.store.write { tx in try tx.revokeAuditor(name: "nobody", at: 6_000) } == false)
            let all = try await s.store.read { tx in try tx.auditors() }
            #expect(all.map(\.name) == ["alice", "zed"])
            #expect(all.map(\.revoked) == [5_000, nil])
            await #expect(throws: (any Error).self, "a name is unique") {
                try await s.store.write { tx in
                    try tx.insertAuditor(AuditorRecord(name: "alice", tokenHash: [UInt8](repeating: 4, count: 32), created: 1))
                }
            }
            await #expect(throws: (any Error).self, "a token hash is unique") {
                try await s.store.write { tx in try tx.insertAuditor(AuditorRecord(name: "bob", tokenHash: h1, created: 1)) }
            }
            await #expect(throws: (any Error).self, "a token hash is 32 bytes") {
                try await s.store.write { tx in try tx.insertAuditor(AuditorRecord(name: "carol", tokenHash: [1], created: 1)) }
            }
        }
    }

    @Test(arguments: Backend.available)
    func aDatabaseIsBoundToOneLogKey(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            try await Self.initialized(s)
            try await Self.initialized(s)  // the same key again: fine
            let other = [UInt8](try NoteSigner(name: Self.signer.name, privateKey: .init()).verifier.publicKey.rawRepresentation)
            await #expect(throws: StorageError.self) {
                try await s.store.write { tx in try tx.initializeLog(origin: Self.signer.name, publicKey: other) }
            }
        }
    }

    @Test(arguments: Backend.available)
    func aThrowingBodyLeavesNothingBehind(_ backend: Backend) async throws {
        struct Boom: Error {}
        try await withStore(backend) { s in
            try await Self.initialized(s)
            await #expect(throws: Boom.self) {
                try await s.store.write { tx in
                    try Self.owner(tx)
                    try tx.appendLog(count: 3, Self.entry, appended: { _ in })
                    throw Boom()
                }
            }
            let (owner, size) = try await s.store.read { tx in (try tx.owner("acme"), try tx.logState()?.frontier.size) }
            #expect(owner == nil)
            #expect(size == 0)
        }
    }

    @Test(arguments: Backend.available)
    func recordsRoundTripExactly(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let lease = Self.lease("l1")
            let nonce = NonceRecord(nonce: [0, 0, 1, 0xfe], owner: "acme", leaseId: "l1", usedAt: 1_800_000_000_123, expiresAt: 1_800_000_060_123)
            let vault = VaultKeyRecord(owner: "acme", keyId: "k1", version: 2, sealed: [0, 9, 0])
            let grant = GrantRecord(grantId: "g-1", owner: "acme", leaseId: "l1", seq: UInt64(Int64.max), receiptKeySealed: [1, 0, 1])
            try await s.store.write { tx in
                try Self.owner(tx)
                try tx.insertVaultKey(VaultKeyRecord(owner: "acme", keyId: "k1", version: 1, sealed: [1]))
                try tx.insertVaultKey(vault)
                try tx.insertLease(lease)
                _ = try tx.recordNonceUse(nonce)
                try tx.insertGrant(grant)
            }
            let got = try await s.store.read { tx in
                (
                    try tx.owner("acme")?.publicKey, try tx.owner("nobody"), try tx.latestVaultKey(owner: "acme", keyId: "k1"),
                    try tx.latestVaultKey(owner: "acme", keyId: "k2"), try tx.lease(owner: "acme", leaseId: "l1"),
                    try tx.nonceUsed(nonce.nonce), try tx.grant("g-1")
                )
            }
            #expect(got.0 == "leasehold-owner-pub v1 ed25519 AAAA")
            #expect(got.1 == nil)
            #expect(got.2 == vault)
            #expect(got.3 == nil)
            #expect(got.4 == lease)
            #expect(got.5)
            #expect(got.6 == grant)
            let versions = try await s.store.read { tx in
                (
                    try tx.vaultKey(owner: "acme", keyId: "k1", version: 1), try tx.vaultKey(owner: "acme", keyId: "k1", version: 2),
                    try tx.vaultKey(owner: "acme", keyId: "k1", version: 3), try tx.vaultKey(owner: "acme", keyId: "k1", version: UInt64.max)
                )
            }
            #expect(versions.0 == VaultKeyRecord(owner: "acme", keyId: "k1", version: 1, sealed: [1]))
            #expect(versions.1 == vault)
            #expect(versions.2 == nil && versions.3 == nil)
            var updated = lease
            updated.state = "exhausted"; updated.grantsIssued = 3; updated.expiryRecorded = true
            updated.lastSeq = UInt64(Int64.max); updated.mac = [UInt8](repeating: 0xA5, count: 32) + [0]
            let final = updated
            try await s.store.write { tx in try tx.updateLease(final) }
            #expect(try await s.store.read { tx in try tx.lease(owner: "acme", leaseId: "l1") } == final)
            await #expect(throws: StorageError.self) {
                try await s.store.write { tx in try tx.updateLease(Self.lease("missing")) }
            }
        }
    }

    @Test(arguments: Backend.available)
    func aDuplicateIsAConflictAndWritesNothing(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            try await s.store.write { tx in
                try Self.owner(tx); try tx.insertLease(Self.lease("l1"))
            }
            do {
                try await s.store.write { tx in
                    try tx.insertVaultKey(VaultKeyRecord(owner: "acme", keyId: "k9", version: 1, sealed: [1]))
                    try tx.insertLease(Self.lease("l1"))
                }
                Issue.record("a duplicate lease id was accepted")
            } catch let e as StorageError {
                #expect(e.code == .conflict)
            }
            #expect(try await s.store.read { tx in try tx.latestVaultKey(owner: "acme", keyId: "k9") } == nil)
        }
    }

    /// Group commit relies on this: one grant failing inside its savepoint (even on a failed
    /// statement) undoes only its own writes, and the rest of the batch commits.
    @Test(arguments: Backend.available)
    func aSavepointUndoesOnlyItsOwnWrites(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            try await Self.initialized(s)
            try await s.store.write { tx in
                try Self.owner(tx)
                try tx.insertLease(Self.lease("l1"))
                _ = try? tx.savepoint {
                    try tx.appendLog(Self.entry)
                    try tx.insertLease(Self.lease("l1"))  // fails in the database
                }
                _ = try tx.savepoint { try tx.insertLease(Self.lease("l2")) }
                try tx.appendLog(Self.entry)
            }
            let (l2, size) = try await s.store.read { tx in (try tx.lease(owner: "acme", leaseId: "l2"), try tx.logState()?.frontier.size) }
            #expect(l2 != nil)
            #expect(size == 1)
            #expect(try await Self.audit(s.store) == 1)
        }
    }

    /// Evidence records are content-addressed: kept once, found by digest, never replaced.
    /// Rows without a MAC (from before row MACs) are listed for adoption, and only they.
    @Test(arguments: Backend.available)
    func evidenceRecordsAndUnsealedRows(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let d1 = [UInt8](repeating: 1, count: 32), d2 = [UInt8](repeating: 2, count: 32)
            var withMAC = Self.lease("sealed")
            withMAC.mac = [UInt8](repeating: 3, count: 32)
            let sealed = withMAC
            let unsealed = Self.lease("unsealed")
            try await s.store.write { tx in
                try Self.owner(tx)
                try tx.insertEvidence(digest: d1, record: [0, 0xff, 0])
                try tx.insertEvidence(digest: d1, record: [9])  // same digest again: a no-op
                try tx.insertLease(sealed)
                try tx.insertLease(unsealed)
            }
            let got = try await s.store.read { tx in (try tx.evidence(digest: d1), try tx.evidence(digest: d2), try tx.leasesWithoutMAC(limit: 10)) }
            #expect(got.0 == [0, 0xff, 0])
            #expect(got.1 == nil)
            #expect(got.2 == [unsealed])
            // Collateral sets: a set valid longer replaces the stored one, never the other way round.
            try await s.store.write { tx in
                try tx.putCollateralSet("intel|tdx", body: [1], nextUpdate: 2_000)
                try tx.putCollateralSet("intel|tdx", body: [2], nextUpdate: 1_000)
            }
            #expect(try await s.store.read { tx in try tx.collateralSet("intel|tdx") } == [1])
            try await s.store.write { tx in try tx.putCollateralSet("intel|tdx", body: [3], nextUpdate: 3_000) }
            #expect(try await s.store.read { tx in (try tx.collateralSet("intel|tdx"), try tx.collateralSet("other")) } == ([3], nil))
            await #expect(throws: (any Error).self, "a digest is 32 bytes") {
                try await s.store.write { tx in try tx.insertEvidence(digest: [1, 2], record: [1]) }
            }
        }
    }

    @Test(arguments: Backend.available)
    func aNonceUseIsRecordedOnceAndPurgedAfterExpiry(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let n1 = NonceRecord(nonce: [1], owner: "acme", leaseId: "l1", usedAt: 1000, expiresAt: 2000)
            let n2 = NonceRecord(nonce: [2], owner: "acme", leaseId: "l1", usedAt: 1000, expiresAt: 5000)
            let before = try await s.store.read { tx in try tx.nonceUsed([1]) }
            let first = try await s.store.write { tx in try tx.recordNonceUse(n1) }
            let again = try await s.store.write { tx in try tx.recordNonceUse(n1) }
            let other = try await s.store.write { tx in try tx.recordNonceUse(n2) }
            let after = try await s.store.read { tx in try tx.nonceUsed([1]) }
            let purged = try await s.store.write { tx in try tx.purgeNonces(before: 3000) }
            let left = try await s.store.read { tx in (try tx.nonceUsed([1]), try tx.nonceUsed([2])) }
            #expect(!before && first && !again && other && after)
            #expect(purged == 1)
            #expect(left == (false, true))
        }
    }

    @Test(arguments: Backend.available)
    func leasesPastExpiryAreOldestFirstAndExcludeRecordedOnes(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            try await s.store.write { tx in
                try Self.owner(tx)
                for (id, t) in [("c", 300), ("a", 100), ("b", 200), ("later", 900)] { try tx.insertLease(Self.lease(id, notAfter: Int64(t))) }
                var recorded = Self.lease("r", notAfter: 50)
                recorded.expiryRecorded = true
                try tx.insertLease(recorded)
            }
            let ids = try await s.store.read { tx in try tx.leasesPastExpiry(now: 300, limit: 10).map(\.leaseId) }
            #expect(ids == ["a", "b", "c"])
            #expect(try await s.store.read { tx in try tx.leasesPastExpiry(now: 300, limit: 2).map(\.leaseId) } == ["a", "b"])
        }
    }

    /// Two handles on one database (two replicas on PostgreSQL) writing at once: no lost update
    /// of a lease's grant count and one unbroken log.
    @Test(arguments: Backend.available)
    func concurrentWritersFromTwoHandlesLoseNothing(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            try await Self.initialized(s)
            try await s.store.write { tx in
                try Self.owner(tx); try tx.insertLease(Self.lease("l1", maxGrants: 1000))
            }
            let second = try await s.reopen()
            let stores: [any BrokerStore] = [s.store, second]
            try await withThrowingTaskGroup(of: Void.self) { group in
                for i in 0..<40 {
                    let store = stores[i % 2]
                    group.addTask {
                        try await store.write { tx in
                            var l = try #require(try tx.lease(owner: "acme", leaseId: "l1"))
                            l.grantsIssued += 1
                            try tx.updateLease(l)
                            try tx.appendLog(Self.entry)
                            _ = try tx.checkpoint(signer: Self.signer, now: Date())
                        }
                    }
                }
                try await group.waitForAll()
            }
            await second.close()
            #expect(try await s.store.read { tx in try tx.lease(owner: "acme", leaseId: "l1")?.grantsIssued } == 40)
            #expect(try await Self.audit(s.store) == 40)
        }
    }

    /// PostgreSQL only: commits must be durable when the broker answers, whatever the
    /// database's default says.
    @Test(arguments: Backend.available.filter { $0 == .postgres })
    func postgresSessionsCommitDurablyWhateverTheDefault(_ backend: Backend) async throws {
        try await withStore(backend) { s in
            let name = try PostgresLocation(url: s.location).database
            try await TestStore.adminSQL(Backend.adminURL!, "ALTER DATABASE \(name) SET synchronous_commit = off")
            let replica = try await s.reopen()  // new connections see the new default
            let setting = try await replica.read { tx in
                let pg = try #require(tx as? PostgresTransaction)
                return try pg.execute("SELECT current_setting('synchronous_commit')").first.map { try pg.decode($0, String.self) }
            }
            await replica.close()
            #expect(setting == "on")
        }
    }
}
