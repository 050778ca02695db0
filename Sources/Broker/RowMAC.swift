import Crypto
import Foundation
import LeaseholdAPI
import Storage
import Synchronization

/// The second half of "signed data decides" (CRYPTO-REVIEW-2026-12, H1): the lease columns no
/// owner signature covers (`state`, `grantsIssued`, `expiryRecorded`, and `lastSeq`, the entry
/// that last changed them) carry an HMAC-SHA256 under a key derived from the root key
/// (`RootKey.rowMACKey`), over the row's identity and every column. Someone who can write only
/// the database cannot make a row the broker accepts: a reset counter, an un-revoked lease, a
/// row copied onto another lease id all fail with `state-invalid`, and nothing is released.
///
/// A MAC cannot tell an old row from a current one, so a database writer could put back a
/// row the broker itself wrote earlier (a counter from before the last grants). Two things
/// answer that: every process remembers the highest `lastSeq` it saw per lease and refuses a
/// row below it (`highWater`), and the log itself records every grant, so `audit verify`
/// reports any grant beyond `maxGrants` or after an end however the row was rolled back.
/// Used nonces get no MAC: the attack on them is deletion, which no MAC shows; the log shows
/// a nonce used twice instead (`nonce` in every grant entry, checked by the auditor).
final class RowMAC: Sendable {
    private let key: SymmetricKey
    private let seen = Mutex([String: UInt64]())
    /// Far above the leases a broker touches between restarts; emptied when full, which only
    /// loses the in-process rollback check (the audit still has it).
    private let capacity = 500_000

    init(key: SymmetricKey) { self.key = key }

    /// The MAC of `r` as it is now (see `macInput`).
    func mac(_ r: LeaseRecord) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: macInput(r), using: key))
    }

    /// `r` with its MAC set, after a change the entry at `seq` recorded. The process's mark
    /// moves only once that change has committed (`committed`): a transaction that rolls back
    /// must not leave the mark ahead of the database, or every later grant would look rolled back.
    func sealed(_ r: LeaseRecord, lastSeq seq: UInt64) -> LeaseRecord {
        var r = r
        r.lastSeq = seq
        r.mac = mac(r)
        return r
    }

    /// A change to the lease, recorded by the entry at `seq`, has committed.
    func committed(owner: String, leaseId: String, lastSeq seq: UInt64) {
        note(name: "\(owner)/\(leaseId)", seq)
    }

    /// Throws `state-invalid` for a row whose MAC fails, or, when `current` (read under the
    /// write lock, as a commit does), that is older than one this process saw for the same
    /// lease. A row read outside the write lock may be legitimately older: another grant can
    /// commit between that read and this check.
    func check(_ r: LeaseRecord, current: Bool) throws(BrokerError) {
        let name = "\(r.owner)/\(r.leaseId)"
        guard r.mac.count == SHA256.byteCount, HMAC<SHA256>.isValidAuthenticationCode(r.mac, authenticating: macInput(r), using: key) else {
            throw BrokerError(
                .stateInvalid,
                "the database does not match the signed record: lease \(name)'s row fails its MAC (state, counters or identity were changed outside the broker); nothing was released (see the operator's log)"
            )
        }
        guard current else { return }
        let known = seen.withLock { $0[name] ?? 0 }
        guard r.lastSeq >= known else {
            throw BrokerError(
                .stateInvalid,
                "the database does not match the signed record: lease \(name)'s row was rolled back (it reflects entry \(r.lastSeq), this broker already wrote entry \(known) for it); nothing was released (see the operator's log)"
            )
        }
        note(name: name, r.lastSeq)
    }

    private func note(name: String, _ seq: UInt64) {
        seen.withLock {
            if $0.count >= capacity { $0.removeAll(keepingCapacity: true) }
            $0[name] = max($0[name] ?? 0, seq)
        }
    }

    /// What the MAC covers: the row's identity, the signed-data columns and the mutable ones,
    /// each length-prefixed or fixed-width so no two rows share an input.
    private func macInput(_ r: LeaseRecord) -> [UInt8] {
        var out = [UInt8]()
        func put(_ bytes: [UInt8]) {
            withUnsafeBytes(of: UInt64(bytes.count).bigEndian) { out += $0 }
            out += bytes
        }
        func put(_ n: Int64) { withUnsafeBytes(of: UInt64(bitPattern: n).bigEndian) { out += $0 } }
        put(Array("leasehold/v1 lease row".utf8))
        put(Array(r.owner.utf8)); put(Array(r.leaseId.utf8)); put(r.digest)
        put(Array(r.state.utf8)); put(r.notBefore); put(r.notAfter); put(r.maxGrants); put(r.grantsIssued)
        put(r.expiryRecorded ? 1 : 0); put(Int64(bitPattern: r.issuedSeq)); put(Int64(bitPattern: r.lastSeq))
        return out
    }
}
