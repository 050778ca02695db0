import Crypto
import Foundation
import TransparencyLog

/// The broker's storage, independent of the database behind it: `SQLite/` (one process, the
/// embedded default) and `Postgres/` (several replicas on one database) implement the same two
/// protocols, and one contract suite (StorageTests) runs against both.
///
/// Work is expressed as synchronous transaction bodies: `write` runs the body in one
/// database transaction and commits it durably before returning; any throw rolls all of it
/// back. This keeps every invariant ("a grant and its log entry commit together") in one
/// place, the body, whatever the backend.
public protocol BrokerStore: Sendable {
    func write<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T
    func read<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T
    /// Releases connections and threads; the store is unusable afterwards.
    func close() async
}

extension BrokerStore {
    public func close() async {}
}

/// What a transaction body can do. Only valid inside the body that received it.
public protocol BrokerTransaction {
    // Log.
    func initializeLog(origin: String, publicKey: [UInt8]) throws
    func logState() throws -> LogState?
    /// Appends `count` entries inside this transaction, reading and writing the log's state
    /// once (`LogWriter.append`). `build` receives each entry's seq and the previous entry's
    /// leaf hash; nothing becomes visible, or durable, until the transaction commits.
    func appendLog(count: Int, _ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry, appended: (AppendedEntry) throws -> Void) throws
    func checkpoint(signer: NoteSigner, now: Date) throws -> StoredCheckpoint
    func latestCheckpoint() throws -> StoredCheckpoint?
    func entries(start: UInt64, limit: Int) throws -> [[UInt8]]
    /// The subtree hashes named, in one batch where the backend can (see `SubtreePrefetch`);
    /// absent ones are left out.
    func subtreeHashes(_ ids: [SubtreePrefetch.ID]) throws -> [SubtreePrefetch.ID: LogHash]

    // Owners and vault.
    func owner(_ owner: String) throws -> OwnerRecord?
    func insertOwner(_ record: OwnerRecord) throws
    func latestVaultKey(owner: String, keyId: String) throws -> VaultKeyRecord?
    /// One version of a vault key: a lease releases the versions current when it was issued.
    func vaultKey(owner: String, keyId: String, version: UInt64) throws -> VaultKeyRecord?
    func insertVaultKey(_ record: VaultKeyRecord) throws

    // Leases.
    func lease(owner: String, leaseId: String) throws -> LeaseRecord?
    func insertLease(_ record: LeaseRecord) throws
    func updateLease(_ record: LeaseRecord) throws
    /// Leases past `notAfter` (Unix seconds, inclusive) whose expiry is not yet recorded,
    /// oldest first: served by a partial index, so the cost is O(expired), not O(leases).
    func leasesPastExpiry(now: Int64, limit: Int) throws -> [LeaseRecord]
    /// Leases whose row has no MAC yet (written before row MACs), for the broker's one-time
    /// adoption at upgrade.
    func leasesWithoutMAC(limit: Int) throws -> [LeaseRecord]

    // Nonces and grants.
    /// Whether a grant request already named this nonce.
    func nonceUsed(_ nonce: [UInt8]) throws -> Bool
    /// Records the first use of a nonce; false (and nothing written) if it was already used.
    func recordNonceUse(_ record: NonceRecord) throws -> Bool
    /// Deletes used nonces that expired before `before` (Unix ms); returns how many.
    func purgeNonces(before: Int64) throws -> Int
    func insertGrant(_ record: GrantRecord) throws
    func grant(_ grantId: String) throws -> GrantRecord?
    /// Keeps the record of the evidence that decided a grant under its SHA-256 (`digest`):
    /// content-addressed, so a second insert of the same bytes is a no-op.
    func insertEvidence(digest: [UInt8], record: [UInt8]) throws
    func evidence(digest: [UInt8]) throws -> [UInt8]?

    // Vendor collateral, shared by replicas (the Collateral module's verified sets).
    func collateralSet(_ key: String) throws -> [UInt8]?
    /// Stores a set unless the one stored is valid longer (`nextUpdate`, Unix seconds).
    func putCollateralSet(_ key: String, body: [UInt8], nextUpdate: Int64) throws

    // Auditor credentials (read-only access to the log over HTTP); not log entries: they
    // decide who may read the record, not anything about keys.
    func insertAuditor(_ record: AuditorRecord) throws
    func auditor(name: String) throws -> AuditorRecord?
    func auditor(tokenHash: [UInt8]) throws -> AuditorRecord?
    /// Every auditor, by name.
    func auditors() throws -> [AuditorRecord]
    /// Marks a working token revoked at `at`; false if there is none of that name or it was
    /// already revoked.
    func revokeAuditor(name: String, at: Int64) throws -> Bool

    /// Runs `body` in a savepoint: if it throws, only its own writes are undone. Group commit
    /// uses this so that one failing grant in a batch does not undo the others.
    func savepoint<T>(_ body: () throws -> T) throws -> T
}

extension BrokerTransaction {
    /// Appends one entry: `appendLog(count: 1, …)`.
    @discardableResult
    public func appendLog(_ build: (_ seq: UInt64, _ prev: LogHash) throws -> LogEntry) throws -> AppendedEntry {
        var appended: AppendedEntry?
        try appendLog(count: 1, build, appended: { appended = $0 })
        guard let appended else { throw StorageError(.corrupt, "append produced no entry") }
        return appended
    }
}

extension BrokerTransaction {
    /// The log key as recorded in the database, whatever the backend.
    public func storedVerifier() throws -> NoteVerifier {
        guard let state = try logState() else { throw StorageError(.noLogKey, "the database has no log key: nothing was ever logged") }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: state.publicKey) else {
            throw StorageError(.corrupt, "log_meta holds a public key that is not Ed25519")
        }
        return NoteVerifier(name: state.origin, publicKey: key)
    }

    /// Runs proof generation with its O(log n) subtree hashes fetched in one batch.
    public func withPrefetchedSubtrees<T>(_ proof: (SubtreePrefetch.Table) throws -> T) throws -> T {
        try SubtreePrefetch.run(proof, fetch: subtreeHashes)
    }
}
