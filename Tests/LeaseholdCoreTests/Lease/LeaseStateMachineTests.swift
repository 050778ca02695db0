import Crypto
import Foundation
import Testing
@testable import LeaseholdCore

@Suite("Lease state machine")
struct LeaseStateMachineTests {
    static let window = LeaseWindow(notBefore: 1_000, notAfter: 2_000)
    static func at(_ s: Int) -> Date { Date(timeIntervalSince1970: TimeInterval(s)) }

    private func refusalCode(_ action: LeaseStateMachine.GrantRequestAction) -> LeaseRefusal.Code? {
        if case .refuse(let r) = action { return r.code }
        return nil
    }

    @Test func grantsUntilExhausted() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 2)
        #expect(lease.state == .issued)
        #expect(lease.grantRequested(at: Self.at(1_000)) == .proceed)
        #expect(lease.state == .active)
        #expect(lease.granted(at: Self.at(1_001)) == .commit(grantNumber: 1, exhausted: false))
        #expect(lease.grantRequested(at: Self.at(1_002)) == .proceed)
        #expect(lease.granted(at: Self.at(1_003)) == .commit(grantNumber: 2, exhausted: true))
        #expect(lease.state == .exhausted)
        #expect(refusalCode(lease.grantRequested(at: Self.at(1_004))) == .leaseExhausted)
    }

    /// An exhausted lease still ends: its last workload releases it, or its owner revokes it;
    /// after that it stays ended.
    @Test func anExhaustedLeaseCanStillBeReleasedOrRevokedOnce() {
        let ends: [(inout LeaseStateMachine, Date) -> LeaseStateMachine.EndAction] = [{ $0.release(at: $1) }, { $0.revoke(at: $1) }]
        for end in ends {
            var lease = LeaseStateMachine(window: Self.window, maxGrants: 1)
            _ = lease.grantRequested(at: Self.at(1_000))
            _ = lease.granted(at: Self.at(1_001))
            #expect(lease.state == .exhausted)
            #expect(end(&lease, Self.at(1_002)) == .record)
            #expect(lease.state == .released || lease.state == .revoked)
            #expect(end(&lease, Self.at(1_003)) != .record)
            #expect(lease.release(at: Self.at(1_003)) != .record)
        }
    }

    @Test func twoRequestsRacingForTheLastGrantReleaseOnlyOne() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 1)
        #expect(lease.grantRequested(at: Self.at(1_500)) == .proceed)
        #expect(lease.grantRequested(at: Self.at(1_500)) == .proceed)
        #expect(lease.granted(at: Self.at(1_501)) == .commit(grantNumber: 1, exhausted: true))
        guard case .refuse(let r) = lease.granted(at: Self.at(1_501)) else { Issue.record("second grant committed"); return }
        #expect(r.code == .leaseExhausted)
        #expect(lease.grantsIssued == 1)
    }

    @Test func notYetValidAndExpiredAtTheBoundaries() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(refusalCode(lease.grantRequested(at: Self.at(999))) == .leaseNotYetValid)
        #expect(lease.state == .issued)
        #expect(lease.grantRequested(at: Self.at(1_999)) == .proceed)
        // notAfter is exclusive, and expiry holds without any sweep.
        #expect(refusalCode(lease.grantRequested(at: Self.at(2_000))) == .leaseExpired)
        #expect(lease.state == .active)
    }

    @Test func expiryBetweenRequestAndCommitReleasesNothing() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(lease.grantRequested(at: Self.at(1_999)) == .proceed)
        guard case .refuse(let r) = lease.granted(at: Self.at(2_000)) else { Issue.record("granted after notAfter"); return }
        #expect(r.code == .leaseExpired)
        #expect(lease.grantsIssued == 0)
    }

    @Test func revokeEndsTheLeaseOnce() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(lease.revoke(at: Self.at(1_100)) == .record)
        #expect(lease.state == .revoked)
        #expect(refusalCode(lease.grantRequested(at: Self.at(1_200))) == .leaseRevoked)
        guard case .refuse(let again) = lease.revoke(at: Self.at(1_300)) else { Issue.record("revoked twice"); return }
        #expect(again.code == .leaseRevoked)
        guard case .refuse(let release) = lease.release(at: Self.at(1_300)) else { Issue.record("released after revoke"); return }
        #expect(release.code == .leaseRevoked)
    }

    @Test func revokeBetweenRequestAndCommitReleasesNothing() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(lease.grantRequested(at: Self.at(1_100)) == .proceed)
        #expect(lease.revoke(at: Self.at(1_101)) == .record)
        guard case .refuse(let r) = lease.granted(at: Self.at(1_102)) else { Issue.record("granted after revoke"); return }
        #expect(r.code == .leaseRevoked)
    }

    @Test func releaseEndsTheLease() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(lease.release(at: Self.at(1_100)) == .record)
        #expect(refusalCode(lease.grantRequested(at: Self.at(1_200))) == .leaseReleased)
    }

    @Test func sweepRecordsExpiryExactlyOnce() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(lease.sweep(at: Self.at(500)) == .none)
        #expect(lease.state == .issued)
        #expect(lease.sweep(at: Self.at(1_500)) == .none)
        #expect(lease.state == .active)
        #expect(lease.sweep(at: Self.at(2_000)) == .recordExpired)
        #expect(lease.state == .expired)
        #expect(lease.sweep(at: Self.at(3_000)) == .none)
        #expect(refusalCode(lease.grantRequested(at: Self.at(1_500))) == .leaseExpired)
        // Restored from the store after a restart: still once.
        var restored = LeaseStateMachine(
            state: lease.state, window: Self.window, maxGrants: 5,
            grantsIssued: lease.grantsIssued, expiryRecorded: lease.expiryRecorded)
        #expect(restored.sweep(at: Self.at(4_000)) == .none)
    }

    @Test func aRevokedLeaseStillGetsItsExpiryRecordedButStaysRevoked() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        #expect(lease.revoke(at: Self.at(1_100)) == .record)
        #expect(lease.sweep(at: Self.at(2_500)) == .recordExpired)
        #expect(lease.state == .revoked)
        #expect(lease.sweep(at: Self.at(2_600)) == .none)
    }

    @Test func cannotRevokeAnExpiredLease() {
        var lease = LeaseStateMachine(window: Self.window, maxGrants: 5)
        guard case .refuse(let r) = lease.revoke(at: Self.at(2_000)) else { Issue.record("revoked after expiry"); return }
        #expect(r.code == .leaseExpired)
    }
}

@Suite("Challenge state machine")
struct ChallengeStateMachineTests {
    static let issued = Date(timeIntervalSince1970: 10_000)

    @Test func aNonceIsGoodOnceAndOnlyForItsLease() {
        var c = ChallengeStateMachine(nonce: [1, 2, 3], owner: "acme", leaseID: "l1", issuedAt: Self.issued)
        #expect(c.expiresAt == Self.issued.addingTimeInterval(60))
        #expect(c.grantRequested(owner: "acme", leaseID: "l1", at: Self.issued.addingTimeInterval(5)) == .proceed)
        guard case .refuse(let r, let consumed) = c.grantRequested(owner: "acme", leaseID: "l1", at: Self.issued.addingTimeInterval(6)) else {
            Issue.record("replay accepted"); return
        }
        #expect(r.code == .nonceInvalid)
        #expect(!consumed)
    }

    @Test func aRefusedAttemptStillConsumesTheNonce() {
        var c = ChallengeStateMachine(nonce: [1], owner: "acme", leaseID: "l1", issuedAt: Self.issued)
        guard case .refuse(let r, let consumed) = c.grantRequested(owner: "acme", leaseID: "other", at: Self.issued) else {
            Issue.record("nonce for another lease accepted"); return
        }
        #expect(r.code == .nonceInvalid)
        #expect(consumed)
        // The right lease cannot use it afterwards either.
        guard case .refuse = c.grantRequested(owner: "acme", leaseID: "l1", at: Self.issued) else { Issue.record("reused"); return }
    }

    @Test func anExpiredNonceIsRefusedAndConsumed() {
        var c = ChallengeStateMachine(nonce: [1], owner: "acme", leaseID: "l1", issuedAt: Self.issued)
        guard case .refuse(let r, true) = c.grantRequested(owner: "acme", leaseID: "l1", at: Self.issued.addingTimeInterval(60)) else {
            Issue.record("expired nonce accepted"); return
        }
        #expect(r.code == .nonceInvalid)
        #expect(c.state == .consumed)
    }

    @Test func sweepPurgesUsedAndExpiredChallenges() {
        var c = ChallengeStateMachine(nonce: [1], owner: "acme", leaseID: "l1", issuedAt: Self.issued)
        #expect(c.sweep(at: Self.issued.addingTimeInterval(30)) == .keep)
        #expect(c.sweep(at: Self.issued.addingTimeInterval(60)) == .purge)
        _ = c.grantRequested(owner: "acme", leaseID: "l1", at: Self.issued)
        #expect(c.sweep(at: Self.issued) == .purge)
    }

    @Test func issuedNoncesAreFreshAndOpenOnlyForTheirLeaseAndKey() throws {
        var rng = SystemRandomNumberGenerator()
        let key = SymmetricKey(size: .bits256)
        let a = ChallengeStateMachine.issue(owner: "acme", leaseID: "l1", at: Self.issued, key: key, using: &rng)
        let b = ChallengeStateMachine.issue(owner: "acme", leaseID: "l1", at: Self.issued, key: key, using: &rng)
        #expect(a.nonce.count == ChallengeToken.size)
        #expect(a.nonce != b.nonce)
        let opened = try #require(ChallengeToken.open(a.nonce, owner: "acme", leaseID: "l1", key: key))
        #expect(opened == a)
        #expect(ChallengeToken.open(a.nonce, owner: "acme", leaseID: "l2", key: key) == nil)
        #expect(ChallengeToken.open(a.nonce, owner: "acmf", leaseID: "l1", key: key) == nil)
        #expect(ChallengeToken.open(a.nonce, owner: "acme", leaseID: "l1", key: SymmetricKey(size: .bits256)) == nil)
        // lp() framing: moving a byte between owner and lease id changes the tag.
        let c = ChallengeStateMachine.issue(owner: "ab", leaseID: "c", at: Self.issued, key: key, using: &rng)
        #expect(ChallengeToken.open(c.nonce, owner: "a", leaseID: "bc", key: key) == nil)
    }

    @Test func everyBitOfAChallengeTokenIsAuthenticated() {
        var rng = SystemRandomNumberGenerator()
        let key = SymmetricKey(size: .bits256)
        let c = ChallengeStateMachine.issue(owner: "acme", leaseID: "l1", at: Self.issued, key: key, using: &rng)
        for bit in 0..<(c.nonce.count * 8) {
            var flipped = c.nonce
            flipped[bit / 8] ^= 1 << (bit % 8)
            #expect(ChallengeToken.open(flipped, owner: "acme", leaseID: "l1", key: key) == nil, "bit \(bit)")
        }
        #expect(ChallengeToken.open(Array(c.nonce.dropLast()), owner: "acme", leaseID: "l1", key: key) == nil)
        #expect(ChallengeToken.open(c.nonce + [0], owner: "acme", leaseID: "l1", key: key) == nil)
        #expect(ChallengeToken.open([], owner: "acme", leaseID: "l1", key: key) == nil)
    }

    @Test func aTokenCarriesItsLifetime() throws {
        var rng = SystemRandomNumberGenerator()
        let key = SymmetricKey(size: .bits256)
        let c = ChallengeStateMachine.issue(owner: "acme", leaseID: "l1", at: Self.issued, lifetime: 30, key: key, using: &rng)
        var opened = try #require(ChallengeToken.open(c.nonce, owner: "acme", leaseID: "l1", key: key))
        #expect(opened.expiresAt == Self.issued.addingTimeInterval(30))
        guard case .refuse(let r, _) = opened.grantRequested(owner: "acme", leaseID: "l1", at: Self.issued.addingTimeInterval(30)) else {
            Issue.record("a nonce was accepted at its expiry"); return
        }
        #expect(r.code == .nonceInvalid)
    }
}
