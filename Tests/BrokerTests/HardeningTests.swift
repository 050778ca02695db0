import Codecs
import Attestation
import Crypto
import BrokerHTTP
import Foundation
import Synchronization
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdClient
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// A store that forwards to SQLite but lets a test act before each write: hold the write
/// lock (refuse writes), or move the clock as a slow commit queue would.
final class ProbeStore: BrokerStore, Sendable {
    let inner: SQLiteStore
    let beforeWrite = Mutex<(@Sendable () async throws -> Void)?>(nil)

    init(_ inner: SQLiteStore) { self.inner = inner }

    func write<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        try await beforeWrite.withLock { $0 }?()
        return try await inner.write(body)
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws -> T {
        try await inner.read(body)
    }
}

struct WriteLockHeld: Error {}

/// Regression tests for the broker findings of SECURITY-REVIEW-2026-12 (H2, M3, M4, L1, L2,
/// L4, L8), each built from its reproduction.
@Suite struct HardeningTests {
    static func harness(allowSandbox: Bool = true) async throws -> (BrokerHarness, ProbeStore) {
        let probe = Mutex<ProbeStore?>(nil)
        let h = try await BrokerHarness.make(
            allowSandbox: allowSandbox,
            store: { sqlite in
                let p = ProbeStore(sqlite)
                probe.withLock { $0 = p }
                return p
            })
        return (h, try #require(probe.withLock { $0 }))
    }

    /// H2: requests without a genuine, unused nonce of an existing lease get their 4xx and add
    /// nothing to the permanent log, however large their fields; a genuine nonce buys one
    /// entry, whose fields are the validated ones.
    @Test func unauthenticatedGarbageNeverReachesTheLog() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let before = try await h.entries().count
        let pair = try KeyWrapKeyPair.generate()
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let good = try h.grantRequest(ch, leaseId: "l1", pair: pair)

        var fat = good
        fat.tee = String(repeating: "A", count: 1_048_000)  // the review's 1 MiB tee
        await expectRefusal(.badRequest) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", fat) }
        var noNonce = good
        noNonce.nonce = ""
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: "nobody-0", leaseId: "nothing", noNonce) }
        var bogus = good
        bogus.nonce = Base64.encode([UInt8](repeating: 7, count: 48))
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: "nobody-0", leaseId: "nothing", bogus) }
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", bogus) }
        await expectRefusal(.badRequest) { _ = try await h.broker.grant(owner: "..%2F..%2Fetc%0Aevil%22", leaseId: "l1", good) }
        #expect(try await h.entries().count == before, "no entry for any request without a genuine nonce")

        // A genuine nonce with the wrong software: exactly one key.denied, with the known tee.
        let wrong = try h.grantRequest(ch, leaseId: "l1", pair: pair, measurement: [UInt8](repeating: 1, count: 48))
        await expectRefusal(.measurementMismatch) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", wrong) }
        let after = try await h.entries()
        #expect(after.count == before + 1)
        #expect(after.last?.kind == "key.denied")
        #expect(after.last?.fields["tee"]?.stringValue == "sandbox")
        // The used nonce again (a replay) is refused without a second entry.
        await expectRefusal(.nonceInvalid) { _ = try await h.broker.grant(owner: h.owner, leaseId: "l1", good) }
        #expect(try await h.entries().count == before + 1)
    }

    /// H2: a refusal's detail can quote the evidence; what reaches the log is bounded.
    @Test func aDenialsDetailIsBounded() {
        let long = String(repeating: "é", count: 5000)
        let cut = Broker.boundedDetail(long)
        #expect(cut.utf8.count <= Broker.maximumDetailBytes)
        #expect(cut.hasSuffix("..."))
        #expect(Broker.boundedDetail("short") == "short")
    }

    /// L2: the unauthenticated checkpoint route is a read: it answers while another writer
    /// holds the write lock.
    @Test func theCheckpointIsServedWithoutTheWriteLock() async throws {
        let (h, probe) = try await Self.harness()
        try await h.issue(h.manifest("l1"))
        let expected = try await h.broker.checkpoint()
        probe.beforeWrite.withLock { $0 = { throw WriteLockHeld() } }
        let note = try await h.broker.checkpoint()
        #expect(note == expected)
        // ...and a write path that appends also signed the checkpoint covering its entry.
        let size = try Checkpoint(body: String(note.split(separator: "\n\n")[0]) + "\n").size
        #expect(size == UInt64(try await h.entries().count))
    }

    /// L1: the lease is checked again with the clock read inside the commit. A commit queue
    /// that takes the request past notAfter releases nothing, and logs the refusal at the
    /// time it was decided.
    @Test func aGrantCommittedAfterNotAfterIsRefused() async throws {
        let (h, probe) = try await Self.harness()
        try await h.issue(h.manifest("edge", ttl: "60s"))
        let clock = h.clock
        h.clock.advance(59)
        probe.beforeWrite.withLock { $0 = { clock.advance(5) } }
        await expectRefusal(.leaseExpired) { _ = try await h.fetch("edge") }
        probe.beforeWrite.withLock { $0 = nil }
        let last = try #require(try await h.entries().last)
        #expect(last.kind == "key.denied")
        let status = try await h.broker.leaseStatus(owner: h.owner, leaseId: "edge")
        #expect(status.grantsIssued == 0)
        let notAfter = try #require(RFC3339.parse(status.notAfter))
        #expect(last.time >= notAfter)
    }

    /// L4: no lease longer than ten years, and none past 9999-12-31T23:59:59Z.
    @Test func leaseWindowsAreBounded() async throws {
        let h = try await BrokerHarness.make()
        var far = h.manifest("far")
        far.expiry = .notAfter(ManifestTime.seconds(h.clock.now) + 3651 * 86_400)
        await expectRefusal(.manifestInvalid) { try await h.issue(far) }
        var y10k = h.manifest("y10k", ttl: "3650d")
        y10k.notBefore = 253_402_300_799
        await expectRefusal(.manifestInvalid) { try await h.issue(y10k) }
        var fine = h.manifest("fine")
        fine.expiry = .notAfter(ManifestTime.seconds(h.clock.now) + 3649 * 86_400)
        try await h.issue(fine)
    }

    /// Issue 10: every field that reaches an entry is bounded. The largest entries a lease can
    /// cause (64 key ids of 128 characters, a 4096-byte purpose, its grants, each listing every
    /// key with its version and sealed digest, and lease.issued carrying the signed envelope)
    /// stay under the 160 KiB README states.
    @Test func theLargestEntryIsBounded() async throws {
        let h = try await BrokerHarness.make()
        let vaultKey = Base64.decodeCanonical(h.broker.info().vaultPublicKeys[KeyWrapSuite.default.id]!)!
        var ids: [String] = []
        for i in 0..<LeaseManifest.maximumKeys {
            let id = String(format: "%03d", i) + String(repeating: "k", count: 125)
            let sealed = try VaultPut.seal(h.dataKey, owner: h.owner, keyId: id, vaultPublicKey: vaultKey)
            _ = try await h.broker.putKey(
                owner: h.owner, keyId: id,
                try OwnerRequestSigning.sign(
                    [
                        "op": .string("vault.put"), "owner": .string(h.owner), "keyId": .string(id), "suite": .string(KeyWrapSuite.default.id),
                        "encapsulatedKey": .string(Base64.encode(sealed.encapsulatedKey)), "ciphertext": .string(Base64.encode(sealed.ciphertext)),
                    ], key: h.ownerKey, at: h.clock.now, broker: h.broker.logVerifierKey))
            ids.append(id)
        }
        var m = h.manifest("big")
        m.keys = ids
        m.purpose = String(repeating: "p", count: 4096)
        try await h.issue(m)
        var tooMany = m
        tooMany.leaseId = "too-many"
        tooMany.keys = ids + ["one-more"]
        #expect(throws: ManifestError.self) { try LeaseManifest(canonicalJSON: tooMany.canonicalJSON) }
        let got = try await h.fetch("big")
        #expect(got.keys.count == LeaseManifest.maximumKeys)
        await expectRefusal(.measurementMismatch) { _ = try await h.fetch("big", measurement: [UInt8](repeating: 1, count: 48)) }
        let all = try await h.broker.logEntries(start: 0, limit: 1000)
        let denials = try all.filter { try LogEntry(bytes: $0).kind == "key.denied" }
        #expect(!denials.isEmpty && denials.allSatisfy { $0.count <= 2048 }, "a key.denied over 2 KiB")
        let largest = all.map(\.count).max() ?? 0
        #expect(largest > 32 * 1024 && largest <= 160 * 1024, "largest entry \(largest) bytes")
    }

    /// L8: a broker that does not accept sandbox evidence does not issue sandbox leases.
    @Test func sandboxLeasesNeedASandboxBroker() async throws {
        let h = try await BrokerHarness.make(allowSandbox: false)
        await expectRefusal(.manifestInvalid) { try await h.issue(h.manifest("dev")) }
        #expect(try await h.entries().allSatisfy { $0.kind != "lease.issued" })
    }

    /// M3: a manifest addressed to another broker, or past its issue-by time, is refused.
    @Test func manifestsCanNameTheirBrokerAndAnIssueDeadline() async throws {
        let h = try await BrokerHarness.make()
        var elsewhere = h.manifest("elsewhere")
        elsewhere.broker = "other.example/log+01020304+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
        await expectRefusal(.manifestInvalid) { try await h.issue(elsewhere) }
        var here = h.manifest("here")
        here.broker = h.broker.logVerifierKey
        here.issueBefore = ManifestTime.seconds(h.clock.now) + 60
        try await h.issue(here)
        var late = h.manifest("late")
        late.issueBefore = ManifestTime.seconds(h.clock.now) - 1
        await expectRefusal(.manifestInvalid) { try await h.issue(late) }
        // The audience is part of the signed bytes: it round-trips through canonical JSON.
        #expect(try LeaseManifest(canonicalJSON: here.canonicalJSON) == here)
    }

    /// CRYPTO-REVIEW M4: a lease may require post-quantum key transport; a grant asking for
    /// another suite is refused (and logged: it names a genuine nonce).
    @Test func aLeaseCanRequireItsKeyTransportSuite() async throws {
        let h = try await BrokerHarness.make()
        var m = h.manifest("pq")
        m.suite = KeyWrapSuite.xwingSHA256AES256GCM.id
        try await h.issue(m)
        await expectRefusal(.suiteNotAllowed) { _ = try await h.fetch("pq") }
        let got = try await LocalWorkload(broker: h.broker, suite: .xwingSHA256AES256GCM)
            .fetch(owner: h.owner, leaseId: "pq", evidence: EvidenceProviders.sandbox(measurement: BrokerHarness.measurement))
        #expect(got.keys[h.keyId] == h.dataKey)
        var bad = h.manifest("bad")
        bad.suite = "rot13"
        #expect(throws: ManifestError.self) { try LeaseManifest(canonicalJSON: bad.canonicalJSON) }
    }

    /// The grant's entry records what an auditor needs to hold it against the manifest: the
    /// manifest digest, what matched, and each key released with its version and the digest
    /// of the sealed bytes sent; a workload refuses sealed keys other than those.
    @Test func theGrantEntryRecordsTheSealedKeys() async throws {
        let h = try await BrokerHarness.make()
        let status = try await h.issue(h.manifest("l1"))
        let pair = try KeyWrapKeyPair.generate()
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let r = try await h.broker.grant(owner: h.owner, leaseId: "l1", try h.grantRequest(ch, leaseId: "l1", pair: pair))
        let e = try r.receipt.checkEntry(owner: h.owner, leaseId: "l1", grantId: r.grantId, keys: r.keys, publicKey: pair.publicKey)
        #expect(e.fields["manifestDigest"]?.stringValue == status.manifestDigest)
        #expect(e.fields["debug"]?.boolValue == false)
        let k = try #require(e.fields["keys"]?.arrayValue?.first)
        #expect(k["version"]?.intValue == 1)
        // Keys swapped in transit (a man in the middle re-sealing its own key to the workload).
        var swapped = r.keys
        swapped[0].ciphertext = Base64.encode(Base64.decodeCanonical(swapped[0].ciphertext)!.map { $0 ^ 1 })
        #expect(throws: GrantReceiptMismatch.self) {
            _ = try r.receipt.checkEntry(owner: h.owner, leaseId: "l1", grantId: r.grantId, keys: swapped, publicKey: pair.publicKey)
        }
    }

    /// CRYPTO-REVIEW L2: a lease releases the key versions current when it was issued; a
    /// rotation reaches only leases issued after it.
    @Test func aLeaseKeepsTheKeyVersionsItWasIssuedWith() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("before"))
        let rotated = try DataKey.generate()
        let vaultKey = Base64.decodeCanonical(h.broker.info().vaultPublicKeys[KeyWrapSuite.default.id]!)!
        let sealed = try VaultPut.seal(rotated, owner: h.owner, keyId: h.keyId, vaultPublicKey: vaultKey)
        let put = try await h.broker.putKey(
            owner: h.owner, keyId: h.keyId,
            try OwnerRequestSigning.sign(
                [
                    "op": .string("vault.put"), "owner": .string(h.owner), "keyId": .string(h.keyId), "suite": .string(KeyWrapSuite.default.id),
                    "encapsulatedKey": .string(Base64.encode(sealed.encapsulatedKey)), "ciphertext": .string(Base64.encode(sealed.ciphertext)),
                ], key: h.ownerKey, at: h.clock.now, broker: h.broker.logVerifierKey))
        #expect(put.version == 2)
        try await h.issue(h.manifest("after"))
        #expect(try await h.fetch("before").keys[h.keyId] == h.dataKey)
        #expect(try await h.fetch("after").keys[h.keyId] == rotated)
        let granted = try await h.entries().filter { $0.kind == "key.granted" }
        #expect(granted.map { $0.fields["keys"]?.arrayValue?.first?["version"]?.intValue } == [1, 2])
    }

    /// M4: the receipt carries the grant's own entry; an entry of another grant, or of
    /// another kind, is refused even though its inclusion proof is genuine.
    @Test func aReceiptProvesThisGrantNotJustSomeLeaf() async throws {
        let h = try await BrokerHarness.make()
        try await h.issue(h.manifest("l1"))
        let pair = try KeyWrapKeyPair.generate()
        let ch = try await h.broker.challenge(owner: h.owner, leaseId: "l1")
        let r = try await h.broker.grant(owner: h.owner, leaseId: "l1", try h.grantRequest(ch, leaseId: "l1", pair: pair))
        let entry = try r.receipt.checkEntry(owner: h.owner, leaseId: "l1", grantId: r.grantId, keys: r.keys, publicKey: pair.publicKey)
        #expect(entry.kind == "key.granted")
        #expect(throws: GrantReceiptMismatch.self) {
            _ = try r.receipt.checkEntry(
                owner: h.owner, leaseId: "l1", grantId: r.grantId, keys: r.keys, publicKey: try KeyWrapKeyPair.generate().publicKey)
        }
        #expect(throws: GrantReceiptMismatch.self) {
            _ = try r.receipt.checkEntry(owner: h.owner, leaseId: "l1", grantId: "0000", keys: r.keys, publicKey: pair.publicKey)
        }
        // A broker that points the receipt at entry 0 (a genuine leaf, proof and all).
        let first = try await h.broker.logEntries(start: 0, limit: 1)[0]
        var forged = r.receipt
        forged.entry = Base64.encode(first)
        forged.leafHash = MerkleHash.leaf(first).base64
        forged.logIndex = 0
        #expect(throws: GrantReceiptMismatch.self) {
            _ = try forged.checkEntry(owner: h.owner, leaseId: "l1", grantId: r.grantId, keys: r.keys, publicKey: pair.publicKey)
        }
    }

    /// L9: a group-commit leader returns after the batch holding its own request, even while
    /// later requests keep arriving; the next batch is led by one of their callers.
    @Test func aCommitLeaderIsNotHeldByOtherCallersBatches() async throws {
        let (h, probe) = try await Self.harness()
        let committer = GroupCommitter(store: probe, signer: h.broker.signer, clock: { h.clock.now }, timings: GrantTimings())
        // The first batch's write waits until a second request has queued behind it; the
        // second batch's write is slow. The first caller must not wait for it.
        let secondQueued = Mutex(false)
        let writes = Mutex(0)
        probe.beforeWrite.withLock {
            $0 = {
                let n = writes.withLock {
                    $0 += 1; return $0
                }
                if n == 1 {
                    for _ in 0..<300 where !secondQueued.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(10)) }
                } else if n == 2 {
                    try await Task.sleep(for: .seconds(5))
                }
            }
        }
        let work: GroupCommitter.Work = { _ in .init(seq: nil, value: .done) }
        let clock = ContinuousClock()
        let started = clock.now
        async let first = committer.submit(work)
        try await Task.sleep(for: .milliseconds(100))
        async let second = committer.submit(work)
        try await Task.sleep(for: .milliseconds(200))
        secondQueued.withLock { $0 = true }
        _ = await first
        let firstDone = clock.now - started
        _ = await second
        #expect(writes.withLock { $0 } == 2)
        #expect(firstDone < .seconds(4), "the leader waited for another caller's batch: \(firstDone)")
    }
}
