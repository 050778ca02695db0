import Attestation
import Foundation

/// Where verified sets outlive the process: the broker's store (SQLite, or PostgreSQL shared
/// by replicas), so a restart or an upstream outage does not stop grants while a set is
/// current. Sets are verified again when loaded: the store is not trusted more than the
/// upstream was.
public protocol CollateralPersistence: Sendable {
    func load(_ key: String) async -> [UInt8]?
    func save(_ key: String, _ bytes: [UInt8], nextUpdate: Date) async
}

/// What the service reports for metrics (labels are closed sets: upstream kind, HTTP status,
/// cache level).
public struct CollateralEvents: Sendable {
    public var fetched: @Sendable (_ upstream: String, _ outcome: String) -> Void
    public var hit: @Sendable (_ source: String) -> Void

    public init(fetched: @escaping @Sendable (String, String) -> Void = { _, _ in }, hit: @escaping @Sendable (String) -> Void = { _ in }) {
        self.fetched = fetched; self.hit = hit
    }
}

extension CollateralService {
    /// Keeps verified sets in `persistence` and reports to `events` from now on.
    public func attach(persistence: (any CollateralPersistence)?, events: CollateralEvents = CollateralEvents()) {
        self.persistence.withLock { $0 = persistence }
        self.events.withLock { $0 = events }
    }

    /// Fetches `needs`' set from the upstream now (never from the caches), verifies it, and
    /// keeps it in memory and in the persistence: `collateral import` loads a directory's sets
    /// into a broker's store this way.
    public func fetchAndStore(_ needs: DCAPCollateralNeeds, at time: Date) async throws(CollateralError) -> Supplied {
        guard let intel = configuration.intel, handles(needs.tee) else {
            throw CollateralError(.notServed, "this service fetches no \(needs.tee.rawValue) collateral")
        }
        let key = Self.key(needs, intel)
        let fetched = try await fetchIntel(intel, needs: needs, at: time)
        cached.withLock { $0[key] = (needs, fetched) }
        await store(key, fetched)
        return fetched
    }

    /// Sets in memory and the fetch time of the oldest, for the metrics endpoint.
    public func cacheSummary() -> (sets: Int, oldestFetchedAt: Date?) {
        let intel = cached.withLock { c in (c.count, c.values.map(\.supplied.fetchedAt).min()) }
        let amd = amdSets.withLock { s in (s.count, s.values.map(\.supplied.fetchedAt).min()) }
        return (intel.0 + amd.0, [intel.1, amd.1].compactMap { $0 }.min())
    }

    /// The stored form: every document with its body and issuer chain, and when it was fetched.
    struct Snapshot: Codable {
        struct Doc: Codable {
            var kind: String
            var url: String
            var body: Data
            var issuerChain: Data?
        }
        var upstream: String
        var tcbUpdate: String?
        var fetchedAt: Double
        var documents: [Doc]
        /// AMD documents: until when the document may be used (set when its set verified).
        var usableUntil: Double? = nil
    }

    func store(_ key: String, _ s: Supplied) async {
        guard let persistence = persistence.withLock({ $0 }) else { return }
        let snapshot = Snapshot(
            upstream: s.upstream, tcbUpdate: s.tcbUpdate, fetchedAt: s.fetchedAt.timeIntervalSince1970,
            documents: s.documents.map { Snapshot.Doc(kind: $0.kind, url: $0.url, body: Data($0.body), issuerChain: $0.issuerChain.map { Data($0) }) }
        )
        guard let bytes = try? JSONEncoder().encode(snapshot) else { return }
        await persistence.save(key, [UInt8](bytes), nextUpdate: s.nextUpdate)
    }

    /// A stored set, verified again, current at `time`, within the maximum age of its fetch,
    /// and not older (in TCB evaluation data number) than one already seen; nil otherwise.
    func loadStored(_ key: String, needs: DCAPCollateralNeeds, at time: Date) async -> Supplied? {
        guard let persistence = persistence.withLock({ $0 }), let bytes = await persistence.load(key),
            let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(bytes))
        else { return nil }
        var pieces: [[UInt8]] = []
        var documents: [Document] = []
        for d in snapshot.documents {
            pieces.append([UInt8](d.body))
            if let chain = d.issuerChain { pieces.append([UInt8](chain)) }
            documents.append(
                Document(
                    kind: d.kind, url: d.url, sha256: Self.hex([UInt8](d.body)), body: [UInt8](d.body), issuerChain: d.issuerChain.map { [UInt8]($0) }
                ))
        }
        let fetchedAt = Date(timeIntervalSince1970: snapshot.fetchedAt)
        guard fetchedAt <= time, let checked = try? DCAPVerifier.checkFetched(pieces, needs: needs, at: time) else { return nil }
        let usableUntil = min(checked.nextUpdate, fetchedAt.addingTimeInterval(configuration.maximumAge))
        guard time < usableUntil else { return nil }
        let series = "\(needs.tee.rawValue)|\(needs.fmspc)"
        let current: Bool = highestEvaluation.withLock { seen in
            if let highest = seen[series], checked.tcbEvaluationDataNumber < highest { return false }
            seen[series] = checked.tcbEvaluationDataNumber
            return true
        }
        guard current else { return nil }
        return Supplied(
            pieces: pieces, documents: documents, upstream: snapshot.upstream, tcbUpdate: snapshot.tcbUpdate,
            tcbEvaluationDataNumber: checked.tcbEvaluationDataNumber, tcbInfoIssueDate: checked.tcbInfoIssueDate,
            fetchedAt: fetchedAt, nextUpdate: checked.nextUpdate, usableUntil: usableUntil)
    }
}
