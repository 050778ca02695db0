import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog

/// Signed requests and receipts are good once. Within their `maxSkew` window a captured request
/// could otherwise be sent again: a replayed `vault.put` would store an old key as the newest
/// version (rolling back a rotation), a replayed receipt would log a second receipt. The broker
/// records each request's digest in the transaction that acts on it and refuses it the second
/// time; the record can go when the request's time window has passed.
enum SingleUse {
    static func record(kind: String, bytes: [UInt8], owner: String, target: String, time: Date, now: Date) -> NonceRecord {
        var h = SHA256()
        h.update(data: Array("leasehold/v1 single-use \(kind)".utf8))
        h.update(data: bytes)
        return NonceRecord(
            nonce: Array(h.finalize()), owner: owner, leaseId: target, usedAt: Broker.millis(now),
            expiresAt: Broker.millis(time.addingTimeInterval(OwnerRequestSigning.maxSkew)))
    }

    /// Records `use` in this transaction; refuses a request whose record is already there.
    static func claim(_ use: NonceRecord, in tx: any BrokerTransaction) throws {
        guard try tx.recordNonceUse(use) else {
            throw BrokerError(.requestReplayed, "this request was already used once; sign a new one")
        }
    }

    /// A signed owner request, keyed by its exact signed payload (which includes its time).
    static func record(_ r: SignedOwnerRequest, fields: [String: JSONValue], owner: String, target: String, now: Date) -> NonceRecord {
        let time = fields["time"]?.stringValue.flatMap(RFC3339.parse) ?? now
        return record(kind: "owner-request", bytes: Array(r.payload.utf8), owner: owner, target: target, time: time, now: now)
    }
}
