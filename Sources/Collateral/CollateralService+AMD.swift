import Codecs
import Attestation
import Foundation

/// AMD KDS collateral for SEV-SNP reports (issue 14; ATTESTERS.md 5.4): the VCEK for the
/// report's chip and REPORTED_TCB, the product's cert_chain (ASK, ARK) and the ARK's CRL, each
/// fetched once and shared: a VCEK by every report of its chip and TCB, until its notAfter
/// (it never changes); the chain and the CRL by every chip of the product, until the CRL's
/// nextUpdate or the maximum age. A VLEK, or a VCEK whose CHIP_ID the report masks, comes from
/// the evidence; KDS still supplies the chain and the CRL, so revocation is always checked.
///
/// Nothing is kept or used before the whole set verifies (`SNPVerifier.checkFetched`), and a
/// set that no longer verifies is fetched again once before the grant is refused.
extension CollateralService {
    /// One AMD document in memory: verified as part of a set, usable until `usableUntil`.
    struct AMDDocument: Sendable {
        var document: Document
        var fetchedAt: Date
        var usableUntil: Date
    }

    /// A verified set for one report key, with what is needed to refresh it.
    struct AMDSet: Sendable {
        var needs: SNPCollateralNeeds
        var product: SNPProduct
        /// The endorsement key the evidence carried, when KDS cannot serve it.
        var ownKey: [UInt8]?
        var supplied: Supplied
    }

    func amdCollateral(_ kds: AMDKDS, for evidence: Evidence, at time: Date) async throws(CollateralError) -> Supplied? {
        // A report that does not parse or is unsigned: nothing to fetch; the verifier says why.
        guard let needs = try? SNPCollateralNeeds.of(report: evidence.bytes) else { return nil }
        let ownKey = needs.hwID == nil ? SNPCollateralNeeds.endorsementKey(in: evidence.collateral) : nil
        // A VLEK or a masked chip, and no key in the evidence: the verifier refuses it precisely.
        if needs.hwID == nil && ownKey == nil { return nil }
        return try await firstServed(needs) { product throws(CollateralError) in
            try await self.amdSet(kds, needs, product, ownKey, at: time, refetch: false)
        }
    }

    /// `attempt` for each of `needs.products` in order until one is served. A v2 report names
    /// no product: a VCEK KDS does not have under one product may be under the next. The
    /// first product's answer is reported unless a later one fails otherwise.
    func firstServed(
        _ needs: SNPCollateralNeeds,
        _ attempt: (SNPProduct) async throws(CollateralError) -> Supplied
    ) async throws(CollateralError) -> Supplied {
        var failure: CollateralError?
        for product in needs.products {
            do throws(CollateralError) {
                return try await attempt(product)
            } catch {
                if failure == nil || error.code != .notServed { failure = error }
                guard error.code == .notServed else { break }
            }
        }
        throw failure ?? CollateralError(.notServed, "no SEV-SNP product to ask for")
    }

    static func amdKey(_ needs: SNPCollateralNeeds, _ product: SNPProduct, _ ownKey: [UInt8]?) -> String {
        let key = needs.hwID.map { Hex.encode($0) } ?? ownKey.map { "own-" + hex($0) } ?? "-"
        return "amd|\(AMDKDS.segment(needs.keyKind))|\(product.rawValue)|\(key)|\(String(needs.reportedTCB.raw, radix: 16))"
    }

    func amdUpstream(_ kds: AMDKDS) -> String {
        kds.baseURL == CollateralDirectory.baseURL ? "collateral-dir" : kds.baseURL == AMDKDS.amdKDS ? "amd-kds" : "kds-mirror"
    }

    /// The verified set of one report under `product`: from memory, or assembled from cached,
    /// stored and fetched documents and verified. `refetch` (the sweeper) fetches the chain and
    /// the CRL afresh; a VCEK never changes and is taken from the caches.
    func amdSet(
        _ kds: AMDKDS, _ needs: SNPCollateralNeeds, _ product: SNPProduct, _ ownKey: [UInt8]?,
        at time: Date, refetch: Bool, fetchAll: Bool = false
    ) async throws(CollateralError) -> Supplied {
        let key = Self.amdKey(needs, product, ownKey)
        if !refetch {
            lastUsed.withLock { $0[key] = max($0[key] ?? time, time) }
            if let hit = amdSets.withLock({ $0[key]?.supplied }), hit.fetchedAt <= time, time < hit.usableUntil {
                events.withLock { $0 }.hit("memory")
                return hit
            }
        }
        var wanted: [(kind: String, url: String)] = [
            ("certChain", kds.chainURL(needs.keyKind, product: product)),
            ("crl", kds.crlURL(needs.keyKind, product: product)),
        ]
        if let hwID = needs.hwID { wanted.insert(("vcek", kds.vcekURL(product: product, hwID: hwID, tcb: needs.reportedTCB)), at: 0) }
        let upstream = amdUpstream(kds)
        for attempt in 0..<2 {
            var documents: [(document: AMDDocument, fresh: Bool)] = []
            for w in wanted {
                let useCache = attempt == 0 && !fetchAll && !(refetch && w.kind != "vcek")
                documents.append(try await amdDocument(w.kind, w.url, upstream: upstream, useCache: useCache, at: time))
            }
            let pieces = (ownKey.map { [$0] } ?? []) + documents.map(\.document.document.body)
            let checked: SNPFetchedCollateral
            do {
                checked = try configuration.checkSNP(pieces, needs, time)
            } catch {
                // A cached or stored document that no longer verifies: fetch everything once more.
                // Not when the evidence lent the key: that key may be what fails, and a workload
                // must not make the broker fetch again, or back off from the upstream for every
                // other grant, by sending a bad one.
                if ownKey == nil {
                    if attempt == 0 && documents.contains(where: { !$0.fresh }) { continue }
                    recordFailure(upstream, CollateralError(.invalid, ""), at: time)
                }
                let reason = (error as? AttestationError).map { "\($0.code.rawValue): \($0.reason)" } ?? "\(error)"
                throw CollateralError(.invalid, "SEV-SNP collateral from \(kds.baseURL) does not verify: \(reason)")
            }
            var kept: [AMDDocument] = []
            for var d in documents {
                switch d.document.document.kind {
                case "vcek": d.document.usableUntil = checked.endorsementKeyNotAfter
                case "crl":
                    d.document.usableUntil = min(checked.crlNextUpdate, d.document.fetchedAt.addingTimeInterval(configuration.maximumAge))
                    d.document.document.issued = checked.crlThisUpdate
                default: d.document.usableUntil = min(checked.chainNotAfter, d.document.fetchedAt.addingTimeInterval(configuration.maximumAge))
                }
                kept.append(d.document)
                let doc = d.document
                amdDocuments.withLock { $0[doc.document.url] = doc }
                if d.fresh { await storeAMD(doc) }
            }
            var listed = kept.map(\.document)
            if let ownKey {
                listed.insert(
                    Document(kind: "\(AMDKDS.segment(needs.keyKind))FromEvidence", url: "", sha256: Self.hex(ownKey), body: ownKey, issuerChain: nil),
                    at: 0)
            }
            let usableUntil = kept.map(\.usableUntil).min() ?? time
            guard time < usableUntil else {
                throw CollateralError(.invalid, "the SEV-SNP collateral from \(kds.baseURL) is not usable at \(time)")
            }
            let supplied = Supplied(
                pieces: pieces, documents: listed, upstream: upstream, tcbUpdate: nil, tcbEvaluationDataNumber: nil,
                tcbInfoIssueDate: nil, fetchedAt: kept.map(\.fetchedAt).min() ?? time, nextUpdate: checked.crlNextUpdate,
                usableUntil: usableUntil)
            amdSets.withLock { $0[key] = AMDSet(needs: needs, product: product, ownKey: ownKey, supplied: supplied) }
            return supplied
        }
        throw CollateralError(.invalid, "SEV-SNP collateral from \(kds.baseURL) does not verify")
    }

    /// One document: from memory or the store (when `useCache`), else fetched, once however
    /// many sets wait for it. `fresh` says it was fetched now (and is not yet verified).
    func amdDocument(_ kind: String, _ url: String, upstream: String, useCache: Bool, at time: Date) async throws(CollateralError) -> (
        document: AMDDocument, fresh: Bool
    ) {
        if useCache {
            if let d = amdDocuments.withLock({ $0[url] }), d.fetchedAt <= time, time < d.usableUntil { return (d, false) }
            if let d = await loadAMD(url, at: time) {
                events.withLock { $0 }.hit("store")
                return (d, false)
            }
        }
        // A VCEK KDS said it does not have (a made-up CHIP_ID or TCB: the report's signature
        // cannot be checked before its VCEK is here) is not asked for again for a while.
        if let until = missing.withLock({ $0[url] }), time < until {
            throw CollateralError(.notServed, "\(url) was not served when asked before; again after \(until)")
        }
        let response = try await amdGet(url, upstream: upstream, at: time)
        guard response.status == 200 else {
            let error = Self.statusError(response, url: url, at: time)
            if error.code != .notServed { recordFailure(upstream, error, at: time) }
            if error.code == .notServed && kind == "vcek" { missing.withLock { $0[url] = time.addingTimeInterval(Self.missingFor) } }
            throw error
        }
        guard !response.body.isEmpty else { throw CollateralError(.notServed, "\(url) answered an empty body") }
        let document = Document(kind: kind, url: url, sha256: Self.hex(response.body), body: response.body, issuerChain: nil)
        return (AMDDocument(document: document, fetchedAt: time, usableUntil: .distantFuture), true)
    }

    /// GET `url` once for every caller waiting on it, unless the upstream is backing off.
    private func amdGet(_ url: String, upstream: String, at time: Date) async throws(CollateralError) -> CollateralHTTPResponse {
        try checkBackoff(upstream, at: time)
        let task: Task<CollateralHTTPResponse, any Error> = amdFlights.withLock { flights in
            if let running = flights[url] { return running }
            let t = Task { () async throws -> CollateralHTTPResponse in
                defer { _ = self.amdFlights.withLock { $0.removeValue(forKey: url) } }
                do throws(CollateralError) {
                    let response = try await self.get(url)
                    self.events.withLock { $0 }.fetched(upstream, String(response.status))
                    return response
                } catch {
                    self.events.withLock { $0 }.fetched(upstream, "error")
                    self.recordFailure(upstream, error, at: time)
                    throw error
                }
            }
            flights[url] = t
            return t
        }
        do { return try await task.value } catch let e as CollateralError { throw e } catch {
            throw CollateralError(.unreachable, "\(error)")
        }
    }

    /// Fetches the chain and CRL again for every set in use whose usable time ends within
    /// `margin`: grants keep finding a current set. A failure leaves the old set usable.
    func refreshAMD(at time: Date, margin: TimeInterval) async -> (refreshed: Int, failed: Int) {
        guard let kds = configuration.amd else { return (0, 0) }
        let due = amdSets.withLock { sets in sets.values.filter { $0.supplied.usableUntil.timeIntervalSince(time) < margin } }
        var refreshed = 0, failed = 0
        for set in due {
            do throws(CollateralError) {
                _ = try await amdSet(kds, set.needs, set.product, set.ownKey, at: time, refetch: true)
                refreshed += 1
            } catch {
                failed += 1
            }
        }
        return (refreshed, failed)
    }

    /// Fetches the set of a VCEK named directly (`collateral import` of a directory's VCEK
    /// files) from the upstream now, never from the caches, verifies it and keeps it in memory
    /// and in the persistence.
    public func fetchAndStore(_ needs: SNPCollateralNeeds, at time: Date) async throws(CollateralError) -> Supplied {
        guard let kds = configuration.amd else { throw CollateralError(.notServed, "this service fetches no SEV-SNP collateral") }
        return try await firstServed(needs) { product throws(CollateralError) in
            try await self.amdSet(kds, needs, product, nil, at: time, refetch: true, fetchAll: true)
        }
    }

    func storeAMD(_ d: AMDDocument) async {
        guard let persistence = persistence.withLock({ $0 }) else { return }
        let snapshot = Snapshot(
            upstream: "amd", tcbUpdate: nil, fetchedAt: d.fetchedAt.timeIntervalSince1970,
            documents: [.init(kind: d.document.kind, url: d.document.url, body: Data(d.document.body), issuerChain: nil)],
            usableUntil: d.usableUntil.timeIntervalSince1970)
        guard let bytes = try? JSONEncoder().encode(snapshot) else { return }
        await persistence.save("amd|" + d.document.url, [UInt8](bytes), nextUpdate: d.usableUntil)
    }

    /// A stored document, not yet verified (the set it joins is), fetched before `time` and
    /// usable at it; nil otherwise.
    func loadAMD(_ url: String, at time: Date) async -> AMDDocument? {
        guard let persistence = persistence.withLock({ $0 }), let bytes = await persistence.load("amd|" + url),
            let snapshot = try? JSONDecoder().decode(Snapshot.self, from: Data(bytes)), let d = snapshot.documents.first,
            d.url == url, let until = snapshot.usableUntil
        else { return nil }
        let fetchedAt = Date(timeIntervalSince1970: snapshot.fetchedAt)
        let usableUntil = Date(timeIntervalSince1970: until)
        guard fetchedAt <= time, time < usableUntil else { return nil }
        let body = [UInt8](d.body)
        return AMDDocument(
            document: Document(kind: d.kind, url: url, sha256: Self.hex(body), body: body, issuerChain: nil),
            fetchedAt: fetchedAt, usableUntil: usableUntil)
    }
}
