import Foundation
import PostgresNIO
import TransparencyLog

extension PostgresTransaction: BrokerTransaction {
    public func owner(_ owner: String) throws -> OwnerRecord? {
        try execute("SELECT public_key, registered_seq FROM owners WHERE owner = \(owner)").first.map {
            let (key, seq) = try decode($0, (String, Int64).self)
            return OwnerRecord(owner: owner, publicKey: key, registeredSeq: UInt64(clamping: seq))
        }
    }

    public func insertOwner(_ r: OwnerRecord) throws {
        try execute("INSERT INTO owners (owner, public_key, registered_seq) VALUES (\(r.owner), \(r.publicKey), \(Int64(r.registeredSeq)))")
    }

    public func latestVaultKey(owner: String, keyId: String) throws -> VaultKeyRecord? {
        try execute("SELECT version, sealed FROM vault_keys WHERE owner = \(owner) AND key_id = \(keyId) ORDER BY version DESC LIMIT 1").first.map {
            let (version, sealed) = try decode($0, (Int64, Data).self)
            return VaultKeyRecord(owner: owner, keyId: keyId, version: UInt64(clamping: version), sealed: [UInt8](sealed))
        }
    }

    public func vaultKey(owner: String, keyId: String, version: UInt64) throws -> VaultKeyRecord? {
        guard let v = Int64(exactly: version) else { return nil }
        return try execute("SELECT sealed FROM vault_keys WHERE owner = \(owner) AND key_id = \(keyId) AND version = \(v)").first.map {
            let sealed = try decode($0, Data.self)
            return VaultKeyRecord(owner: owner, keyId: keyId, version: version, sealed: [UInt8](sealed))
        }
    }

    public func insertVaultKey(_ r: VaultKeyRecord) throws {
        try execute("INSERT INTO vault_keys (owner, key_id, version, sealed) VALUES (\(r.owner), \(r.keyId), \(Int64(r.version)), \(Data(r.sealed)))")
    }

    static let leaseColumns =
        "owner, lease_id, manifest, envelope, digest, state, not_before, not_after, max_grants, grants_issued, expiry_recorded, issued_seq, last_seq, mac"

    func leaseRecord(_ row: PostgresRow) throws -> LeaseRecord {
        let (owner, leaseId, manifest, envelope, digest, state, notBefore, notAfter, maxGrants, issued, recorded, seq, lastSeq, mac) =
            try decode(row, (String, String, Data, Data, Data, String, Int64, Int64, Int64, Int64, Bool, Int64, Int64, Data).self)
        return LeaseRecord(
            owner: owner, leaseId: leaseId, manifest: [UInt8](manifest), envelope: [UInt8](envelope), digest: [UInt8](digest),
            state: state, notBefore: notBefore, notAfter: notAfter, maxGrants: maxGrants, grantsIssued: issued,
            expiryRecorded: recorded, issuedSeq: UInt64(clamping: seq), lastSeq: UInt64(clamping: lastSeq), mac: [UInt8](mac))
    }

    public func lease(owner: String, leaseId: String) throws -> LeaseRecord? {
        try execute("SELECT \(unescaped: Self.leaseColumns) FROM leases WHERE owner = \(owner) AND lease_id = \(leaseId)").first.map(leaseRecord)
    }

    public func insertLease(_ r: LeaseRecord) throws {
        try execute(
            """
            INSERT INTO leases (\(unescaped: Self.leaseColumns)) VALUES (\(r.owner), \(r.leaseId), \(Data(r.manifest)), \(Data(r.envelope)),
            \(Data(r.digest)), \(r.state), \(r.notBefore), \(r.notAfter), \(r.maxGrants), \(r.grantsIssued), \(r.expiryRecorded), \(Int64(r.issuedSeq)),
            \(Int64(r.lastSeq)), \(Data(r.mac)))
            """)
    }

    public func updateLease(_ r: LeaseRecord) throws {
        let n = try changes(
            """
            UPDATE leases SET state = \(r.state), grants_issued = \(r.grantsIssued), expiry_recorded = \(r.expiryRecorded),
            last_seq = \(Int64(r.lastSeq)), mac = \(Data(r.mac)) WHERE owner = \(r.owner) AND lease_id = \(r.leaseId)
            """)
        guard n == 1 else { throw StorageError(.notFound, "lease \(r.owner)/\(r.leaseId) does not exist") }
    }

    public func leasesWithoutMAC(limit: Int) throws -> [LeaseRecord] {
        try execute("SELECT \(unescaped: Self.leaseColumns) FROM leases WHERE length(mac) = 0 LIMIT \(Int64(limit))").map(leaseRecord)
    }

    public func leasesPastExpiry(now: Int64, limit: Int) throws -> [LeaseRecord] {
        try execute(
            "SELECT \(unescaped: Self.leaseColumns) FROM leases WHERE NOT expiry_recorded AND not_after <= \(now) ORDER BY not_after LIMIT \(Int64(limit))"
        )
        .map(leaseRecord)
    }

    public func nonceUsed(_ nonce: [UInt8]) throws -> Bool {
        try execute("SELECT 1 FROM used_nonces WHERE nonce = \(Data(nonce))").first != nil
    }

    public func recordNonceUse(_ r: NonceRecord) throws -> Bool {
        try changes(
            "INSERT INTO used_nonces (nonce, owner, lease_id, used_at, expires_at) VALUES (\(Data(r.nonce)), \(r.owner), \(r.leaseId), \(r.usedAt), \(r.expiresAt)) ON CONFLICT (nonce) DO NOTHING"
        ) == 1
    }

    public func purgeNonces(before: Int64) throws -> Int {
        try changes("DELETE FROM used_nonces WHERE expires_at < \(before)")
    }

    public func insertGrant(_ r: GrantRecord) throws {
        try execute(
            "INSERT INTO grants (grant_id, owner, lease_id, seq, receipt_key) VALUES (\(r.grantId), \(r.owner), \(r.leaseId), \(Int64(r.seq)), \(Data(r.receiptKeySealed)))"
        )
    }

    public func grant(_ grantId: String) throws -> GrantRecord? {
        try execute("SELECT owner, lease_id, seq, receipt_key FROM grants WHERE grant_id = \(grantId)").first.map {
            let (owner, leaseId, seq, key) = try decode($0, (String, String, Int64, Data).self)
            return GrantRecord(grantId: grantId, owner: owner, leaseId: leaseId, seq: UInt64(clamping: seq), receiptKeySealed: [UInt8](key))
        }
    }

    public func insertEvidence(digest: [UInt8], record: [UInt8]) throws {
        try execute("INSERT INTO grant_evidence (digest, record) VALUES (\(Data(digest)), \(Data(record))) ON CONFLICT (digest) DO NOTHING")
    }

    public func collateralSet(_ key: String) throws -> [UInt8]? {
        try execute("SELECT body FROM collateral_cache WHERE key = \(key)").first.map { [UInt8](try decode($0, Data.self)) }
    }

    public func putCollateralSet(_ key: String, body: [UInt8], nextUpdate: Int64) throws {
        try execute(
            """
            INSERT INTO collateral_cache (key, body, next_update) VALUES (\(key), \(Data(body)), \(nextUpdate))
            ON CONFLICT (key) DO UPDATE SET body = excluded.body, next_update = excluded.next_update
            WHERE excluded.next_update >= collateral_cache.next_update
            """)
    }

    public func evidence(digest: [UInt8]) throws -> [UInt8]? {
        try execute("SELECT record FROM grant_evidence WHERE digest = \(Data(digest))").first.map { [UInt8](try decode($0, Data.self)) }
    }

    /// PostgreSQL allows savepoints of one name to nest; ROLLBACK TO and RELEASE name the
    /// innermost. After a failed statement only ROLLBACK TO makes the transaction usable again.
    public func savepoint<T>(_ body: () throws -> T) throws -> T {
        try execute("SAVEPOINT leasehold_sp")
        do {
            let result = try body()
            try execute("RELEASE SAVEPOINT leasehold_sp")
            return result
        } catch {
            try execute("ROLLBACK TO SAVEPOINT leasehold_sp")
            try execute("RELEASE SAVEPOINT leasehold_sp")
            throw error
        }
    }
}
