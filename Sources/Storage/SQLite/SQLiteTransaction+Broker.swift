import Foundation
import GRDB
import TransparencyLog

extension SQLiteTransaction: BrokerTransaction {
    public func entries(start: UInt64, limit: Int) throws -> [[UInt8]] {
        try Data.fetchAll(
            db.cachedStatement(sql: "SELECT entry FROM log_entries WHERE seq >= ? ORDER BY seq LIMIT ?"),
            arguments: [Int64(clamping: start), limit]
        ).map { [UInt8]($0) }
    }

    /// In-process look-ups with cached statements cost microseconds: one at a time is fine.
    public func subtreeHashes(_ ids: [SubtreePrefetch.ID]) throws -> [SubtreePrefetch.ID: LogHash] {
        var found: [SubtreePrefetch.ID: LogHash] = [:]
        for id in ids { found[id] = try? subtrees.subtreeHash(level: id.level, index: id.index) }
        return found
    }

    public func owner(_ owner: String) throws -> OwnerRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT owner, public_key, registered_seq FROM owners WHERE owner = ?"), arguments: [owner]).map {
            OwnerRecord(owner: $0[0], publicKey: $0[1], registeredSeq: UInt64(($0[2] as Int64)))
        }
    }

    public func insertOwner(_ r: OwnerRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO owners (owner, public_key, registered_seq) VALUES (?, ?, ?)")
            .execute(arguments: [r.owner, r.publicKey, Int64(r.registeredSeq)])
    }

    public func latestVaultKey(owner: String, keyId: String) throws -> VaultKeyRecord? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT version, sealed FROM vault_keys WHERE owner = ? AND key_id = ? ORDER BY version DESC LIMIT 1"),
            arguments: [owner, keyId]
        ).map {
            VaultKeyRecord(owner: owner, keyId: keyId, version: UInt64(($0[0] as Int64)), sealed: [UInt8](($0[1] as Data)))
        }
    }

    public func vaultKey(owner: String, keyId: String, version: UInt64) throws -> VaultKeyRecord? {
        guard let v = Int64(exactly: version) else { return nil }
        return try Row.fetchOne(
            db.cachedStatement(sql: "SELECT sealed FROM vault_keys WHERE owner = ? AND key_id = ? AND version = ?"),
            arguments: [owner, keyId, v]
        ).map {
            VaultKeyRecord(owner: owner, keyId: keyId, version: version, sealed: [UInt8](($0[0] as Data)))
        }
    }

    public func insertVaultKey(_ r: VaultKeyRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO vault_keys (owner, key_id, version, sealed) VALUES (?, ?, ?, ?)")
            .execute(arguments: [r.owner, r.keyId, Int64(r.version), Data(r.sealed)])
    }

    static let leaseColumns =
        "owner, lease_id, manifest, envelope, digest, state, not_before, not_after, max_grants, grants_issued, expiry_recorded, issued_seq, last_seq, mac"

    static func lease(_ row: Row) -> LeaseRecord {
        LeaseRecord(
            owner: row[0], leaseId: row[1], manifest: [UInt8]((row[2] as Data)), envelope: [UInt8]((row[3] as Data)),
            digest: [UInt8]((row[4] as Data)), state: row[5], notBefore: row[6], notAfter: row[7], maxGrants: row[8],
            grantsIssued: row[9], expiryRecorded: (row[10] as Int64) != 0, issuedSeq: UInt64((row[11] as Int64)),
            lastSeq: UInt64(clamping: row[12] as Int64), mac: [UInt8]((row[13] as Data)))
    }

    public func lease(owner: String, leaseId: String) throws -> LeaseRecord? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(Self.leaseColumns) FROM leases WHERE owner = ? AND lease_id = ?"),
            arguments: [owner, leaseId]
        ).map(Self.lease)
    }

    public func insertLease(_ r: LeaseRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO leases (\(Self.leaseColumns)) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [
                r.owner, r.leaseId, Data(r.manifest), Data(r.envelope), Data(r.digest), r.state, r.notBefore, r.notAfter,
                r.maxGrants, r.grantsIssued, r.expiryRecorded ? 1 : 0, Int64(r.issuedSeq), Int64(r.lastSeq), Data(r.mac),
            ])
    }

    public func updateLease(_ r: LeaseRecord) throws {
        try db.cachedStatement(
            sql: "UPDATE leases SET state = ?, grants_issued = ?, expiry_recorded = ?, last_seq = ?, mac = ? WHERE owner = ? AND lease_id = ?"
        )
        .execute(arguments: [r.state, r.grantsIssued, r.expiryRecorded ? 1 : 0, Int64(r.lastSeq), Data(r.mac), r.owner, r.leaseId])
        guard db.changesCount == 1 else { throw StorageError(.notFound, "lease \(r.owner)/\(r.leaseId) does not exist") }
    }

    public func leasesWithoutMAC(limit: Int) throws -> [LeaseRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT \(Self.leaseColumns) FROM leases WHERE length(mac) = 0 LIMIT ?"), arguments: [limit]).map(
            Self.lease)
    }

    public func leasesPastExpiry(now: Int64, limit: Int) throws -> [LeaseRecord] {
        try Row.fetchAll(
            db.cachedStatement(
                sql: "SELECT \(Self.leaseColumns) FROM leases WHERE expiry_recorded = 0 AND not_after <= ? ORDER BY not_after LIMIT ?"),
            arguments: [now, limit]
        ).map(Self.lease)
    }

    public func nonceUsed(_ nonce: [UInt8]) throws -> Bool {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT 1 FROM used_nonces WHERE nonce = ?"), arguments: [Data(nonce)]) != nil
    }

    public func recordNonceUse(_ r: NonceRecord) throws -> Bool {
        try db.cachedStatement(
            sql: "INSERT INTO used_nonces (nonce, owner, lease_id, used_at, expires_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (nonce) DO NOTHING"
        )
        .execute(arguments: [Data(r.nonce), r.owner, r.leaseId, r.usedAt, r.expiresAt])
        return db.changesCount == 1
    }

    public func purgeNonces(before: Int64) throws -> Int {
        try db.cachedStatement(sql: "DELETE FROM used_nonces WHERE expires_at < ?").execute(arguments: [before])
        return db.changesCount
    }

    public func insertGrant(_ r: GrantRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO grants (grant_id, owner, lease_id, seq, receipt_key) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [r.grantId, r.owner, r.leaseId, Int64(r.seq), Data(r.receiptKeySealed)])
    }

    public func grant(_ grantId: String) throws -> GrantRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT owner, lease_id, seq, receipt_key FROM grants WHERE grant_id = ?"), arguments: [grantId]).map
        {
            GrantRecord(grantId: grantId, owner: $0[0], leaseId: $0[1], seq: UInt64(($0[2] as Int64)), receiptKeySealed: [UInt8](($0[3] as Data)))
        }
    }

    public func insertEvidence(digest: [UInt8], record: [UInt8]) throws {
        try db.cachedStatement(sql: "INSERT INTO grant_evidence (digest, record) VALUES (?, ?) ON CONFLICT (digest) DO NOTHING")
            .execute(arguments: [Data(digest), Data(record)])
    }

    public func collateralSet(_ key: String) throws -> [UInt8]? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT body FROM collateral_cache WHERE key = ?"), arguments: [key]).map { [UInt8]($0) }
    }

    public func putCollateralSet(_ key: String, body: [UInt8], nextUpdate: Int64) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO collateral_cache (key, body, next_update) VALUES (?, ?, ?)
                ON CONFLICT (key) DO UPDATE SET body = excluded.body, next_update = excluded.next_update
                WHERE excluded.next_update >= collateral_cache.next_update
                """
        ).execute(arguments: [key, Data(body), nextUpdate])
    }

    public func evidence(digest: [UInt8]) throws -> [UInt8]? {
        try Data.fetchOne(db.cachedStatement(sql: "SELECT record FROM grant_evidence WHERE digest = ?"), arguments: [Data(digest)]).map {
            [UInt8]($0)
        }
    }

    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        var result: T?
        try db.inSavepoint {
            result = try body()
            return .commit
        }
        guard let result else { throw StorageError(.corrupt, "savepoint produced no result") }
        return result
    }
}

extension SQLiteStore: BrokerStore {
    public func write<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        do {
            return try await writer.write { db in try body(SQLiteTransaction(db: db)) }
        } catch let e as DatabaseError {
            if e.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY || e.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE {
                throw StorageError(.conflict, "duplicate: \(e.message ?? e.description)")
            }
            throw StorageError(.writeFailed, "database write failed: \(e.message ?? e.description)")
        }
    }

    public func read<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        do {
            return try await writer.read { db in try body(SQLiteTransaction(db: db)) }
        } catch let e as DatabaseError {
            throw StorageError(.corrupt, "database read failed: \(e.message ?? e.description)")
        }
    }
}
