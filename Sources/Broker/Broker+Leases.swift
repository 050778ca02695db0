import Codecs
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog

extension Broker {
    /// Issues a lease from an owner-signed DSSE envelope. Refuses an unknown owner, a bad
    /// signature, a duplicate lease id, keys not in the owner's vault, and a window already past.
    public func issueLease(envelope: [UInt8]) async throws(BrokerError) -> LeaseStatus {
        guard envelope.count <= Self.maximumEnvelopeBytes else {
            throw BrokerError(
                .manifestInvalid,
                "the envelope is \(envelope.count) bytes; a lease envelope is at most \(Self.maximumEnvelopeBytes) (it is kept in the log)")
        }
        // Strict JSON, never YAML: this body arrives unauthenticated (see DSSEEnvelope).
        let env: DSSEEnvelope
        do { env = try DSSEEnvelope(json: envelope) } catch { throw BrokerError(.manifestInvalid, "envelope: \(error)") }
        // The signature is checked before the manifest is read: only the claimed owner's name
        // is taken from the payload first (strict canonical JSON, linear in its length), to
        // pick the one key that must have signed it.
        let claimedOwner: String
        do { claimedOwner = try ManifestEnvelope.claimedOwner(env) } catch { throw BrokerError(.manifestInvalid, "manifest: \(error)") }
        try Self.checkName(claimedOwner, what: "owner")
        let key = try await ownerKey(claimedOwner)
        let verified: ManifestEnvelope.Verified
        do { verified = try ManifestEnvelope.verify(env, trustedKeys: [key]) } catch {
            if error.path.hasPrefix("signatures") || error.path == "payloadType" {
                throw BrokerError(.signatureInvalid, "the manifest is not signed by \(claimedOwner)'s registered key: \(error)")
            }
            throw BrokerError(.manifestInvalid, "manifest: \(error)")
        }
        let m = verified.manifest
        let now = self.now
        guard m.owner == claimedOwner else { throw BrokerError(.manifestInvalid, "the manifest names owner \(m.owner), not \(claimedOwner)") }
        if let audience = m.broker, audience != logVerifierKey {
            throw BrokerError(
                .manifestInvalid, "the manifest is addressed to another broker (broker: \(audience)); this broker's log key is \(logVerifierKey)")
        }
        if let deadline = m.issueBefore, ManifestTime.seconds(now) >= deadline {
            throw BrokerError(.manifestInvalid, "the manifest had to be issued before \(ManifestTime.format(deadline))")
        }
        // A sandbox lease is refused where sandbox evidence is: otherwise it would become
        // usable the moment any replica sharing the database starts with --allow-sandbox.
        if m.tees.contains(.sandbox) && !configuration.allowSandbox {
            throw BrokerError(
                .manifestInvalid,
                "the manifest names a sandbox workload and this broker does not accept sandbox evidence (serve --allow-sandbox, development only)")
        }
        let window: LeaseWindow
        do { window = try m.window(issuedAt: now) } catch { throw BrokerError(.manifestInvalid, "\(error)") }
        let record = LeaseRecord(
            owner: m.owner, leaseId: m.leaseId, manifest: verified.payload, envelope: envelope, digest: verified.digest,
            state: LeaseStateMachine.State.issued.rawValue, notBefore: window.notBefore, notAfter: window.notAfter,
            maxGrants: m.maxGrants, grantsIssued: 0, expiryRecorded: false, issuedSeq: 0)
        let rowMAC = self.rowMAC
        let stored: LeaseRecord = try await write { tx in
            guard try tx.lease(owner: m.owner, leaseId: m.leaseId) == nil else {
                throw BrokerError(.leaseExists, "lease \(m.owner)/\(m.leaseId) already exists; lease ids are never reused")
            }
            // The versions current now are the ones this lease releases (CRYPTO-REVIEW L2): a
            // later rotation cuts old leases off instead of handing them the new key.
            var versions: [String: JSONValue] = [:]
            for keyId in m.keys {
                guard let record = try tx.latestVaultKey(owner: m.owner, keyId: keyId) else {
                    throw BrokerError(.keyNotFound, "key \(keyId) is not in \(m.owner)'s vault")
                }
                versions[keyId] = .int(Int64(clamping: record.version))
            }
            let e = try tx.appendLog { seq, prev in
                LogEntry(
                    seq: seq, time: now, kind: "lease.issued", owner: m.owner, leaseId: m.leaseId, prev: prev,
                    fields: [
                        "manifestDigest": .string(Hex.encode(verified.digest)), "purpose": .string(m.purpose),
                        "notBefore": .string(window.notBeforeText), "notAfter": .string(window.notAfterText),
                        "maxGrants": .int(m.maxGrants), "keyIds": .array(m.keys.map { .string($0) }),
                        "tees": .array(m.tees.map { .string($0.rawValue) }), "signer": .string(verified.signer.keyID),
                        "receipts": .string(m.receipts.rawValue), "keyVersions": .dict(versions),
                        // The owner's signed envelope itself: an auditor checks every grant against
                        // what the owner signed, from the log alone (CRYPTO-REVIEW H2).
                        "envelope": .string(Base64.encode(envelope)),
                    ])
            }
            var r = record
            r.issuedSeq = e.seq
            r = rowMAC.sealed(r, lastSeq: e.seq)
            try tx.insertLease(r)
            return r
        }
        rowMAC.committed(owner: stored.owner, leaseId: stored.leaseId, lastSeq: stored.lastSeq)
        return Self.status(stored, manifest: m)
    }

    public func leaseStatus(owner: String, leaseId: String) async throws(BrokerError) -> LeaseStatus {
        guard let r = try await read({ tx in try tx.lease(owner: owner, leaseId: leaseId) }) else {
            throw BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)")
        }
        var sm = Self.machine(r)
        _ = sm.sweep(at: now)  // report expiry as of now, even before the sweeper records it
        var shown = r
        shown.state = sm.state.rawValue
        return Self.status(shown, manifest: try? LeaseManifest(canonicalJSON: r.manifest))
    }

    /// The owner revokes a lease (owner-signed request). Later grants are refused.
    public func revoke(owner: String, leaseId: String, _ r: SignedOwnerRequest) async throws(BrokerError) -> LogIndexResponse {
        let key = try await ownerKey(owner)
        let f = try OwnerRequestSigning.verify(r, op: "lease.revoke", owner: owner, key: key, now: now, broker: logVerifierKey)
        guard f["leaseId"]?.stringValue == leaseId else { throw BrokerError(.badRequest, "the signed request is for another lease") }
        let use = SingleUse.record(r, fields: f, owner: owner, target: leaseId, now: now)
        return try await end(owner: owner, leaseId: leaseId, kind: "lease.revoked", fields: ["by": .string("owner")], singleUse: use) { sm, t in
            sm.revoke(at: t)
        }
    }

    /// Records `lease.revoked` / `lease.released` through the state machine, in one transaction.
    func end(
        owner: String, leaseId: String, kind: String, fields: [String: JSONValue], singleUse: NonceRecord,
        _ transition: @escaping @Sendable (inout LeaseStateMachine, Date) -> LeaseStateMachine.EndAction
    ) async throws(BrokerError) -> LogIndexResponse {
        let now = self.now
        let rowMAC = self.rowMAC
        let ended = try await write { tx in
            try SingleUse.claim(singleUse, in: tx)
            guard var r = try tx.lease(owner: owner, leaseId: leaseId) else { throw BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)") }
            // No MAC check: an end only narrows (revoked and released are final), so it is
            // recorded even on a row someone changed, and the row is sealed afresh.
            var sm = Self.machine(r)
            if case .refuse(let refusal) = transition(&sm, now) { throw BrokerError(refusal) }
            r.state = sm.state.rawValue
            let e = try tx.appendLog { seq, prev in
                LogEntry(seq: seq, time: now, kind: kind, owner: owner, leaseId: leaseId, prev: prev, fields: fields)
            }
            try tx.updateLease(rowMAC.sealed(r, lastSeq: e.seq))
            return LogIndexResponse(logIndex: e.seq)
        }
        rowMAC.committed(owner: owner, leaseId: leaseId, lastSeq: ended.logIndex)
        return ended
    }

    /// Records `lease.expired` for every lease past its notAfter (once per lease, ever) and
    /// purges nonces that can no longer be used. Costs O(expired): the query walks a partial
    /// index of leases whose expiry is not yet recorded. One transaction per 1,000 leases.
    public func sweep() async throws(BrokerError) -> SweepReport {
        let now = self.now
        let nowSeconds = Int64(now.timeIntervalSince1970.rounded(.down))
        var report = SweepReport(expired: [], noncesPurged: 0)
        let rowMAC = self.rowMAC
        while true {
            let expired: [String] = try await write { tx in
                var swept = [LeaseRecord]()
                for var r in try tx.leasesPastExpiry(now: nowSeconds, limit: 1000) {
                    var sm = Self.machine(r)
                    guard sm.sweep(at: now) == .recordExpired else { continue }
                    r.state = sm.state.rawValue
                    r.expiryRecorded = true
                    swept.append(r)
                }
                // Expiry is final and only narrows: recorded, and the row sealed afresh, even
                // for a row that fails its MAC (as for `end`).
                var next = 0
                var seqs: [UInt64] = []
                try tx.appendLog(
                    count: swept.count,
                    { seq, prev in
                        let r = swept[next]
                        next += 1
                        return LogEntry(
                            seq: seq, time: now, kind: "lease.expired", owner: r.owner, leaseId: r.leaseId, prev: prev,
                            fields: ["notAfter": .string(ManifestTime.format(r.notAfter)), "grantsIssued": .int(r.grantsIssued)])
                    }, appended: { seqs.append($0.seq) })
                for (r, seq) in zip(swept, seqs) { try tx.updateLease(rowMAC.sealed(r, lastSeq: seq)) }
                let done = swept.map { "\($0.owner)/\($0.leaseId)" }
                if !done.isEmpty { _ = try self.floor.checkpoint(tx, signer: self.signer, now: now) }
                return done
            }
            report.expired += expired
            if expired.count < 1000 { break }
        }
        // Single-use records outlive their expiry by a grace period: a request checked its
        // time at its start, and another replica's clock may run ahead of ours; purging at
        // exactly `expiresAt` would let a replay in at the edge of the window.
        let cutoff = Int64((now.timeIntervalSince1970 - Self.singleUseGrace) * 1000)
        report.noncesPurged = try await write { tx in try tx.purgeNonces(before: cutoff) }
        return report
    }

    /// A lease envelope's largest size: the log keeps it (`lease.issued`), and a manifest at
    /// its bounds (64 keys, 64 workloads, a 4 KiB purpose) signed with ML-DSA-65 is about half.
    static let maximumEnvelopeBytes = 96 * 1024

    /// How long a used nonce or signed request is remembered past its expiry (seconds).
    static let singleUseGrace: TimeInterval = 600

    static func machine(_ r: LeaseRecord) -> LeaseStateMachine {
        LeaseStateMachine(
            state: LeaseStateMachine.State(rawValue: r.state) ?? .revoked,
            window: LeaseWindow(notBefore: r.notBefore, notAfter: r.notAfter),
            maxGrants: r.maxGrants, grantsIssued: r.grantsIssued, expiryRecorded: r.expiryRecorded)
    }

    static func status(_ r: LeaseRecord, manifest: LeaseManifest?) -> LeaseStatus {
        LeaseStatus(
            owner: r.owner, leaseId: r.leaseId, state: r.state, notBefore: ManifestTime.format(r.notBefore),
            notAfter: ManifestTime.format(r.notAfter), maxGrants: r.maxGrants, grantsIssued: r.grantsIssued,
            keys: manifest?.keys ?? [], tees: manifest?.tees.map(\.rawValue) ?? [], manifestDigest: Hex.encode(r.digest),
            issuedLogIndex: r.issuedSeq)
    }
}

extension BrokerError {
    init(_ refusal: LeaseRefusal) {
        self.init(refusal.code, refusal.reason)
    }
}
