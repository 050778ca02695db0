import Foundation
import PostgresNIO

extension PostgresTransaction {
    public func insertAuditor(_ r: AuditorRecord) throws {
        try execute("INSERT INTO auditors (name, token_hash, created, revoked) VALUES (\(r.name), \(Data(r.tokenHash)), \(r.created), \(r.revoked))")
    }

    public func auditor(name: String) throws -> AuditorRecord? {
        try execute("SELECT name, token_hash, created, revoked FROM auditors WHERE name = \(name)").first.map(auditorRecord)
    }

    public func auditor(tokenHash: [UInt8]) throws -> AuditorRecord? {
        try execute("SELECT name, token_hash, created, revoked FROM auditors WHERE token_hash = \(Data(tokenHash))").first.map(auditorRecord)
    }

    public func auditors() throws -> [AuditorRecord] {
        try execute("SELECT name, token_hash, created, revoked FROM auditors ORDER BY name COLLATE \"C\"").map(auditorRecord)
    }

    public func revokeAuditor(name: String, at: Int64) throws -> Bool {
        !(try execute("UPDATE auditors SET revoked = \(at) WHERE name = \(name) AND revoked IS NULL RETURNING name")).isEmpty
    }

    func auditorRecord(_ row: PostgresRow) throws -> AuditorRecord {
        let (name, hash, created, revoked) = try decode(row, (String, Data, Int64, Int64?).self)
        return AuditorRecord(name: name, tokenHash: [UInt8](hash), created: created, revoked: revoked)
    }
}
