import GRDB

/// The SQLite schema, one migration per change. Auditors read it in README.md.
///
/// | table          | columns                                                        | why                                   |
/// |----------------|----------------------------------------------------------------|---------------------------------------|
/// | `log_meta`     | one row: `origin`, `public_key`, `tree_size`, `frontier`       | the log key and the Merkle frontier   |
/// | `log_entries`  | `seq INTEGER PRIMARY KEY, entry BLOB, leaf_hash BLOB`          | the entries, as the exact hashed bytes|
/// | `merkle_nodes` | `level, idx, hash`                                             | perfect subtrees, for O(log n) proofs |
/// | `checkpoints`  | `tree_size INTEGER PRIMARY KEY, root BLOB, note TEXT, created_at` | every signed checkpoint handed out |
enum SQLiteSchema {
    static let migrator: DatabaseMigrator = {
        var m = DatabaseMigrator()
        m.registerMigration("v1-log") { db in
            try db.execute(sql: """
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
        return m
    }()
}
