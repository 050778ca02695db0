import Codecs
import Attestation
import Crypto
import Foundation
import Synchronization

/// The broker's own vendor collateral (DESIGN.md "Collateral"; issue 14): for DCAP evidence it
/// fetches TCB info, QE identity and both CRLs from Intel PCS or a PCCS, verifies every
/// document before using or caching it (`DCAPVerifier.checkFetched`), and keeps the verified
/// set in memory until the earliest `nextUpdate` of its documents or `maximumAge` after the
/// fetch, whichever comes first. For SEV-SNP it fetches the VCEK, cert chain and CRL from AMD
/// KDS (`CollateralService+AMD`). The verifiers stay pure: this hands them bytes.
///
/// - Single flight: one fetch per document set, whatever the number of grants waiting on it.
/// - Backoff per upstream: after a failure no request goes out until the backoff (1 s,
///   doubling to 60 s, or the upstream's Retry-After) has passed; grants meanwhile get
///   `collateral-unavailable` at once.
/// - `tcbEvaluationDataNumber` never goes backwards for a (TEE, FMSPC): a replayed older set
///   is refused even if genuinely signed and not yet past its nextUpdate.
/// - Never stale, never weaker: a set past its nextUpdate is never used, and a failure is a
///   refusal, not a fallback to the workload's collateral.
public final class CollateralService: Sendable {
    public struct Configuration: Sendable {
        public var intel: IntelPCS?
        /// AMD KDS (or a mirror, or a directory): VCEKs, cert chains and the ARK's CRLs.
        public var amd: AMDKDS?
        /// Upper bound on how long a fetched set is used, from its fetch.
        public var maximumAge: TimeInterval
        /// How fetched SEV-SNP documents are checked; tests replace the CRL's signer here (no
        /// real ARK-signed CRL is among the vectors).
        var checkSNP: @Sendable ([[UInt8]], SNPCollateralNeeds, Date) throws -> SNPFetchedCollateral = {
            try SNPVerifier.checkFetched($0, needs: $1, at: $2)
        }
        public init(intel: IntelPCS? = nil, amd: AMDKDS? = nil, maximumAge: TimeInterval = CollateralService.defaultMaximumAge) {
            self.intel = intel; self.amd = amd; self.maximumAge = maximumAge
        }
    }

    /// A day: Intel reissues TCB info and QE identity daily, and a stalled cache should not
    /// hide a revocation for long (near/mpc#3042 chose 7 days for the same reason).
    public static let defaultMaximumAge: TimeInterval = 86_400

    /// One document as fetched, for the grant's log entry.
    public struct Document: Sendable, Hashable {
        public var kind: String
        public var url: String
        /// Lowercase hex SHA-256 of the body as received.
        public var sha256: String
        /// The body and the issuer chain (decoded) as received: what `collateral fetch` keeps.
        public var body: [UInt8]
        public var issuerChain: [UInt8]?
        /// When the issuer issued it, where the document says (a CRL's thisUpdate).
        public var issued: Date? = nil
    }

    /// Verified collateral for one piece of evidence.
    public struct Supplied: Sendable {
        /// What the verifier gets (documents and their issuer chains).
        public var pieces: [[UInt8]]
        public var documents: [Document]
        /// `intel-pcs`, `pccs`, `amd-kds`, `kds-mirror` or `collateral-dir`.
        public var upstream: String
        public var tcbUpdate: String?
        public var tcbEvaluationDataNumber: Int?
        public var tcbInfoIssueDate: Date?
        public var fetchedAt: Date
        /// The earliest nextUpdate of the set's documents.
        public var nextUpdate: Date
        /// The set is not used at or after this time (`nextUpdate`, or the maximum age).
        public var usableUntil: Date
    }

    public let configuration: Configuration
    private let http: any CollateralHTTP
    let cached = Mutex([String: (needs: DCAPCollateralNeeds, supplied: Supplied)]())
    private let inFlight = Mutex([String: Task<Supplied, any Error>]())
    private let backoff = Mutex([String: (until: Date, delay: TimeInterval)]())
    let highestEvaluation = Mutex([String: Int]())
    /// When each set was last asked for: only sets in use are refreshed, and a set nobody has
    /// asked for within the maximum age is dropped rather than fetched forever.
    let lastUsed = Mutex([String: Date]())
    /// Sets the upstream said it does not have (404, 410, another status), until when that
    /// answer stands: asked again only after `missingFor`, and never held against the upstream.
    let missing = Mutex([String: Date]())
    static let missingFor: TimeInterval = 60
    private let fetchCount = Atomic<Int>(0)
    let persistence = Mutex<(any CollateralPersistence)?>(nil)
    /// AMD documents by URL (each verified as part of a set), and the verified sets by report
    /// key: a VCEK is shared by every report of its chip and TCB, a CRL by every chip.
    let amdDocuments = Mutex([String: AMDDocument]())
    let amdSets = Mutex([String: AMDSet]())
    let amdFlights = Mutex([String: Task<CollateralHTTPResponse, any Error>]())
    let events = Mutex(CollateralEvents())

    public init(configuration: Configuration, http: any CollateralHTTP) {
        self.configuration = configuration
        self.http = http
    }

    /// HTTP requests sent so far (tests and metrics: single flight is observable).
    public var fetches: Int { fetchCount.load(ordering: .relaxed) }

    /// Whether this service supplies collateral for `tee` (then it always decides).
    public func handles(_ tee: TEE) -> Bool {
        switch tee {
        case .sgx, .tdx: return configuration.intel != nil
        case .sevSNP: return configuration.amd != nil
        default: return false
        }
    }

    /// Verified collateral for `evidence` at `time`, from the cache or fetched now; nil when
    /// this service does not handle the evidence's TEE, or the evidence names no platform Intel
    /// certified (an unparseable quote, a PCK chain not from the pinned root): nothing is
    /// fetched for it, and the verifier refuses it with the precise reason.
    public func collateral(for evidence: Evidence, at time: Date) async throws(CollateralError) -> Supplied? {
        if evidence.tee == .sevSNP, let amd = configuration.amd { return try await amdCollateral(amd, for: evidence, at: time) }
        guard handles(evidence.tee), let needs = try? DCAPCollateralNeeds.of(quote: evidence.bytes, tee: evidence.tee) else { return nil }
        return try await collateral(for: needs, at: time)
    }

    /// Verified collateral for a platform named directly (`collateral fetch --fmspc`).
    public func collateral(for needs: DCAPCollateralNeeds, at time: Date) async throws(CollateralError) -> Supplied? {
        guard let intel = configuration.intel, handles(needs.tee) else { return nil }
        let key = Self.key(needs, intel)
        lastUsed.withLock { $0[key] = max($0[key] ?? time, time) }
        if let hit = cached.withLock({ $0[key]?.supplied }), hit.fetchedAt <= time, time < hit.usableUntil {
            events.withLock { $0 }.hit("memory")
            return hit
        }
        if let until = missing.withLock({ $0[key] }), time < until {
            throw CollateralError(
                .notServed,
                "the upstream does not have \(needs.tee.rawValue) collateral for FMSPC \(needs.fmspc) (asked before; again after \(until))")
        }
        return try await singleFlight(key, needs) { () async throws(CollateralError) -> Supplied in
            if let stored = await self.loadStored(key, needs: needs, at: time) {
                self.events.withLock { $0 }.hit("store")
                return stored
            }
            do throws(CollateralError) {
                let fetched = try await self.fetchIntel(intel, needs: needs, at: time)
                await self.store(key, fetched)
                return fetched
            } catch {
                if error.code == .notServed { self.missing.withLock { $0[key] = time.addingTimeInterval(Self.missingFor) } }
                throw error
            }
        }
    }

    /// The cache key of a set: the platform, its PCK CA and the TCB update stage.
    static func key(_ needs: DCAPCollateralNeeds, _ intel: IntelPCS) -> String {
        "intel|\(needs.tee.rawValue)|\(needs.fmspc)|\(needs.pckCA.rawValue)|\(intel.update.rawValue)"
    }

    /// Fetches again, ahead of expiry, every set asked for within the maximum age whose usable
    /// time ends within `margin` of `time` (the sweeper calls this): grants keep finding a
    /// current set and do not wait on the upstream. Sets nobody asked for that long are
    /// dropped from memory. Returns the sets refreshed and those that failed (the old set stays
    /// usable until it ends).
    public func refresh(at time: Date, margin: TimeInterval = 3600) async -> (refreshed: Int, failed: Int) {
        let horizon = time.addingTimeInterval(-configuration.maximumAge)
        let idle = Set(lastUsed.withLock { used in used.filter { $0.value < horizon }.map(\.key) })
        if !idle.isEmpty {
            cached.withLock { c in for k in idle { c.removeValue(forKey: k) } }
            amdSets.withLock { c in for k in idle { c.removeValue(forKey: k) } }
            lastUsed.withLock { u in for k in idle { u.removeValue(forKey: k) } }
        }
        let amd = await refreshAMD(at: time, margin: margin)
        guard let intel = configuration.intel else { return amd }
        let due = cached.withLock { c in c.filter { $0.value.supplied.usableUntil.timeIntervalSince(time) < margin }.map { ($0.key, $0.value.needs) }
        }
        var refreshed = 0, failed = 0
        for (key, needs) in due {
            do {
                let fetched = try await fetchIntel(intel, needs: needs, at: time)
                cached.withLock { $0[key] = (needs, fetched) }
                await store(key, fetched)
                refreshed += 1
            } catch {
                failed += 1
            }
        }
        return (refreshed + amd.refreshed, failed + amd.failed)
    }

    /// Runs `fetch` once for `key` however many callers wait; caches and returns its result.
    private func singleFlight(
        _ key: String, _ needs: DCAPCollateralNeeds,
        _ fetch: @escaping @Sendable () async throws(CollateralError) -> Supplied
    ) async throws(CollateralError) -> Supplied {
        let task: Task<Supplied, any Error> = inFlight.withLock { flights in
            if let running = flights[key] { return running }
            let t = Task { () async throws -> Supplied in
                defer { _ = self.inFlight.withLock { $0.removeValue(forKey: key) } }
                let supplied = try await fetch()
                self.cached.withLock { $0[key] = (needs, supplied) }
                return supplied
            }
            flights[key] = t
            return t
        }
        do { return try await task.value } catch let e as CollateralError { throw e } catch {
            throw CollateralError(.unreachable, "\(error)")
        }
    }

    func fetchIntel(_ intel: IntelPCS, needs: DCAPCollateralNeeds, at time: Date) async throws(CollateralError) -> Supplied {
        let upstream = intel.baseURL == CollateralDirectory.baseURL ? "collateral-dir" : intel.isIntel ? "intel-pcs" : "pccs"
        try checkBackoff(upstream, at: time)
        var pieces: [[UInt8]] = []
        var documents: [Document] = []
        do throws(CollateralError) {
            for request in intel.requests(for: needs) {
                let response: CollateralHTTPResponse
                do throws(CollateralError) { response = try await get(request.url) } catch {
                    events.withLock { $0 }.fetched(upstream, "error")
                    throw error
                }
                events.withLock { $0 }.fetched(upstream, String(response.status))
                guard response.status == 200 else { throw Self.statusError(response, url: request.url, at: time) }
                let got = try IntelPCS.pieces(of: response, for: request)
                pieces += got
                documents.append(
                    Document(
                        kind: request.kind, url: request.url, sha256: Self.hex(response.body), body: response.body,
                        issuerChain: got.count > 1 ? got[1] : nil))
            }
        } catch {
            // A document the upstream does not have says nothing about its health.
            if error.code != .notServed { recordFailure(upstream, error, at: time) }
            throw error
        }
        let checked: DCAPFetchedCollateral
        do { checked = try DCAPVerifier.checkFetched(pieces, needs: needs, at: time) } catch {
            recordFailure(upstream, CollateralError(.invalid, ""), at: time)
            throw CollateralError(.invalid, "collateral from \(intel.baseURL) does not verify: \(error.code.rawValue): \(error.reason)")
        }
        let series = "\(needs.tee.rawValue)|\(needs.fmspc)"
        let regressed: Int? = highestEvaluation.withLock { seen in
            if let highest = seen[series], checked.tcbEvaluationDataNumber < highest { return highest }
            seen[series] = checked.tcbEvaluationDataNumber
            return nil
        }
        if let regressed {
            throw CollateralError(
                .invalid,
                "\(intel.baseURL) served TCB evaluation data number \(checked.tcbEvaluationDataNumber) for FMSPC \(needs.fmspc), older than \(regressed) already seen"
            )
        }
        backoff.withLock { _ = $0.removeValue(forKey: upstream) }
        return Supplied(
            pieces: pieces, documents: documents, upstream: upstream, tcbUpdate: intel.update.rawValue,
            tcbEvaluationDataNumber: checked.tcbEvaluationDataNumber, tcbInfoIssueDate: checked.tcbInfoIssueDate,
            fetchedAt: time, nextUpdate: checked.nextUpdate, usableUntil: min(checked.nextUpdate, time.addingTimeInterval(configuration.maximumAge)))
    }

    func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
        fetchCount.add(1, ordering: .relaxed)
        return try await http.get(url)
    }

    static func statusError(_ r: CollateralHTTPResponse, url: String, at time: Date) -> CollateralError {
        let retry = r.headers["retry-after"].flatMap { TimeInterval($0.trimmingCharacters(in: .whitespaces)) }.map {
            time.addingTimeInterval(min($0, 3600))
        }
        switch r.status {
        case 429: return CollateralError(.backingOff, "\(url) answered 429 (rate limited)", retryAfter: retry)
        case 500...599:
            return CollateralError(r.status == 503 && retry != nil ? .backingOff : .unreachable, "\(url) answered \(r.status)", retryAfter: retry)
        default: return CollateralError(.notServed, "\(url) answered \(r.status)")
        }
    }

    func checkBackoff(_ upstream: String, at time: Date) throws(CollateralError) {
        if let until = backoff.withLock({ $0[upstream]?.until }), time < until {
            throw CollateralError(.backingOff, "\(upstream) failed recently; not asking again before \(until)", retryAfter: until)
        }
    }

    func recordFailure(_ upstream: String, _ error: CollateralError, at time: Date) {
        backoff.withLock { b in
            let delay = min(60, max(1, (b[upstream]?.delay ?? 0.5) * 2))
            b[upstream] = (until: max(error.retryAfter ?? time, time.addingTimeInterval(delay)), delay: delay)
        }
    }

    static func hex(_ bytes: [UInt8]) -> String { Hex.encode(Array(SHA256.hash(data: bytes))) }
}
