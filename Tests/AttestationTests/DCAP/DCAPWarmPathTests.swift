import Foundation
import Testing
@testable import Attestation

/// The warm path (`DCAPWarmEntry`) may only make a verification faster: at every time, with
/// every input, a verifier whose cache is warm must answer exactly as a verifier with an
/// empty cache (same claims, or the same error code and reason).
@Suite("DCAP warm path agrees with the full verification")
struct DCAPWarmPathTests {
    /// The outcome in a comparable form: the claims as JSON, or the error.
    enum Outcome: Equatable {
        case claims(Data)
        case error(AttestationError)
    }

    static func outcome(_ verifier: DCAPVerifier, _ evidence: Evidence, at time: Date) -> Outcome {
        do {
            let claims = try verifier.verify(evidence, at: time)
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            return .claims((try? encoder.encode(claims)) ?? Data())
        } catch {
            return .error(error)
        }
    }

    static func warmEntry(_ sample: DCAPSample, _ verifier: DCAPVerifier) throws -> DCAPWarmEntry? {
        let quote = try DCAPQuote.parse(sample.quote)
        let key = DCAPWarmEntry.Key(
            tee: sample.tee, allowMissingCRL: verifier.allowMissingCRL,
            signatureData: quote.signatureData, collateral: sample.collateral)
        return verifier.cache.warmEntry(key)
    }

    @Test("at every validity boundary of the chain, CRLs and collateral, warm == cold", arguments: DCAPSample.ids)
    func boundaries(id: String) throws {
        let sample = try DCAPSample.load(id)
        let warm = try sample.verifier()
        _ = try warm.verify(sample.evidence, at: sample.validAt)
        let entry = try #require(try Self.warmEntry(sample, warm), "a successful verification leaves a warm entry")
        var windows = entry.certificates + entry.crls
        windows += entry.tcbInfos.flatMap { [$0.window] + $0.signers }
        windows += entry.qeIdentities.flatMap { [$0.window] + $0.signers }
        let edges = windows.flatMap { [$0.from, $0.until] }
        let times = [sample.validAt] + edges.flatMap { [$0.addingTimeInterval(-1), $0, $0.addingTimeInterval(1)] }
        var failures = 0
        for t in times {
            let cold = Self.outcome(try sample.verifier(), sample.evidence, at: t)
            #expect(Self.outcome(warm, sample.evidence, at: t) == cold, "at \(t)")
            if case .error = cold { failures += 1 }
        }
        // The boundaries really cross windows: some times fail, and valid_at passes.
        #expect(failures > 0)
        #expect(failures < times.count)
    }

    @Test("altered quotes and collateral through a warm cache give the cold answer", arguments: DCAPSample.ids)
    func alterations(id: String) throws {
        let sample = try DCAPSample.load(id)
        let warm = try sample.verifier()
        _ = try warm.verify(sample.evidence, at: sample.validAt)
        let quote = try DCAPQuote.parse(sample.quote)
        let sigData = quote.signedBytes.count + 4
        let qeReport = sigData + (quote.header.version == 3 ? 128 : 134)
        var variants: [Evidence] = []
        for index in [
            QuoteHeader.size + 70, sigData + 5, sigData + 64 + 7, qeReport + 70, qeReport + 384 + 3,
            sample.quote.count - 200,
        ] {
            var e = sample.evidence
            e.bytes = flipBit(sample.quote, at: index)
            variants.append(e)
        }
        var fewer = sample.evidence
        fewer.collateral.removeLast()
        variants.append(fewer)
        var junk = sample.evidence
        junk.collateral.append(Array("not collateral".utf8))
        variants.append(junk)
        for (i, e) in variants.enumerated() {
            let cold = Self.outcome(try sample.verifier(), e, at: sample.validAt)
            #expect(Self.outcome(warm, e, at: sample.validAt) == cold, "variant \(i)")
        }
    }

    @Test("one cache shared by a lenient and a strict verifier keeps them apart")
    func sharedCacheKeepsCRLPolicy() throws {
        let oasis = try DCAPSample.load("sgx-oasis-00606a000000")  // supplied without CRLs
        let cache = DCAPCache()
        let lenient = try oasis.verifier(allowMissingCRL: true, cache: cache)
        let strict = try oasis.verifier(allowMissingCRL: false, cache: cache)
        _ = try lenient.verify(oasis.evidence, at: oasis.validAt)
        #expect(try Self.warmEntry(oasis, lenient) != nil)
        #expect(dcapErrorCode { _ = try strict.verify(oasis.evidence, at: oasis.validAt) } == .collateralMissing)
    }
}
