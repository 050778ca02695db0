import Codecs
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog

extension Broker {
    /// The workload ends the lease early; signed with the grant's one-time signing key, and
    /// the signature goes into `lease.released` for the auditor.
    /// A release with `kind: shredded` also says the workload shredded its keys: the auditor
    /// counts it as that grant's receipt. Every signed member is logged, so the signature
    /// checks from the entry alone.
    public func release(owner: String, leaseId: String, _ r: WorkloadReceipt) async throws(BrokerError) -> LogIndexResponse {
        try Self.checkShape(r)
        let use = try await checkReceipt(op: ReceiptSignature.releaseOp, owner: owner, leaseId: leaseId, r)
        var fields: [String: JSONValue] = [
            "by": .string("workload"), "grantId": .string(r.grantId), "receiptKind": .string(r.kind),
            "receiptTime": .string(r.time), "signature": .string(r.signature),
        ]
        if let d = r.outputDigest { fields["outputDigest"] = .string(d) }
        return try await end(owner: owner, leaseId: leaseId, kind: "lease.released", fields: fields, singleUse: use) { sm, t in
            sm.release(at: t)
        }
    }

    /// `kind` is output or shredded; an output names its digest; a digest is 64 lowercase hex
    /// digits (the form of every hash in the log), whatever the kind.
    static func checkShape(_ r: WorkloadReceipt) throws(BrokerError) {
        guard r.kind == "output" || r.kind == "shredded" else { throw BrokerError(.badRequest, "receipt kind must be output or shredded") }
        if r.kind == "output", r.outputDigest == nil {
            throw BrokerError(.badRequest, "an output receipt needs outputDigest, 64 lowercase hex digits (SHA-256)")
        }
        if let d = r.outputDigest {
            guard Hex.isSHA256(d) else {
                throw BrokerError(.badRequest, "outputDigest must be 64 lowercase hex digits (SHA-256)")
            }
        }
    }

    /// Records what the workload did with the keys (an output digest, or that it shredded
    /// them), with the workload's signature so that the auditor can check it was the workload.
    public func receipt(owner: String, leaseId: String, _ r: WorkloadReceipt) async throws(BrokerError) -> LogIndexResponse {
        try Self.checkShape(r)
        let use = try await checkReceipt(op: ReceiptSignature.receiptOp, owner: owner, leaseId: leaseId, r)
        let now = self.now
        return try await write { tx in
            try SingleUse.claim(use, in: tx)
            var f: [String: JSONValue] = [
                "grantId": .string(r.grantId), "receiptKind": .string(r.kind),
                "receiptTime": .string(r.time), "signature": .string(r.signature),
            ]
            if let d = r.outputDigest { f["outputDigest"] = .string(d) }
            let e = try tx.appendLog { seq, prev in
                LogEntry(seq: seq, time: now, kind: "receipt", owner: owner, leaseId: leaseId, prev: prev, fields: f)
            }
            return LogIndexResponse(logIndex: e.seq)
        }
    }

    /// Largest receipt signature accepted (ML-DSA-65's is 3,309 bytes; base64 of 4 KiB).
    static let maximumReceiptSignature = 5_464

    /// Checks a receipt's grant, time and signature under the `signingKey` of the grant's
    /// `key.granted` entry; returns its single-use record (keyed by the signature).
    func checkReceipt(op: String, owner: String, leaseId: String, _ r: WorkloadReceipt) async throws(BrokerError) -> NonceRecord {
        guard r.signature.utf8.count <= Self.maximumReceiptSignature, let signature = Base64.decodeCanonical(r.signature) else {
            throw BrokerError(.badRequest, "signature must be canonical base64 of at most 4 KiB")
        }
        let found = try await read { tx -> (GrantRecord, [UInt8])? in
            guard let g = try tx.grant(r.grantId) else { return nil }
            return (g, try tx.entries(start: g.seq, limit: 1).first ?? [])
        }
        guard let (g, entryBytes) = found, g.owner == owner, g.leaseId == leaseId else {
            throw BrokerError(.notFound, "no grant \(r.grantId) on lease \(owner)/\(leaseId)")
        }
        guard let t = RFC3339.parse(r.time), abs(t.timeIntervalSince(now)) <= OwnerRequestSigning.maxSkew else {
            throw BrokerError(.requestStale, "receipt time is missing or more than \(Int(OwnerRequestSigning.maxSkew)) s from the broker's clock")
        }
        guard let entry = try? LogEntry(bytes: entryBytes), entry.kind == "key.granted", entry.owner == owner, entry.leaseId == leaseId,
            entry.fields["grantId"]?.stringValue == r.grantId
        else {
            throw BrokerError(.stateInvalid, "grant \(r.grantId) does not lead to its key.granted entry")
        }
        guard let text = entry.fields["signingKey"]?.stringValue else {
            throw BrokerError(.signatureInvalid, "grant \(r.grantId) was made without a receipt signing key: it cannot post receipts or release")
        }
        let key: ReceiptPublicKey
        do { key = try ReceiptPublicKey(text: text) } catch {
            throw BrokerError(.stateInvalid, "grant \(r.grantId): the logged signing key: \(error.description)")
        }
        guard key.isValidSignature(signature, for: ReceiptSignature.message(op: op, owner: owner, leaseId: leaseId, receipt: r)) else {
            throw BrokerError(.signatureInvalid, "the receipt is not signed by the grant's one-time signing key")
        }
        return SingleUse.record(kind: op, bytes: Array(r.signature.utf8), owner: owner, target: leaseId, time: t, now: now)
    }
}
