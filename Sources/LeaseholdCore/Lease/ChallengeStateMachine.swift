import Crypto
import Foundation

/// One challenge nonce, from issue to use: single use, short-lived, bound to one lease.
///
/// The first grant request that names the nonce consumes it, whatever the outcome: a refused
/// attempt (wrong measurement, bad binding) cannot be retried with the same nonce, so a
/// workload cannot probe the policy with one piece of evidence. A value type the broker keeps
/// per nonce, like `LeaseStateMachine`.
public struct ChallengeStateMachine: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        case issued, consumed
    }

    public enum RequestAction: Sendable, Hashable {
        /// The nonce is good and is now consumed (store that before answering).
        case proceed
        /// Refused with `nonce-invalid`. `consumed` says the state changed and must be stored.
        case refuse(LeaseRefusal, consumed: Bool)
    }

    public enum SweepAction: Sendable, Hashable {
        case purge
        case keep
    }

    /// About a minute: long enough for a TEE to produce a report (a TDX quote takes a few
    /// seconds), short enough that a captured challenge is of little use.
    public static let defaultLifetime: TimeInterval = 60
    public static let nonceSize = ChallengeToken.size

    public let nonce: [UInt8]
    public let owner: String
    public let leaseID: String
    public let issuedAt: Date
    public let expiresAt: Date
    public private(set) var state: State

    public init(
        nonce: [UInt8], owner: String, leaseID: String, issuedAt: Date,
        lifetime: TimeInterval = ChallengeStateMachine.defaultLifetime
    ) {
        self.init(
            nonce: nonce, owner: owner, leaseID: leaseID, issuedAt: issuedAt,
            expiresAt: issuedAt.addingTimeInterval(lifetime), state: .issued)
    }

    /// Restores a challenge from the store.
    public init(nonce: [UInt8], owner: String, leaseID: String, issuedAt: Date, expiresAt: Date, state: State) {
        self.nonce = nonce
        self.owner = owner
        self.leaseID = leaseID
        self.issuedAt = issuedAt
        self.expiresAt = expiresAt
        self.state = state
    }

    /// A new challenge: a `ChallengeToken` with 16 fresh random bytes, authenticated with `key`.
    public static func issue<R: RandomNumberGenerator>(
        owner: String, leaseID: String, at time: Date,
        lifetime: TimeInterval = defaultLifetime, key: SymmetricKey,
        using generator: inout R
    ) -> ChallengeStateMachine {
        let random = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let expires = time.addingTimeInterval(lifetime)
        let nonce = ChallengeToken.make(random: random, owner: owner, leaseID: leaseID, issuedAt: time, expiresAt: expires, key: key)
        return ChallengeStateMachine(nonce: nonce, owner: owner, leaseID: leaseID, issuedAt: time, expiresAt: expires, state: .issued)
    }

    /// A grant request names this nonce for `owner`/`leaseID` at `time`.
    public mutating func grantRequested(owner: String, leaseID: String, at time: Date) -> RequestAction {
        guard state == .issued else {
            return .refuse(LeaseRefusal(.nonceInvalid, "the nonce was already used; ask for a new challenge"), consumed: false)
        }
        state = .consumed
        guard owner == self.owner, leaseID == self.leaseID else {
            return .refuse(LeaseRefusal(.nonceInvalid, "the nonce was issued for another lease"), consumed: true)
        }
        guard time < expiresAt else {
            return .refuse(
                LeaseRefusal(.nonceInvalid, "the nonce expired at \(ManifestTime.format(expiresAt)); ask for a new challenge"), consumed: true)
        }
        return .proceed
    }

    /// Dead challenges (used or expired) can be deleted.
    public func sweep(at time: Date) -> SweepAction {
        state == .consumed || time >= expiresAt ? .purge : .keep
    }
}
