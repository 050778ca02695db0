import Foundation

/// The life of one lease, as a value the broker loads from its store, feeds one event, and
/// stores back with the action it returned, in the style of swift-nio's `*StateMachine`
/// types: every decision about a lease's state is made here, without I/O or a clock, so it
/// is tested on its own and the broker cannot decide it two ways.
///
///     issued --(first event at/after notBefore)--> active
///     active --(sweep at/after notAfter)--> expired
///     active --(revoke)--> revoked       active --(release)--> released
///     active --(granted, last grant)--> exhausted
///
/// Expiry is enforced at request time whether or not a sweep has run. `lease.expired` is
/// recorded by `sweep` exactly once per lease once notAfter has passed, also for a lease that
/// ended earlier by revocation, exhaustion or release, so the log shows every lease's end of
/// term (the auditor's invariant "every lease past notAfter has its lease.expired").
public struct LeaseStateMachine: Sendable, Hashable {
    public enum State: String, Sendable, Hashable, CaseIterable {
        case issued, active, expired, revoked, exhausted, released

        public var isTerminal: Bool {
            switch self {
            case .issued, .active: return false
            case .expired, .revoked, .exhausted, .released: return true
            }
        }
    }

    public enum GrantRequestAction: Sendable, Hashable {
        /// Go on: check nonce, evidence, binding and workload, then call `granted(at:)`.
        case proceed
        case refuse(LeaseRefusal)
    }

    public enum GrantedAction: Sendable, Hashable {
        /// Commit the grant (count, log entry) in one transaction. `grantNumber` is 1-based;
        /// `exhausted` says this grant used the last one.
        case commit(grantNumber: Int64, exhausted: Bool)
        /// The lease changed while the evidence was checked (expired, revoked, last grant
        /// used): release nothing.
        case refuse(LeaseRefusal)
    }

    public enum EndAction: Sendable, Hashable {
        /// Append the entry (`lease.revoked` / `lease.released`) and store the new state.
        case record
        /// The lease had already ended this way or another; nothing to record.
        case refuse(LeaseRefusal)
    }

    public enum SweepAction: Sendable, Hashable {
        /// Append `lease.expired` and store the new state.
        case recordExpired
        case none
    }

    public private(set) var state: State
    public let window: LeaseWindow
    public let maxGrants: Int64
    public private(set) var grantsIssued: Int64
    /// Whether `lease.expired` has been recorded for this lease.
    public private(set) var expiryRecorded: Bool

    public init(window: LeaseWindow, maxGrants: Int64) {
        self.init(state: .issued, window: window, maxGrants: maxGrants, grantsIssued: 0, expiryRecorded: false)
    }

    /// Restores a lease from the store.
    public init(state: State, window: LeaseWindow, maxGrants: Int64, grantsIssued: Int64, expiryRecorded: Bool) {
        self.state = state
        self.window = window
        self.maxGrants = maxGrants
        self.grantsIssued = grantsIssued
        self.expiryRecorded = expiryRecorded
    }

    public var grantsLeft: Int64 { max(0, maxGrants - grantsIssued) }

    /// A workload asks for the keys at `time`. Does not change the count: a request is not a
    /// grant until the evidence is checked and `granted(at:)` agrees.
    public mutating func grantRequested(at time: Date) -> GrantRequestAction {
        if let refusal = refusal(at: time) { return .refuse(refusal) }
        return .proceed
    }

    /// Everything checked out for a request; re-checks the lease at the commit time, since
    /// the lease may have expired, been revoked or used up meanwhile.
    public mutating func granted(at time: Date) -> GrantedAction {
        if let refusal = refusal(at: time) { return .refuse(refusal) }
        grantsIssued += 1
        let exhausted = grantsIssued >= maxGrants
        if exhausted { state = .exhausted }
        return .commit(grantNumber: grantsIssued, exhausted: exhausted)
    }

    /// The owner revokes the lease.
    public mutating func revoke(at time: Date) -> EndAction {
        end(as: .revoked, at: time)
    }

    /// The workload (or owner) ends the lease early because it is done.
    public mutating func release(at time: Date) -> EndAction {
        end(as: .released, at: time)
    }

    /// The sweeper passes at `time`.
    public mutating func sweep(at time: Date) -> SweepAction {
        let now = ManifestTime.seconds(time)
        if state == .issued, now >= window.notBefore { state = .active }
        guard now >= window.notAfter, !expiryRecorded else { return .none }
        expiryRecorded = true
        if !state.isTerminal { state = .expired }
        return .recordExpired
    }

    /// An exhausted lease can still be ended: its last grant's workload releases it when done,
    /// and its owner may revoke it; both are final.
    private mutating func end(as newState: State, at time: Date) -> EndAction {
        if state.isTerminal, state != .exhausted { return .refuse(Self.terminalRefusal(state)) }
        if ManifestTime.seconds(time) >= window.notAfter {
            return .refuse(LeaseRefusal(.leaseExpired, "the lease ended at \(window.notAfterText)"))
        }
        state = newState
        return .record
    }

    /// Why a grant at `time` is impossible, or nil; moves issued -> active when it is time.
    private mutating func refusal(at time: Date) -> LeaseRefusal? {
        if state.isTerminal { return Self.terminalRefusal(state) }
        let now = ManifestTime.seconds(time)
        if now >= window.notAfter {
            return LeaseRefusal(.leaseExpired, "the lease ended at \(window.notAfterText)")
        }
        if now < window.notBefore {
            return LeaseRefusal(.leaseNotYetValid, "the lease starts at \(window.notBeforeText)")
        }
        if state == .issued { state = .active }
        if grantsIssued >= maxGrants {
            state = .exhausted
            return LeaseRefusal(.leaseExhausted, "all \(maxGrants) grants of the lease have been used")
        }
        return nil
    }

    private static func terminalRefusal(_ state: State) -> LeaseRefusal {
        switch state {
        case .expired: return LeaseRefusal(.leaseExpired, "the lease has expired")
        case .revoked: return LeaseRefusal(.leaseRevoked, "the owner revoked the lease")
        case .exhausted: return LeaseRefusal(.leaseExhausted, "all grants of the lease have been used")
        case .released: return LeaseRefusal(.leaseReleased, "the lease was released and has ended")
        case .issued, .active: return LeaseRefusal(.leaseNotFound, "internal: not a terminal state")
        }
    }
}
