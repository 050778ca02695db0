import Foundation

/// The PostgreSQL schema: the same tables as `SQLiteSchema`, in PostgreSQL's types.
///
/// | table          | columns                                                        | why                                   |
/// |----------------|----------------------------------------------------------------|---------------------------------------|
/// | `leasehold_migrations` | `id`, `applied_at`                                     | which migrations ran                  |
/// | `log_meta`     | one row: `origin`, `public_key`, `tree_size`, `frontier`       | the log key and the Merkle frontier   |
/// | `log_entries`  | `seq bigint PRIMARY KEY, entry bytea, leaf_hash bytea`         | the entries, as the exact hashed bytes|
/// | `merkle_nodes` | `level, idx, hash`                                             | perfect subtrees, for O(log n) proofs |
/// | `checkpoints`  | `tree_size bigint PRIMARY KEY, root, note, created_at`         | every signed checkpoint handed out    |
/// | `owners`, `vault_keys`, `leases`, `used_nonces`, `grants` | as in SQLite        | broker state                          |
/// | `grant_evidence` | `digest bytea PRIMARY KEY, record bytea`                     | evidence that decided each grant      |
///
/// Migrations run under an advisory lock, so replicas starting together migrate once. (This
/// backend was born after challenges became self-authenticating, so unlike SQLite it never
/// had a `nonces` table: `used_nonces` is part of v2-broker.)
enum PostgresSchema {
    static let migrations: [(id: String, sql: String)] = [
        (
            "v1-log",
            """
            CREATE TABLE log_meta (
                id integer PRIMARY KEY CHECK (id = 0),
                origin text NOT NULL,
                public_key bytea NOT NULL CHECK (length(public_key) = 32),
                tree_size bigint NOT NULL CHECK (tree_size >= 0),
                frontier bytea NOT NULL
            );
            CREATE TABLE log_entries (
                seq bigint PRIMARY KEY CHECK (seq >= 0),
                entry bytea NOT NULL,
                leaf_hash bytea NOT NULL CHECK (length(leaf_hash) = 32)
            );
            CREATE TABLE merkle_nodes (
                level integer NOT NULL CHECK (level >= 1),
                idx bigint NOT NULL CHECK (idx >= 0),
                hash bytea NOT NULL CHECK (length(hash) = 32),
                PRIMARY KEY (level, idx)
            );
            CREATE TABLE checkpoints (
                tree_size bigint PRIMARY KEY CHECK (tree_size >= 0),
                root bytea NOT NULL CHECK (length(root) = 32),
                note text NOT NULL,
                created_at text NOT NULL
            );
            """
        ),
        (
            "v2-broker",
            """
            CREATE TABLE owners (
                owner text PRIMARY KEY,
                public_key text NOT NULL,
                registered_seq bigint NOT NULL
            );
            CREATE TABLE vault_keys (
                owner text NOT NULL REFERENCES owners(owner),
                key_id text NOT NULL,
                version bigint NOT NULL CHECK (version >= 1),
                sealed bytea NOT NULL,
                PRIMARY KEY (owner, key_id, version)
            );
            CREATE TABLE leases (
                owner text NOT NULL REFERENCES owners(owner),
                lease_id text NOT NULL,
                manifest bytea NOT NULL,
                envelope bytea NOT NULL,
                digest bytea NOT NULL CHECK (length(digest) = 32),
                state text NOT NULL CHECK (state IN ('issued','active','expired','revoked','exhausted','released')),
                not_before bigint NOT NULL,
                not_after bigint NOT NULL,
                max_grants bigint NOT NULL CHECK (max_grants >= 1),
                grants_issued bigint NOT NULL CHECK (grants_issued >= 0 AND grants_issued <= max_grants),
                expiry_recorded boolean NOT NULL,
                issued_seq bigint NOT NULL,
                PRIMARY KEY (owner, lease_id)
            );
            CREATE INDEX leases_pending_expiry ON leases (not_after) WHERE NOT expiry_recorded;
            CREATE TABLE used_nonces (
                nonce bytea PRIMARY KEY,
                owner text NOT NULL,
                lease_id text NOT NULL,
                used_at bigint NOT NULL,
                expires_at bigint NOT NULL
            );
            CREATE INDEX used_nonces_expiry ON used_nonces (expires_at);
            CREATE TABLE grants (
                grant_id text PRIMARY KEY,
                owner text NOT NULL,
                lease_id text NOT NULL,
                seq bigint NOT NULL,
                receipt_key bytea NOT NULL
            );
            """
        ),
        // Row MACs on leases (the broker's RowMAC) and the evidence that decided each grant.
        (
            "v3-verifiable-grants",
            """
            ALTER TABLE leases ADD COLUMN last_seq bigint NOT NULL DEFAULT 0,
                               ADD COLUMN mac bytea NOT NULL DEFAULT ''::bytea;
            CREATE TABLE grant_evidence (
                digest bytea PRIMARY KEY CHECK (length(digest) = 32),
                record bytea NOT NULL
            );
            """
        ),
        // Verified vendor collateral sets, shared by the replicas.
        (
            "v4-collateral",
            """
            CREATE TABLE collateral_cache (
                key text PRIMARY KEY,
                body bytea NOT NULL,
                next_update bigint NOT NULL
            );
            """
        ),
        // Auditor tokens (hashed), for read access to the log and the console.
        (
            "v5-auditors",
            """
            CREATE TABLE auditors (
                name text PRIMARY KEY,
                token_hash bytea NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                created bigint NOT NULL,
                revoked bigint
            );
            """
        ),
    ]

    /// Advisory lock keys (one 64-bit space per database; "Leasehol" in ASCII, plus one).
    static let migrationLock: Int64 = 0x4C65_6173_6568_6F6C
    /// Held by every write transaction: replicas write one at a time, as SQLite's one writer
    /// does. Sweeps are guarded by it too: a second replica's sweep waits, then finds the
    /// expiries already recorded, so each `lease.expired` is written exactly once.
    static let writeLock: Int64 = 0x4C65_6173_6568_6F6D
}
