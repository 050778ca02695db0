import Codecs
import Attestation
import Foundation
import LeaseholdAPI
import TransparencyLog

/// Checks the lease invariants from the log alone, as an auditor would, entry by entry:
///
/// - no `key.granted` for a lease that was never issued;
/// - no grant before its `notBefore` or at/after its `notAfter`;
/// - no grant after the lease's `lease.revoked`, `lease.released` or `lease.expired`;
/// - no more grants than `maxGrants`;
/// - no challenge nonce decides twice (`nonce` of `key.granted` and `key.denied`): the broker
///   records each nonce's use in a row no MAC can protect from deletion, and the log shows it;
/// - at the end, every lease whose `notAfter` is more than `expiryGrace` before the last
///   entry's time has its `lease.expired` (the sweeper runs every few seconds; the grace
///   allows for one that has not passed yet).
///
/// And one finding that is not a violation (the broker did nothing wrong; a workload did not
/// report): a lease issued with `receipts: required` that ended (revoked, released, or past
/// `notAfter` by the grace) while one of its grants has no `shredded` receipt is listed in
/// `findings` (SECURITY-REVIEW-2026-12, L7: the signed promise is audited, not ignored).
///
/// Every `receipt` and every `lease.released` by the workload must carry a signature that
/// verifies under the `signingKey` of its grant's `key.granted` entry, on that grant's lease:
/// the workload's one-time key signed it, so not even the log-key holder can add one
/// (CRYPTO-REVIEW-2026-12 M3). Only such a receipt, or a workload release signed with `receiptKind: shredded`, counts as `shredded`. A grant whose entry
/// names no signing key (logs from before signed receipts) cannot have been signed for: its
/// receipts are listed in `findings` and count for nothing.
///
/// Pure: it needs nothing but the entries, so it runs the same on a database and on an
/// exported bundle.
public struct LeaseInvariantChecker: Sendable {
    public struct Violation: Error, Sendable, Hashable, CustomStringConvertible {
        public var seq: UInt64?
        public var message: String
        public var description: String { seq.map { "seq \($0): \(message)" } ?? message }
    }

    struct Lease {
        var notBefore: Date
        var notAfter: Date
        var maxGrants: Int64
        var grants: Int64 = 0
        var ended: String?
        var endedAt: Date?
        var expiredRecorded = false
        var receiptsRequired = false
        /// Grant ids still owing a `shredded` receipt (receipts: required only).
        var unshredded: [String] = []
        /// The owner-signed manifest, when the entry carried its envelope and it verified.
        var manifest: LeaseManifest?
        var digest: String?
    }

    public var expiryGrace: TimeInterval
    private var leases: [String: Lease] = [:]
    private var lastTime: Date?
    public private(set) var grantsSeen = 0
    /// Required receipts that never came, in lease order (see the type's comment).
    public private(set) var findings: [String] = []
    /// Each grant's lease and receipt key, from its `key.granted` entry (nil: made without one).
    private var grantKeys: [String: (lease: String, key: ReceiptPublicKey?)] = [:]
    /// Every nonce a grant decision named (absent from logs before nonces were logged).
    private var nonces: Set<String> = []
    /// Owners' public keys, from their `owner.registered` entries.
    private var ownerKeys: [String: OwnerPublicKey] = [:]
    /// Leases whose `lease.issued` carried the owner's envelope, verified under the logged
    /// owner key; their grants are checked against the signed manifest.
    public private(set) var signedLeases = 0

    public init(expiryGrace: TimeInterval = 300) {
        self.expiryGrace = expiryGrace
    }

    public mutating func consume(_ e: LogEntry) throws(Violation) {
        lastTime = e.time
        if e.kind == "owner.registered", let owner = e.owner, let text = e.fields["publicKey"]?.stringValue {
            // Logs from before owner keys were logged have no publicKey: nothing to record.
            let key: OwnerPublicKey
            do { key = try OwnerPublicKey(text: text) } catch {
                throw Violation(seq: e.seq, message: "owner.registered for \(owner) carries a key that does not parse")
            }
            guard e.fields["publicKeyId"]?.stringValue == key.keyID else {
                throw Violation(seq: e.seq, message: "owner.registered for \(owner): publicKeyId is not the logged key's id")
            }
            ownerKeys[owner] = key
            return
        }
        guard let owner = e.owner, let leaseId = e.leaseId else { return }
        let key = owner + "/" + leaseId
        switch e.kind {
        case "lease.issued":
            guard leases[key] == nil else { throw Violation(seq: e.seq, message: "lease \(key) issued twice") }
            guard let nb = e.fields["notBefore"]?.stringValue.flatMap(RFC3339.parse),
                let na = e.fields["notAfter"]?.stringValue.flatMap(RFC3339.parse),
                let max = e.fields["maxGrants"]?.intValue
            else {
                throw Violation(seq: e.seq, message: "lease.issued for \(key) lacks notBefore, notAfter or maxGrants")
            }
            var l = Lease(notBefore: nb, notAfter: na, maxGrants: max)
            l.receiptsRequired = e.fields["receipts"]?.stringValue == "required"
            if let text = e.fields["envelope"]?.stringValue {
                l.manifest = try Self.signedManifest(e, envelope: text, ownerKey: ownerKeys[owner], notBefore: nb, notAfter: na, maxGrants: max)
                l.digest = e.fields["manifestDigest"]?.stringValue
                l.receiptsRequired = l.manifest?.receipts == .required
                signedLeases += 1
            }
            leases[key] = l
        case "key.denied":
            try checkNonce(e, key: key)
        case "key.granted":
            try checkNonce(e, key: key)
            grantsSeen += 1
            guard var l = leases[key] else { throw Violation(seq: e.seq, message: "key granted on \(key), which was never issued") }
            if let ended = l.ended { throw Violation(seq: e.seq, message: "key granted on \(key) after \(ended)") }
            if e.time < l.notBefore { throw Violation(seq: e.seq, message: "key granted on \(key) before its notBefore") }
            if e.time >= l.notAfter { throw Violation(seq: e.seq, message: "key granted on \(key) at or after its notAfter") }
            if let m = l.manifest { try Self.checkGrant(e, against: m, digest: l.digest, key: key) }
            l.grants += 1
            if l.receiptsRequired, let id = e.fields["grantId"]?.stringValue { l.unshredded.append(id) }
            if let id = e.fields["grantId"]?.stringValue {
                guard grantKeys[id] == nil else { throw Violation(seq: e.seq, message: "grant id \(id) granted twice") }
                var signingKey: ReceiptPublicKey?
                if let text = e.fields["signingKey"]?.stringValue {
                    do { signingKey = try ReceiptPublicKey(text: text) } catch {
                        throw Violation(seq: e.seq, message: "key granted on \(key) with a signing key that does not parse: \(error.description)")
                    }
                }
                grantKeys[id] = (key, signingKey)
            }
            if l.grants > l.maxGrants { throw Violation(seq: e.seq, message: "grant \(l.grants) on \(key) exceeds maxGrants \(l.maxGrants)") }
            leases[key] = l
        case "lease.revoked", "lease.released":
            guard var l = leases[key] else { throw Violation(seq: e.seq, message: "\(e.kind) for \(key), which was never issued") }
            if e.kind == "lease.released", e.fields["by"]?.stringValue == "workload" {
                let signed = try checkSignature(e, op: ReceiptSignature.releaseOp, owner: owner, leaseId: leaseId)
                // A signed release that says the keys were shredded is that grant's receipt.
                if signed, e.fields["receiptKind"]?.stringValue == "shredded", let id = e.fields["grantId"]?.stringValue {
                    l.unshredded.removeAll { $0 == id }
                }
            }
            if l.ended == nil { l.ended = e.kind; l.endedAt = e.time }
            leases[key] = l
        case "receipt":
            let signed = try checkSignature(e, op: ReceiptSignature.receiptOp, owner: owner, leaseId: leaseId)
            if signed, var l = leases[key], e.fields["receiptKind"]?.stringValue == "shredded", let id = e.fields["grantId"]?.stringValue {
                l.unshredded.removeAll { $0 == id }
                leases[key] = l
            }
        case "lease.expired":
            guard var l = leases[key] else { throw Violation(seq: e.seq, message: "lease.expired for \(key), which was never issued") }
            if l.expiredRecorded { throw Violation(seq: e.seq, message: "lease.expired recorded twice for \(key)") }
            if e.time < l.notAfter { throw Violation(seq: e.seq, message: "lease.expired for \(key) before its notAfter") }
            l.expiredRecorded = true
            if l.ended == nil { l.ended = e.kind; l.endedAt = l.notAfter }
            leases[key] = l
        default:
            break
        }
    }

    mutating func checkNonce(_ e: LogEntry, key: String) throws(Violation) {
        guard let nonce = e.fields["nonce"]?.stringValue else { return }
        guard nonces.insert(nonce).inserted else {
            throw Violation(seq: e.seq, message: "\(e.kind) on \(key) names a nonce an earlier decision already used (a replayed request)")
        }
    }

    /// A receipt or workload release: signed by its grant's one-time key, over what the entry
    /// records (grant, kind, the workload's time, output digest) and this lease.
    /// Returns whether it was signed; a grant without a signing key gives a finding and false.
    mutating func checkSignature(_ e: LogEntry, op: String, owner: String, leaseId: String) throws(Violation) -> Bool {
        guard let grantId = e.fields["grantId"]?.stringValue, let grant = grantKeys[grantId] else {
            throw Violation(seq: e.seq, message: "\(op) on \(owner)/\(leaseId) names no grant of the log")
        }
        guard grant.lease == owner + "/" + leaseId else {
            throw Violation(seq: e.seq, message: "\(op) on \(owner)/\(leaseId) names grant \(grantId) of another lease")
        }
        guard let signingKey = grant.key else {
            // A grant made without a signing key (by a broker from before signed receipts, or
            // a client that sent none) has nothing to check against: the entry is listed,
            // and counts for nothing (not as a shredded receipt).
            findings.append(
                "seq \(e.seq): \(op) on \(owner)/\(leaseId) for grant \(grantId) is unsigned (the grant named no receipt signing key); it is not counted"
            )
            return false
        }
        guard let kind = e.fields["receiptKind"]?.stringValue, let time = e.fields["receiptTime"]?.stringValue,
            let signature = e.fields["signature"]?.stringValue.flatMap(Base64.decodeCanonical)
        else {
            throw Violation(seq: e.seq, message: "\(op) on \(owner)/\(leaseId) without receiptKind, receiptTime and signature")
        }
        let message = ReceiptSignature.message(
            op: op, owner: owner, leaseId: leaseId, grantId: grantId, kind: kind, time: time,
            outputDigest: e.fields["outputDigest"]?.stringValue)
        guard signingKey.isValidSignature(signature, for: message) else {
            throw Violation(seq: e.seq, message: "\(op) on \(owner)/\(leaseId) is not signed by grant \(grantId)'s one-time key")
        }
        return true
    }

    /// The manifest a `lease.issued` entry's envelope carries, verified under the owner's key
    /// as its `owner.registered` entry logged it, and agreeing with the entry's own fields.
    static func signedManifest(
        _ e: LogEntry, envelope text: String, ownerKey: OwnerPublicKey?, notBefore: Date, notAfter: Date,
        maxGrants: Int64
    ) throws(Violation) -> LeaseManifest {
        let key = "\(e.owner ?? "")/\(e.leaseId ?? "")"
        guard let ownerKey else { throw Violation(seq: e.seq, message: "lease \(key) carries an envelope but its owner's key is not in the log") }
        guard let bytes = Base64.decodeCanonical(text) else { throw Violation(seq: e.seq, message: "lease \(key): the envelope is not base64") }
        let verified: ManifestEnvelope.Verified
        do { verified = try ManifestEnvelope.verify(try DSSEEnvelope(json: bytes), trustedKeys: [ownerKey]) } catch {
            throw Violation(seq: e.seq, message: "lease \(key): the envelope is not signed by the owner's logged key: \(error)")
        }
        let m = verified.manifest
        guard m.owner == e.owner, m.leaseId == e.leaseId, e.fields["manifestDigest"]?.stringValue == Hex.encode(verified.digest),
            e.fields["maxGrants"]?.intValue == m.maxGrants, maxGrants == m.maxGrants,
            e.fields["keyIds"]?.arrayValue?.compactMap(\.stringValue) == m.keys
        else {
            throw Violation(seq: e.seq, message: "lease \(key): the entry's digest, keys or grant limit differ from the signed manifest")
        }
        let window: LeaseWindow
        do { window = try m.window(issuedAt: e.time) } catch { throw Violation(seq: e.seq, message: "lease \(key): \(error)") }
        guard window.notBeforeDate == notBefore, window.notAfterDate == notAfter else {
            throw Violation(seq: e.seq, message: "lease \(key): the logged window is not the one the signed manifest gives at its issue time")
        }
        return m
    }

    /// A grant against its lease's signed manifest: a TEE and measurement some workload entry
    /// allows, debug only where allowed, exactly the manifest's keys, its digest, its suite.
    static func checkGrant(_ e: LogEntry, against m: LeaseManifest, digest: String?, key: String) throws(Violation) {
        guard let teeText = e.fields["tee"]?.stringValue, let tee = TEE(rawValue: teeText),
            let measurement = e.fields["measurement"]?.stringValue.flatMap(Hex.decode)
        else {
            throw Violation(seq: e.seq, message: "key granted on \(key) without a TEE kind and measurement")
        }
        let debug = e.fields["debug"]?.boolValue ?? false
        guard m.workloads.contains(where: { $0.allows(tee: tee, measurement: measurement, debug: debug) }) else {
            throw Violation(
                seq: e.seq,
                message:
                    "key granted on \(key) to \(tee.rawValue) software \(Hex.encode(measurement).prefix(16))…\(debug ? " (debug)" : "") that the signed manifest does not name"
            )
        }
        guard e.fields["keyIds"]?.arrayValue?.compactMap(\.stringValue) == m.keys else {
            throw Violation(seq: e.seq, message: "key granted on \(key) releases other keys than the signed manifest names")
        }
        if let logged = e.fields["manifestDigest"]?.stringValue, logged != digest {
            throw Violation(seq: e.seq, message: "key granted on \(key) names another manifest digest")
        }
        if let suite = m.suite, e.fields["suite"]?.stringValue != suite {
            throw Violation(seq: e.seq, message: "key granted on \(key) with another key transport than the signed manifest requires")
        }
    }

    /// Every lease past notAfter (by more than the grace, at the last entry's time) must have its lease.expired.
    public mutating func finish() throws(Violation) {
        guard let lastTime else { return }
        for (key, l) in leases.sorted(by: { $0.key < $1.key }) where l.receiptsRequired && !l.unshredded.isEmpty {
            let end = min(l.endedAt ?? l.notAfter, l.notAfter)
            guard end.addingTimeInterval(expiryGrace) < lastTime else { continue }
            findings.append("lease \(key) requires receipts, but grant(s) \(l.unshredded.joined(separator: ", ")) have no shredded receipt")
        }
        for (key, l) in leases.sorted(by: { $0.key < $1.key }) where !l.expiredRecorded && l.notAfter.addingTimeInterval(expiryGrace) < lastTime {
            throw Violation(seq: nil, message: "lease \(key) ended at \(RFC3339.format(l.notAfter)) but has no lease.expired entry")
        }
    }
}
