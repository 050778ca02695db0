import Attestation
import Collateral
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

extension Broker {
    /// A single-use nonce for one grant attempt on this lease, valid `challengeLifetime`.
    public func challenge(owner: String, leaseId: String) async throws(BrokerError) -> ChallengeResponse {
        try Self.checkName(owner, what: "owner")
        try Self.checkName(leaseId, what: "lease id")
        let now = self.now
        guard let lease = try await read({ tx in try tx.lease(owner: owner, leaseId: leaseId) }) else {
            throw BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)")
        }
        // Nothing is stored: the nonce authenticates itself (ChallengeToken); its first use is
        // recorded by the grant request that names it.
        var generator = SystemRandomNumberGenerator()
        let c = ChallengeStateMachine.issue(
            owner: owner, leaseID: leaseId, at: now, lifetime: configuration.challengeLifetime,
            key: challengeKey, using: &generator)
        return ChallengeResponse(nonce: Base64.encode(c.nonce), expiresAt: RFC3339.format(c.expiresAt), manifestDigest: Hex.encode(lease.digest))
    }

    /// Releases the lease's keys to attested software, failing closed: nonce -> evidence
    /// parses and chains to a vendor root -> lease active -> a workload entry matches ->
    /// report-data binding. (DESIGN.md checks the binding before the lease; every check still
    /// runs before anything is released, and checking it last makes the refusal name the most
    /// fundamental fault: genuine evidence from the wrong software is measurement-mismatch.) The nonce is consumed by the first request naming
    /// it, whatever the outcome.
    ///
    /// The log grows only for a genuine, unused nonce of an existing lease: a request that
    /// fails before that point (malformed body, unknown TEE kind, a nonce this broker did not
    /// issue for this lease, a used or expired one) is refused without an entry, so nobody can
    /// fill the permanent log without first getting a challenge for a real lease, and each
    /// challenge buys at most one `key.denied`. Every field that reaches an entry is checked
    /// and bounded (`boundedDetail`, README "Security"). On success the grant
    /// count, nonce and `key.granted` entry commit in one transaction, and only then are the
    /// keys, HPKE-sealed to the workload's one-time key, returned.
    public func grant(owner: String, leaseId: String, _ r: GrantRequest) async throws(BrokerError) -> GrantResponse {
        let now = self.now
        try Self.checkName(owner, what: "owner")
        try Self.checkName(leaseId, what: "lease id")
        guard let tee = TEE(rawValue: r.tee) else {
            throw BrokerError(.badRequest, "tee must be one of \(TEE.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let nonce = Base64.decodeCanonical(r.nonce) else { throw BrokerError(.badRequest, "nonce must be canonical base64") }
        guard let evidenceBytes = Base64.decodeCanonical(r.evidence), let publicKey = Base64.decodeCanonical(r.publicKey) else {
            throw BrokerError(.badRequest, "evidence and publicKey must be canonical base64")
        }
        let collateral = try (r.collateral ?? []).map { c throws(BrokerError) -> [UInt8] in
            guard let b = Base64.decodeCanonical(c) else { throw BrokerError(.badRequest, "collateral must be canonical base64") }
            return b
        }
        let suite: KeyWrapSuite
        do { suite = try KeyWrapSuite(id: r.suite) } catch { throw BrokerError(.badRequest, "\(error)") }
        guard publicKey.count == suite.publicKeyByteCount else {
            throw BrokerError(.badRequest, "a \(suite.id) public key is \(suite.publicKeyByteCount) bytes")
        }
        // The workload's one-time receipt key (ReceiptSignature): checked here, bound by the
        // report data below, recorded in the grant's entry for the receipts to come.
        var signingKey: ReceiptPublicKey?
        if let text = r.signingKey {
            do { signingKey = try ReceiptPublicKey(text: text) } catch { throw BrokerError(.badRequest, "signingKey: \(error.description)") }
        }
        let evidenceHash = Hex.encode(Array(SHA256.hash(data: evidenceBytes)))
        // The nonce is logged with every decision it bought: an auditor sees a nonce used
        // twice (a used-nonce row deleted from the database) as a violation.
        var entryFields: [String: JSONValue] = [
            "tee": .string(tee.rawValue), "evidenceHash": .string(evidenceHash), "suite": .string(suite.id),
            "nonce": .string(Base64.encode(nonce)),
        ]

        // One read: was the nonce used, the lease, and the vault records of its keys.
        let challenge = ChallengeToken.open(nonce, owner: owner, leaseID: leaseId, key: challengeKey)
        let signedData = self.signedData
        let rowMAC = self.rowMAC
        let (used, lease, parsed, stored, signedInputs) = try await read {
            tx -> (Bool, LeaseRecord?, Result<LeaseManifest, BrokerError>?, [String: VaultKeyRecord], SignedDataCheck.Inputs) in
            let used = try challenge.map { _ in try tx.nonceUsed(nonce) } ?? false
            guard let lease = try tx.lease(owner: owner, leaseId: leaseId) else { return (used, nil, nil, [:], .init()) }
            let signedInputs = try signedData.read(lease, in: tx)
            let parsed: Result<LeaseManifest, BrokerError>
            do { parsed = .success(try LeaseManifest(canonicalJSON: lease.manifest)) } catch {
                parsed = .failure(BrokerError(.internal, "stored manifest: \(error)"))
            }
            // The key versions its lease.issued entry recorded (SignedDataCheck proves that entry
            // before anything is released); leases issued before versions were recorded follow
            // the latest.
            let versions = signedInputs.leaseEntry.flatMap { try? LogEntry(bytes: $0) }?.fields["keyVersions"]
            var stored: [String: VaultKeyRecord] = [:]
            if case .success(let manifest) = parsed {
                for id in manifest.keys {
                    if let versions {
                        guard let v = versions[id]?.intValue, let version = UInt64(exactly: v) else { continue }
                        stored[id] = try tx.vaultKey(owner: owner, keyId: id, version: version)
                    } else {
                        stored[id] = try tx.latestVaultKey(owner: owner, keyId: id)
                    }
                }
            }
            return (used, lease, parsed, stored, signedInputs)
        }
        // Not a genuine, unused, unexpired nonce of an existing lease: refused, nothing logged.
        if let why = Self.checkNonce(challenge, used: used, owner: owner, leaseId: leaseId, now: now) { throw why }
        guard lease != nil else { throw BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)") }
        let t0 = Date()
        var claims: (any TEEClaims)?
        // The rows about to decide, against the owner's signature and the signed log.
        var refusal: BrokerError?
        if let lease {
            do {
                try rowMAC.check(lease, current: false)
                try signedData.check(lease, signedInputs)
            } catch { refusal = error }
        }
        // The broker's own collateral, where it has a service for this TEE: it decides, and
        // what the workload sent is ignored; no verified, current set is a refusal.
        var usedCollateral = collateral
        if refusal == nil, let service = configuration.collateral, service.handles(tee) {
            do throws(CollateralError) {
                // The workload's collateral only lends an endorsement key KDS cannot serve (a VLEK).
                if let supplied = try await service.collateral(
                    for: Attestation.Evidence(tee: tee, bytes: evidenceBytes, collateral: collateral), at: now)
                {
                    usedCollateral = supplied.pieces
                    entryFields["collateral"] = Self.collateralField(supplied)
                }
            } catch {
                refusal = BrokerError(
                    .collateralUnavailable, "no current, verified \(tee.rawValue) collateral: \(error.description); retry with a new challenge")
            }
        }
        if refusal == nil {
            switch verify(tee: tee, evidence: evidenceBytes, collateral: usedCollateral, at: now) {
            case .success(let c): claims = c
            case .failure(let e): refusal = e
            }
        }
        if refusal == nil, let claims {
            // What matched, so an auditor can hold the grant against the signed manifest.
            entryFields["measurement"] = .string(Hex.encode(claims.measurement))
            entryFields["debug"] = .bool(claims.debug)
            if let tcb = claims.tcbStatus { entryFields["tcbStatus"] = .string(String(tcb.prefix(64))) }
            if let lease { entryFields["manifestDigest"] = .string(Hex.encode(lease.digest)) }
        }
        var manifest: LeaseManifest?
        if refusal == nil, let lease, let claims {
            var sm = Self.machine(lease)
            if case .refuse(let why) = sm.grantRequested(at: now) { refusal = BrokerError(why) }
            if refusal == nil {
                switch parsed {
                case .success(let m): manifest = m
                case .failure(let e): refusal = e
                case nil: refusal = BrokerError(.internal, "the lease's manifest was not read")
                }
            }
            if refusal == nil, let manifest, case .failure(let why) = matcher.matchWorkload(claims, manifest: manifest) {
                refusal = BrokerError(why)
            }
            // A manifest may require a key-transport suite (post-quantum on demand).
            if refusal == nil, let required = manifest?.suite, required != suite.id {
                refusal = BrokerError(.suiteNotAllowed, "the lease requires key transport \(required), the request asked for \(suite.id)")
            }
            // Required receipts need a key to sign them; post-quantum transport, a post-quantum
            // signature.
            if refusal == nil, manifest?.receipts == .required, signingKey == nil {
                refusal = BrokerError(.badRequest, "the lease requires receipts: the grant request must name the workload's signingKey")
            }
            if refusal == nil, let required = manifest?.suite, let signingKey,
                ReceiptSigningKey.scheme(forSuite: required) == .mlDSA65, signingKey.scheme != .mlDSA65
            {
                refusal = BrokerError(
                    .suiteNotAllowed, "the lease requires \(required): receipts must be signed with ml-dsa-65, not \(signingKey.scheme.rawValue)")
            }
            // The binding last: genuine evidence of the wrong software is reported as such
            // (measurement-mismatch), not as a binding failure it would also have.
            if refusal == nil {
                let binding = LeaseBinding(
                    nonce: nonce, suiteID: suite.id, publicKey: publicKey, owner: owner, leaseID: leaseId, manifestDigest: lease.digest,
                    signingKey: r.signingKey)
                refusal = PolicyMatcher.checkBinding(claims, binding).map(BrokerError.init)
            }
        }
        let verifySeconds = Date().timeIntervalSince(t0)
        // What decided the grant, kept beside the log for `audit verify --evidence`: the record
        // under its hash, then each collateral piece under the digest the record names it by.
        // Only a grant keeps evidence.
        var kept: [(digest: [UInt8], bytes: [UInt8])] = []
        if refusal == nil {
            let record = GrantEvidenceRecord(
                tee: tee.rawValue, evidence: evidenceBytes, collateral: usedCollateral, nonce: nonce, suite: suite.id,
                publicKey: publicKey, signingKey: signingKey?.text, verifiedAt: now)
            let bytes = record.canonicalJSON
            kept =
                [(Array(SHA256.hash(data: bytes)), bytes)]
                + zip(record.collateralDigests, usedCollateral).compactMap { d, piece in Hex.decode(d).map { ($0, piece) } }
        }
        let keptEvidence = kept

        // Everything checked: seal the keys now (off the commit path), hand them out only after commit.
        var sealed: [GrantedKey] = []
        var released: [JSONValue] = []
        let grantId = Hex.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        let t1 = Date()
        if refusal == nil, let manifest, let lease {
            do {
                let notAfter = ManifestTime.format(lease.notAfter)
                for keyId in manifest.keys {
                    guard let record = stored[keyId] else { throw BrokerError(.keyNotFound, "key \(keyId) is gone from \(owner)'s vault") }
                    let dataKey = try vault.open(record.sealed, owner: owner, keyId: keyId, version: record.version)
                    let info = LeaseBinding.grantInfo(owner: owner, leaseID: leaseId, keyID: keyId, notAfter: notAfter)
                    let w = try KeyWrap.seal(dataKey, to: publicKey, suite: suite, info: info)
                    sealed.append(
                        GrantedKey(keyId: keyId, encapsulatedKey: Base64.encode(w.encapsulatedKey), ciphertext: Base64.encode(w.ciphertext)))
                    released.append(
                        .dict([
                            "keyId": .string(keyId), "version": .int(Int64(record.version)),
                            "sealedDigest": .string(GrantedKey.sealedDigest(encapsulatedKey: w.encapsulatedKey, ciphertext: w.ciphertext)),
                        ]))
                }
                guard !sealed.isEmpty else { throw BrokerError(.internal, "the lease names no key") }
            } catch let e as BrokerError {
                refusal = e
            } catch {
                refusal = BrokerError(.badRequest, "cannot seal the keys to the workload key: \(error)")
            }
        }
        let wrapSeconds = Date().timeIntervalSince(t1)

        // One transaction (shared with concurrent grants): nonce, count, grant, log entry.
        let keyIds = sealed.map(\.keyId)
        let releasedKeys = released
        let precheck = refusal
        // A nonce this broker issued for this lease is used up by this request, whatever the
        // outcome; bytes it never issued are refused and not remembered.
        let use = challenge.map {
            NonceRecord(nonce: nonce, owner: owner, leaseId: leaseId, usedAt: Self.millis(now), expiresAt: Self.millis($0.expiresAt))
        }
        let grantFields = entryFields
        let signingKeyText = signingKey?.text
        let t2 = Date()
        let clock = configuration.clock
        let committed = await committer.submit { tx in
            // A concurrent request named the same nonce first: it owns the one entry this
            // nonce may produce; this one is refused without another.
            guard try use.map({ try tx.recordNonceUse($0) }) == true else {
                return .init(seq: nil, value: .denied(BrokerError(.nonceInvalid, "the nonce was already used; ask for a new challenge")))
            }
            // The clock is read again here, inside the transaction: the lease must still be
            // active when its keys are committed, however long verification and the commit
            // queue took, and the entry carries the time the decision was made.
            let now = max(now, clock())
            var why = precheck
            var grantNumber: Int64 = 0
            var updated: LeaseRecord?
            if why == nil {
                if var current = try tx.lease(owner: owner, leaseId: leaseId) {
                    var sm = Self.machine(current)
                    // The row that decides is this one, read in the commit: its MAC first.
                    do throws(BrokerError) { try rowMAC.check(current, current: true) } catch { why = error }
                    if why == nil {
                        switch sm.granted(at: now) {
                        case .refuse(let refusal): why = BrokerError(refusal)
                        case .commit(let n, _):
                            grantNumber = n
                            current.state = sm.state.rawValue
                            current.grantsIssued = sm.grantsIssued
                            updated = current
                        }
                    }
                } else {
                    why = BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)")
                }
            }
            if let why {
                var f = grantFields
                f["reason"] = .string(why.code.rawValue)
                f["detail"] = .string(Self.boundedDetail(why.message))
                let e = try tx.appendLog { seq, prev in
                    LogEntry(seq: seq, time: now, kind: "key.denied", owner: owner, leaseId: leaseId, prev: prev, fields: f)
                }
                return .init(seq: e.seq, value: .denied(why))
            }
            var f = grantFields
            f["keyIds"] = .array(keyIds.map { .string($0) })
            f["keys"] = .array(releasedKeys)
            f["grantId"] = .string(grantId)
            f["grantNumber"] = .int(grantNumber)
            f["publicKeyHash"] = .string(Hex.encode(Array(SHA256.hash(data: publicKey))))
            if let signingKeyText { f["signingKey"] = .string(signingKeyText) }
            if let record = keptEvidence.first { f["evidenceRecord"] = .string(Hex.encode(record.digest)) }
            let e = try tx.appendLog { seq, prev in
                LogEntry(seq: seq, time: now, kind: "key.granted", owner: owner, leaseId: leaseId, prev: prev, fields: f)
            }
            if let updated { try tx.updateLease(rowMAC.sealed(updated, lastSeq: e.seq)) }
            // Content-addressed: a collateral set many grants share is kept once.
            for item in keptEvidence { try tx.insertEvidence(digest: item.digest, record: item.bytes) }
            // Receipts are checked against the entry's signingKey, not a row: the row only
            // finds the entry (receiptKeySealed stays empty since receipts are signed).
            try tx.insertGrant(GrantRecord(grantId: grantId, owner: owner, leaseId: leaseId, seq: e.seq, receiptKeySealed: []))
            return .init(seq: e.seq, value: .granted(grantNumber: grantNumber), entry: e.bytes)
        }
        let commitSeconds = Date().timeIntervalSince(t2)
        let done: GroupCommitter.Committed
        switch committed {
        case .failure(let e): throw e  // log unavailable: nothing released
        case .success(let c): done = c
        }
        guard case .granted = done.outcome.value, let seq = done.outcome.seq else {
            if case .denied(let e) = done.outcome.value { throw e }
            throw BrokerError(.internal, "grant outcome missing")
        }
        rowMAC.committed(owner: owner, leaseId: leaseId, lastSeq: seq)
        timings.record(verify: verifySeconds, wrap: wrapSeconds, commit: commitSeconds)
        let cp = done.checkpoint
        guard let proof = done.proof else { throw BrokerError(.internal, "the grant's inclusion proof is missing") }
        return GrantResponse(
            owner: owner, leaseId: leaseId, notAfter: ManifestTime.format(lease?.notAfter ?? 0), keys: sealed,
            receipt: GrantReceipt(
                logIndex: seq, leafHash: proof.leaf.base64, checkpoint: cp.note,
                inclusionProof: proof.path.map(\.base64), entry: Base64.encode(done.outcome.entry ?? [])),
            grantId: grantId)
    }

    /// Which collateral decided a grant, for its log entry: the upstream, Intel's TCB update
    /// stage, the TCB evaluation data number and issue date, and each document's SHA-256 (and,
    /// for AMD's CRL, its thisUpdate).
    static func collateralField(_ s: CollateralService.Supplied) -> JSONValue {
        var f: [String: JSONValue] = [
            "upstream": .string(s.upstream), "fetchedAt": .string(RFC3339.format(s.fetchedAt)),
            "documents": .array(
                s.documents.map { d -> JSONValue in
                    var doc: [String: JSONValue] = ["kind": .string(d.kind), "sha256": .string(d.sha256)]
                    if let issued = d.issued { doc["issued"] = .string(RFC3339.format(issued)) }
                    return .dict(doc)
                }),
        ]
        if let u = s.tcbUpdate { f["tcbUpdate"] = .string(u) }
        if let n = s.tcbEvaluationDataNumber { f["tcbEvaluationDataNumber"] = .int(Int64(n)) }
        if let d = s.tcbInfoIssueDate { f["tcbInfoIssueDate"] = .string(RFC3339.format(d)) }
        return .dict(f)
    }

    /// The challenge rules live in `ChallengeStateMachine`; `ChallengeToken` rebuilt it from the
    /// nonce's own bytes, and `used` says whether a request already named it. (The use itself
    /// is recorded in the grant's transaction, which refuses a nonce recorded meanwhile.)
    static func checkNonce(_ challenge: ChallengeStateMachine?, used: Bool, owner: String, leaseId: String, now: Date) -> BrokerError? {
        guard var challenge else { return BrokerError(.nonceInvalid, "not a nonce this broker issued for this lease: ask for a challenge first") }
        if used { return BrokerError(.nonceInvalid, "the nonce was already used; ask for a new challenge") }
        if case .refuse(let why, _) = challenge.grantRequested(owner: owner, leaseID: leaseId, at: now) { return BrokerError(why) }
        return nil
    }

    /// A `key.denied` entry's `detail` holds at most this many UTF-8 bytes: reasons can quote
    /// parts of the evidence (a certificate's name), and the permanent log must stay small.
    static let maximumDetailBytes = 512

    /// `message` cut to `maximumDetailBytes` on a character boundary, marked when cut.
    static func boundedDetail(_ message: String) -> String {
        guard message.utf8.count > maximumDetailBytes else { return message }
        var out = ""
        var used = 0
        for ch in message {
            let n = String(ch).utf8.count
            guard used + n <= maximumDetailBytes - 3 else { break }
            out.append(ch)
            used += n
        }
        return out + "..."
    }

    /// Genuineness only: TEE kind known and enabled, evidence strict-parses and chains to a pinned root.
    func verify(tee kind: TEE, evidence: [UInt8], collateral: [[UInt8]], at now: Date) -> Result<any TEEClaims, BrokerError> {
        guard let verifier = verifiers[kind] else {
            return .failure(BrokerError(.teeNotAllowed, "this broker does not accept \(kind.rawValue) evidence"))
        }
        do {
            return .success(try verifier.verify(Attestation.Evidence(tee: kind, bytes: evidence, collateral: collateral), at: now))
        } catch {
            return .failure(BrokerError(.evidenceInvalid, "\(error.code.rawValue): \(error.reason)"))
        }
    }

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

    static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
}
