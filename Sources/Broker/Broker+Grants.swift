import Codecs
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

    /// Releases the lease's keys to attested software, failing closed. The phases, each a
    /// function below, in the order of PROTOCOL.md §13:
    ///
    /// 1. `GrantInput`: the request decoded into typed values (400s; nothing logged);
    /// 2. `readGrantState`: one read snapshot (the nonce's use, the lease, its owner, the signed
    ///    record's entries, the vault records); a nonce this broker did not issue for this
    ///    lease, a used or expired one, or no lease: refused, nothing logged;
    /// 3. `decide`: records intact, evidence genuine, lease active, workload, request terms,
    ///    binding last; the first failure decides;
    /// 4. `sealKeys`: the keys HPKE-sealed to the workload's one-time key, off the commit path;
    /// 5. `commitGrant`: the nonce, count and `key.granted` (or `key.denied`) entry in one
    ///    transaction shared with concurrent grants; only after it commits is anything returned.
    ///
    /// The log grows only for a genuine, unused nonce of an existing lease, so nobody can fill
    /// the permanent log without first getting a challenge for a real lease, and each challenge
    /// buys at most one `key.denied`. Every field that reaches an entry is checked and bounded
    /// (`boundedDetail`, README "Security").
    public func grant(owner: String, leaseId: String, _ r: GrantRequest) async throws(BrokerError) -> GrantResponse {
        let now = self.now
        let input = try GrantInput(owner: owner, leaseId: leaseId, r, challengeKey: challengeKey)
        let state = try await readGrantState(input)
        if let why = Self.checkNonce(input.challenge, used: state.nonceUsed, owner: owner, leaseId: leaseId, now: now) { throw why }
        guard let lease = state.lease else { throw BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)") }

        let verifyStart = ContinuousClock.now
        var fields = input.entryFields
        var decision = await decide(input, lease: lease, state, at: now, fields: &fields)
        let verifySeconds = Self.seconds(since: verifyStart)

        let wrapStart = ContinuousClock.now
        var sealed = SealedKeys()
        if case .success(let approval) = decision {
            switch sealKeys(input, lease: lease, approval, state.vaultKeys, at: now) {
            case .success(let s): sealed = s
            case .failure(let e): decision = .failure(e)
            }
        }
        let wrapSeconds = Self.seconds(since: wrapStart)

        let commitStart = ContinuousClock.now
        let done = try await commitGrant(input, decision, sealed, fields: fields, at: now)
        let commitSeconds = Self.seconds(since: commitStart)
        guard case .granted = done.outcome.value, let seq = done.outcome.seq else {
            if case .denied(let e) = done.outcome.value { throw e }
            throw BrokerError(.internal, "grant outcome missing")
        }
        rowMAC.committed(owner: owner, leaseId: leaseId, lastSeq: seq)
        timings.record(verify: verifySeconds, wrap: wrapSeconds, commit: commitSeconds)
        guard let proof = done.proof else { throw BrokerError(.internal, "the grant's inclusion proof is missing") }
        return GrantResponse(
            owner: owner, leaseId: leaseId, notAfter: ManifestTime.format(lease.notAfter), keys: sealed.keys,
            receipt: GrantReceipt(
                logIndex: seq, leafHash: proof.leaf.base64, checkpoint: done.checkpoint.note,
                inclusionProof: proof.path.map(\.base64), entry: Base64.encode(done.outcome.entry ?? [])),
            grantId: sealed.grantId)
    }

    /// Phase 1: the wire request as typed values; every malformed field is a 400 here, before
    /// anything is read or logged.
    struct GrantInput: Sendable {
        var owner: String
        var leaseId: String
        var tee: TEE
        var nonce: [UInt8]
        var evidence: [UInt8]
        var collateral: [[UInt8]]
        var suite: KeyWrapSuite
        var publicKey: [UInt8]
        /// The workload's one-time receipt key (`ReceiptSignature`): bound by the report data,
        /// recorded in the grant's entry for the receipts to come.
        var signingKey: ReceiptPublicKey?
        /// The challenge the nonce authenticates as (`ChallengeToken`), or nil if it is not one
        /// this broker issued for this lease.
        var challenge: ChallengeStateMachine?
        /// What every entry this request may produce starts with. The nonce is logged with
        /// every decision it bought: an auditor sees a nonce used twice (a used-nonce row
        /// deleted from the database) as a violation.
        var entryFields: [String: JSONValue]

        init(owner: String, leaseId: String, _ r: GrantRequest, challengeKey: SymmetricKey) throws(BrokerError) {
            try Broker.checkName(owner, what: "owner")
            try Broker.checkName(leaseId, what: "lease id")
            guard let tee = TEE(rawValue: r.tee) else {
                throw BrokerError(.badRequest, "tee must be one of \(TEE.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let nonce = Base64.decodeCanonical(r.nonce) else { throw BrokerError(.badRequest, "nonce must be canonical base64") }
            guard let evidence = Base64.decodeCanonical(r.evidence), let publicKey = Base64.decodeCanonical(r.publicKey) else {
                throw BrokerError(.badRequest, "evidence and publicKey must be canonical base64")
            }
            collateral = try (r.collateral ?? []).map { c throws(BrokerError) -> [UInt8] in
                guard let b = Base64.decodeCanonical(c) else { throw BrokerError(.badRequest, "collateral must be canonical base64") }
                return b
            }
            do { suite = try KeyWrapSuite(id: r.suite) } catch { throw BrokerError(.badRequest, "\(error)") }
            guard publicKey.count == suite.publicKeyByteCount else {
                throw BrokerError(.badRequest, "a \(suite.id) public key is \(suite.publicKeyByteCount) bytes")
            }
            if let text = r.signingKey {
                do { signingKey = try ReceiptPublicKey(text: text) } catch { throw BrokerError(.badRequest, "signingKey: \(error.description)") }
            }
            self.owner = owner
            self.leaseId = leaseId
            self.tee = tee
            self.nonce = nonce
            self.evidence = evidence
            self.publicKey = publicKey
            challenge = ChallengeToken.open(nonce, owner: owner, leaseID: leaseId, key: challengeKey)
            entryFields = [
                "tee": .string(tee.rawValue), "evidenceHash": .string(Hex.encode(Array(SHA256.hash(data: evidence)))),
                "suite": .string(suite.id), "nonce": .string(Base64.encode(nonce)),
            ]
        }
    }

    /// Phase 2's snapshot: what the decision reads, all from one read transaction.
    struct GrantState: Sendable {
        var nonceUsed = false
        var lease: LeaseRecord?
        /// The lease's stored manifest, parsed (a failure is the broker's own fault).
        var manifest: Result<LeaseManifest, BrokerError> = .failure(BrokerError(.internal, "the lease's manifest was not read"))
        var signedInputs = SignedDataCheck.Inputs()
        /// The vault records of the manifest's keys, at the versions `lease.issued` recorded.
        var vaultKeys: [String: VaultKeyRecord] = [:]
    }

    /// What `decide` approved: the parsed manifest and the collateral that decided.
    struct Approval: Sendable {
        var manifest: LeaseManifest
        var collateral: [[UInt8]]
    }

    /// Phase 4's result: the keys as sent, and as logged.
    struct SealedKeys: Sendable {
        var grantId = Hex.encode(SymmetricKey(size: .bits128).withUnsafeBytes { Array($0) })
        var keys: [GrantedKey] = []
        /// `{keyId, version, sealedDigest}` per key, for the `key.granted` entry.
        var logged: [JSONValue] = []
        /// The grant's evidence record and collateral, kept beside the log for
        /// `audit verify --evidence`, each under its digest.
        var evidence: [(digest: [UInt8], bytes: [UInt8])] = []
    }

    /// Phase 2: one read transaction: was the nonce used, the lease, what proves its rows
    /// (`SignedDataCheck`), and the vault records of its keys.
    func readGrantState(_ input: GrantInput) async throws(BrokerError) -> GrantState {
        let signedData = self.signedData
        let (owner, leaseId, nonce, issued) = (input.owner, input.leaseId, input.nonce, input.challenge != nil)
        return try await read { tx -> GrantState in
            var state = GrantState()
            state.nonceUsed = issued ? try tx.nonceUsed(nonce) : false
            guard let lease = try tx.lease(owner: owner, leaseId: leaseId) else { return state }
            state.lease = lease
            state.signedInputs = try signedData.read(lease, in: tx)
            do { state.manifest = .success(try LeaseManifest(canonicalJSON: lease.manifest)) } catch {
                state.manifest = .failure(BrokerError(.internal, "stored manifest: \(error)"))
            }
            guard case .success(let manifest) = state.manifest else { return state }
            // The key versions its lease.issued entry recorded (SignedDataCheck proves that
            // entry before anything is released); leases issued before versions were recorded
            // follow the latest.
            let versions = state.signedInputs.leaseEntry.flatMap { try? LogEntry(bytes: $0) }?.fields["keyVersions"]
            for id in manifest.keys {
                if let versions {
                    guard let v = versions[id]?.intValue, let version = UInt64(exactly: v) else { continue }
                    state.vaultKeys[id] = try tx.vaultKey(owner: owner, keyId: id, version: version)
                } else {
                    state.vaultKeys[id] = try tx.latestVaultKey(owner: owner, keyId: id)
                }
            }
            return state
        }
    }

    /// Phase 3, written as early exits; the first failure decides (PROTOCOL.md §13, steps
    /// 5-12). `fields` gains what an auditor needs to hold the decision against the signed
    /// manifest (the collateral used; the verified measurement, debug flag and TCB status),
    /// whether or not it is a grant.
    func decide(_ input: GrantInput, lease: LeaseRecord, _ state: GrantState, at now: Date, fields: inout [String: JSONValue]) async -> Result<
        Approval, BrokerError
    > {
        // 5. The rows about to decide, against their MAC, the owner's signature and the signed log.
        do throws(BrokerError) {
            try rowMAC.check(lease, current: false)
            try signedData.check(lease, state.signedInputs)
        } catch {
            return .failure(error)
        }
        // 6. Genuine evidence. Where the broker has its own collateral service for this TEE,
        // its verified collateral decides and what the workload sent is ignored.
        var collateral = input.collateral
        if let service = configuration.collateral, service.handles(input.tee) {
            do throws(CollateralError) {
                // The workload's collateral only lends an endorsement key KDS cannot serve (a VLEK).
                if let supplied = try await service.collateral(
                    for: Attestation.Evidence(tee: input.tee, bytes: input.evidence, collateral: input.collateral), at: now)
                {
                    collateral = supplied.pieces
                    fields["collateral"] = Self.collateralField(supplied)
                }
            } catch {
                return .failure(
                    BrokerError(
                        .collateralUnavailable,
                        "no current, verified \(input.tee.rawValue) collateral: \(error.description); retry with a new challenge"))
            }
        }
        let claims: any TEEClaims
        switch verify(tee: input.tee, evidence: input.evidence, collateral: collateral, at: now) {
        case .success(let c): claims = c
        case .failure(let e): return .failure(e)
        }
        fields["measurement"] = .string(Hex.encode(claims.measurement))
        fields["debug"] = .bool(claims.debug)
        if let tcb = claims.tcbStatus { fields["tcbStatus"] = .string(String(tcb.prefix(64))) }
        fields["manifestDigest"] = .string(Hex.encode(lease.digest))
        // 7. The lease is active at this moment.
        var machine = Self.machine(lease)
        if case .refuse(let why) = machine.grantRequested(at: now) { return .failure(BrokerError(why)) }
        // 8-12. A workload entry, the request's terms, the binding last.
        let manifest: LeaseManifest
        switch state.manifest {
        case .success(let m): manifest = m
        case .failure(let e): return .failure(e)
        }
        let binding = LeaseBinding(
            nonce: input.nonce, suiteID: input.suite.id, publicKey: input.publicKey, owner: input.owner, leaseID: input.leaseId,
            manifestDigest: lease.digest, signingKey: input.signingKey?.text)
        let terms = PolicyMatcher.Terms(suite: input.suite.id, signingKey: input.signingKey?.scheme)
        if case .failure(let why) = matcher.match(claims, manifest: manifest, terms: terms, binding: binding) {
            return .failure(BrokerError(why))
        }
        return .success(Approval(manifest: manifest, collateral: collateral))
    }

    /// Phase 4: every key opened from the vault and sealed to the workload's one-time key,
    /// before the commit (so the commit queue never waits on HPKE); and the evidence record
    /// to keep. Nothing leaves before the commit.
    func sealKeys(_ input: GrantInput, lease: LeaseRecord, _ approval: Approval, _ vaultKeys: [String: VaultKeyRecord], at now: Date)
        -> Result<
            SealedKeys, BrokerError
        >
    {
        var sealed = SealedKeys()
        do {
            let notAfter = ManifestTime.format(lease.notAfter)
            for keyId in approval.manifest.keys {
                guard let record = vaultKeys[keyId] else { throw BrokerError(.keyNotFound, "key \(keyId) is gone from \(input.owner)'s vault") }
                let dataKey = try vault.open(record.sealed, owner: input.owner, keyId: keyId, version: record.version)
                let info = LeaseBinding.grantInfo(owner: input.owner, leaseID: input.leaseId, keyID: keyId, notAfter: notAfter)
                let w = try KeyWrap.seal(dataKey, to: input.publicKey, suite: input.suite, info: info)
                sealed.keys.append(
                    GrantedKey(keyId: keyId, encapsulatedKey: Base64.encode(w.encapsulatedKey), ciphertext: Base64.encode(w.ciphertext)))
                sealed.logged.append(
                    .dict([
                        "keyId": .string(keyId), "version": .int(Int64(record.version)),
                        "sealedDigest": .string(GrantedKey.sealedDigest(encapsulatedKey: w.encapsulatedKey, ciphertext: w.ciphertext)),
                    ]))
            }
            guard !sealed.keys.isEmpty else { throw BrokerError(.internal, "the lease names no key") }
        } catch let e as BrokerError {
            return .failure(e)
        } catch {
            return .failure(BrokerError(.badRequest, "cannot seal the keys to the workload key: \(error)"))
        }
        // What decided the grant, kept beside the log for `audit verify --evidence`: the record
        // under its hash, then each collateral piece under the digest the record names it by.
        let record = GrantEvidenceRecord(
            tee: input.tee.rawValue, evidence: input.evidence, collateral: approval.collateral, nonce: input.nonce, suite: input.suite.id,
            publicKey: input.publicKey, signingKey: input.signingKey?.text, verifiedAt: now)
        let bytes = record.canonicalJSON
        sealed.evidence =
            [(Array(SHA256.hash(data: bytes)), bytes)]
            + zip(record.collateralDigests, approval.collateral).compactMap { d, piece in Hex.decode(d).map { ($0, piece) } }
        return .success(sealed)
    }

    /// Phase 5: one transaction (shared with concurrent grants): the nonce's use, the count,
    /// the grant and its entry, or the refusal's `key.denied`. A nonce this broker issued for
    /// this lease is used up by this request, whatever the outcome; bytes it never issued were
    /// refused in phase 2 and are not remembered. Throws only when the log could not be
    /// written (nothing is released then).
    func commitGrant(_ input: GrantInput, _ decision: Result<Approval, BrokerError>, _ sealed: SealedKeys, fields: [String: JSONValue], at now: Date)
        async throws(BrokerError) -> GroupCommitter.Committed
    {
        let (owner, leaseId) = (input.owner, input.leaseId)
        let use = input.challenge.map {
            NonceRecord(nonce: input.nonce, owner: owner, leaseId: leaseId, usedAt: Self.millis(now), expiresAt: Self.millis($0.expiresAt))
        }
        let precheck: BrokerError?
        if case .failure(let e) = decision { precheck = e } else { precheck = nil }
        let publicKeyHash = Hex.encode(Array(SHA256.hash(data: input.publicKey)))
        let signingKeyText = input.signingKey?.text
        let (clock, rowMAC) = (configuration.clock, self.rowMAC)
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
                    var machine = Self.machine(current)
                    // The row that decides is this one, read in the commit: its MAC first.
                    do throws(BrokerError) { try rowMAC.check(current, current: true) } catch { why = error }
                    if why == nil {
                        switch machine.granted(at: now) {
                        case .refuse(let refusal): why = BrokerError(refusal)
                        case .commit(let n, _):
                            grantNumber = n
                            current.state = machine.state.rawValue
                            current.grantsIssued = machine.grantsIssued
                            updated = current
                        }
                    }
                } else {
                    why = BrokerError(.leaseNotFound, "no lease \(owner)/\(leaseId)")
                }
            }
            if let why {
                var f = fields
                f["reason"] = .string(why.code.rawValue)
                f["detail"] = .string(Self.boundedDetail(why.message))
                let e = try tx.appendLog { seq, prev in
                    LogEntry(seq: seq, time: now, kind: "key.denied", owner: owner, leaseId: leaseId, prev: prev, fields: f)
                }
                return .init(seq: e.seq, value: .denied(why))
            }
            var f = fields
            f["keyIds"] = .array(sealed.keys.map { .string($0.keyId) })
            f["keys"] = .array(sealed.logged)
            f["grantId"] = .string(sealed.grantId)
            f["grantNumber"] = .int(grantNumber)
            f["publicKeyHash"] = .string(publicKeyHash)
            if let signingKeyText { f["signingKey"] = .string(signingKeyText) }
            if let record = sealed.evidence.first { f["evidenceRecord"] = .string(Hex.encode(record.digest)) }
            let e = try tx.appendLog { seq, prev in
                LogEntry(seq: seq, time: now, kind: "key.granted", owner: owner, leaseId: leaseId, prev: prev, fields: f)
            }
            if let updated { try tx.updateLease(rowMAC.sealed(updated, lastSeq: e.seq)) }
            // Content-addressed: a collateral set many grants share is kept once.
            for item in sealed.evidence { try tx.insertEvidence(digest: item.digest, record: item.bytes) }
            // Receipts are checked against the entry's signingKey, not a row: the row only
            // finds the entry (receiptKeySealed stays empty since receipts are signed).
            try tx.insertGrant(GrantRecord(grantId: sealed.grantId, owner: owner, leaseId: leaseId, seq: e.seq, receiptKeySealed: []))
            return .init(seq: e.seq, value: .granted(grantNumber: grantNumber), entry: e.bytes)
        }
        switch committed {
        case .failure(let e): throw e  // log unavailable: nothing released
        case .success(let c): return c
        }
    }

    /// Seconds since `start`, for `GrantTimings`.
    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let d = ContinuousClock.now - start
        return Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
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

    static func millis(_ d: Date) -> Int64 { Int64((d.timeIntervalSince1970 * 1000).rounded(.down)) }
}
