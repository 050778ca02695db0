import Foundation
import GRDB

extension SQLiteTransaction {
    public func insertAuditor(_ r: AuditorRecord) throws {
        try db.cachedStatement(sql: "INSERT INTO auditors (name, token_hash, created, revoked) VALUES (?, ?, ?, ?)")
            .execute(arguments: [r.name, Data(r.tokenHash), r.created, r.revoked])
    }

    public func auditor(name: String) throws -> AuditorRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT name, token_hash, created, revoked FROM auditors WHERE name = ?"), arguments: [name])
            .map(Self.auditorRecord)
    }

    public func auditor(tokenHash: [UInt8]) throws -> AuditorRecord? {
        try Row.fetchOne(
            db.cachedStatement(sql: "SELECT name, token_hash, created, revoked FROM auditors WHERE token_hash = ?"),
            arguments: [Data(tokenHash)]
        ).map(Self.auditorRecord)
    }

    public func auditors() throws -> [AuditorRecord] {
        try Row.fetchAll(db.cachedStatement(sql: "SELECT name, token_hash, created, revoked FROM auditors ORDER BY name")).map(Self.auditorRecord)
    }

    public func revokeAuditor(name: String, at: Int64) throws -> Bool {
        try db.cachedStatement(sql: "UPDATE auditors SET revoked = ? WHERE name = ? AND revoked IS NULL").execute(arguments: [at, name])
        return db.changesCount > 0
    }

    static func auditorRecord(_ row: Row) -> AuditorRecord {
        AuditorRecord(name: row[0], tokenHash: [UInt8](row[1] as Data), created: row[2], revoked: row[3])
    }
}
