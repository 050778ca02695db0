import GRDB

/// The SQLite schema, one migration per change. Auditors read it in README.md.
///
/// | table          | columns                                                        | why                                   |
/// |----------------|----------------------------------------------------------------|---------------------------------------|
/// | `log_meta`     | one row: `origin`, `public_key`, `tree_size`, `frontier`       | the log key and the Merkle frontier   |
/// | `log_entries`  | `seq INTEGER PRIMARY KEY, entry BLOB, leaf_hash BLOB`          | the entries, as the exact hashed bytes|
/// | `merkle_nodes` | `level, idx, hash`                                             | perfect subtrees, for O(log n) proofs |
/// | `checkpoints`  | `tree_size INTEGER PRIMARY KEY, root BLOB, note TEXT, created_at` | every signed checkpoint handed out |
/// | `owners`       | `owner, public_key, registered_seq`                            | registered data owners                |
/// | `vault_keys`   | `owner, key_id, version, sealed`                               | data keys sealed under the root key   |
/// | `leases`       | `owner, lease_id, manifest, envelope, digest, state, not_before, not_after, max_grants, grants_issued, expiry_recorded, issued_seq` | lease state; partial index on pending expiry |
/// | `used_nonces`  | `nonce, owner, lease_id, used_at, expires_at`                  | challenges already used (single use)  |
/// | `grants`       | `grant_id, owner, lease_id, seq, receipt_key`                  | grants, for receipts and release      |
enum SQLiteSchema {
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1-log") { db in
            try db.execute(
                sql: """
                    CREATE TABLE log_meta (
                        id INTEGER PRIMARY KEY CHECK (id = 0),
                        origin TEXT NOT NULL,
                        public_key BLOB NOT NULL CHECK (length(public_key) = 32),
                        tree_size INTEGER NOT NULL CHECK (tree_size >= 0),
                        frontier BLOB NOT NULL
                    ) STRICT;
                    CREATE TABLE log_entries (
                        seq INTEGER PRIMARY KEY CHECK (seq >= 0),
                        entry BLOB NOT NULL,
                        leaf_hash BLOB NOT NULL CHECK (length(leaf_hash) = 32)
                    ) STRICT;
                    CREATE TABLE merkle_nodes (
                        level INTEGER NOT NULL CHECK (level >= 1),
                        idx INTEGER NOT NULL CHECK (idx >= 0),
                        hash BLOB NOT NULL CHECK (length(hash) = 32),
                        PRIMARY KEY (level, idx)
                    ) STRICT, WITHOUT ROWID;
                    CREATE TABLE checkpoints (
                        tree_size INTEGER PRIMARY KEY CHECK (tree_size >= 0),
                        root BLOB NOT NULL CHECK (length(root) = 32),
                        note TEXT NOT NULL,
                        created_at TEXT NOT NULL
                    ) STRICT;
                    """)
        }
        m.registerMigration("v2-broker") { db in
            try db.execute(
                sql: """
                    CREATE TABLE owners (
                        owner TEXT PRIMARY KEY,
                        public_key TEXT NOT NULL,
                        registered_seq INTEGER NOT NULL
                    ) STRICT;
                    CREATE TABLE vault_keys (
                        owner TEXT NOT NULL REFERENCES owners(owner),
                        key_id TEXT NOT NULL,
                        version INTEGER NOT NULL CHECK (version >= 1),
                        sealed BLOB NOT NULL,
                        PRIMARY KEY (owner, key_id, version)
                    ) STRICT;
                    CREATE TABLE leases (
                        owner TEXT NOT NULL REFERENCES owners(owner),
                        lease_id TEXT NOT NULL,
                        manifest BLOB NOT NULL,
                        envelope BLOB NOT NULL,
                        digest BLOB NOT NULL CHECK (length(digest) = 32),
                        state TEXT NOT NULL CHECK (state IN ('issued','active','expired','revoked','exhausted','released')),
                        not_before INTEGER NOT NULL,
                        not_after INTEGER NOT NULL,
                        max_grants INTEGER NOT NULL CHECK (max_grants >= 1),
                        grants_issued INTEGER NOT NULL CHECK (grants_issued >= 0 AND grants_issued <= max_grants),
                        expiry_recorded INTEGER NOT NULL CHECK (expiry_recorded IN (0, 1)),
                        issued_seq INTEGER NOT NULL,
                        PRIMARY KEY (owner, lease_id)
                    ) STRICT;
                    CREATE INDEX leases_pending_expiry ON leases (not_after) WHERE expiry_recorded = 0;
                    CREATE TABLE nonces (
                        nonce BLOB PRIMARY KEY,
                        owner TEXT NOT NULL,
                        lease_id TEXT NOT NULL,
                        issued_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL,
                        consumed INTEGER NOT NULL CHECK (consumed IN (0, 1))
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX nonces_expiry ON nonces (expires_at);
                    CREATE TABLE grants (
                        grant_id TEXT PRIMARY KEY,
                        owner TEXT NOT NULL,
                        lease_id TEXT NOT NULL,
                        seq INTEGER NOT NULL,
                        receipt_key BLOB NOT NULL
                    ) STRICT;
                    """)
        }
        // Challenges authenticate themselves (ChallengeToken); only a nonce's first use is stored.
        m.registerMigration("v3-used-nonces") { db in
            try db.execute(
                sql: """
                    DROP TABLE nonces;
                    CREATE TABLE used_nonces (
                        nonce BLOB PRIMARY KEY,
                        owner TEXT NOT NULL,
                        lease_id TEXT NOT NULL,
                        used_at INTEGER NOT NULL,
                        expires_at INTEGER NOT NULL
                    ) STRICT, WITHOUT ROWID;
                    CREATE INDEX used_nonces_expiry ON used_nonces (expires_at);
                    """)
        }
        // Row MACs on leases (the broker's RowMAC) and the evidence that decided each grant,
        // content-addressed, for `audit export` and `audit verify --evidence`.
        m.registerMigration("v4-verifiable-grants") { db in
            try db.execute(
                sql: """
                    ALTER TABLE leases ADD COLUMN last_seq INTEGER NOT NULL DEFAULT 0;
                    ALTER TABLE leases ADD COLUMN mac BLOB NOT NULL DEFAULT x'';
                    CREATE TABLE grant_evidence (
                        digest BLOB PRIMARY KEY CHECK (length(digest) = 32),
                        record BLOB NOT NULL
                    ) STRICT;
                    """)
        }
        // Verified vendor collateral sets, so a restart does not wait on Intel.
        m.registerMigration("v5-collateral") { db in
            try db.execute(
                sql: """
                    CREATE TABLE collateral_cache (
                        key TEXT PRIMARY KEY,
                        body BLOB NOT NULL,
                        next_update INTEGER NOT NULL
                    ) STRICT;
                    """)
        }
        // Auditor tokens (hashed), for read access to the log and the console.
        m.registerMigration("v6-auditors") { db in
            try db.execute(
                sql: """
                    CREATE TABLE auditors (
                        name TEXT PRIMARY KEY,
                        token_hash BLOB NOT NULL UNIQUE CHECK (length(token_hash) = 32),
                        created INTEGER NOT NULL,
                        revoked INTEGER
                    ) STRICT;
                    """)
        }
        return m
    }()
}
