import Foundation
import Testing
@testable import Attestation

@Suite struct NitroChainCacheTests {
    @Test func verifiedBundlesAreReusedAndBounded() throws {
        let vectors = NitroVector.loaded
        try #require(vectors.count >= 2)
        let cache = NitroChainCache()
        let verifier = NitroVerifier(cache: cache)
        _ = try verifier.verifyDocument(vectors[0].bytes, at: vectors[0].validAt)
        #expect(cache.count == 1)
        _ = try verifier.verifyDocument(vectors[0].bytes, at: vectors[0].validAt)
        #expect(cache.count == 1, "the same bundle is not verified and stored twice")
        _ = try verifier.verifyDocument(vectors[1].bytes, at: vectors[1].validAt)
        #expect(cache.count == 2)

        let small = NitroChainCache(capacity: 1)
        let bounded = NitroVerifier(cache: small)
        for v in vectors { _ = try bounded.verifyDocument(v.bytes, at: v.validAt) }
        #expect(small.count == 1)
        // The evicted bundle is verified again from scratch, and still accepted.
        _ = try bounded.verifyDocument(vectors[0].bytes, at: vectors[0].validAt)
        #expect(small.count == 1)
    }

    @Test func refusedBundlesAreNotCached() throws {
        let v = try #require(NitroVector.loaded.first)
        let cache = NitroChainCache()
        let verifier = NitroVerifier(cache: cache)
        let document = try v.document
        let intermediate = document.cabundle[1]
        let start = try #require(firstIndex(of: intermediate, in: v.bytes))
        var mutated = v.bytes
        mutated[start + intermediate.count / 2] ^= 0x01
        #expect(refusal { try verifier.verifyDocument(mutated, at: v.validAt) } != nil)
        #expect(cache.count == 0)
    }

    /// A cached bundle holds no verdict about time: its windows are checked at every use.
    @Test func cachedBundleValidityIsRecheckedAtEachTime() throws {
        let v = try #require(NitroVector.loaded.first)
        let document = try v.document
        let bundle = try NitroChain.verifyBundle(document.cabundle, pinned: NitroRoot.der)
        #expect(throws: Never.self) { try NitroChain.checkValidity(bundle, at: v.validAt) }
        let earliestExpiry = try #require(bundle.windows.map(\.notAfter).min())
        #expect(refusal { try NitroChain.checkValidity(bundle, at: earliestExpiry.addingTimeInterval(1)) } == .certificateExpired)
        let latestStart = try #require(bundle.windows.map(\.notBefore).max())
        #expect(refusal { try NitroChain.checkValidity(bundle, at: latestStart.addingTimeInterval(-1)) } == .certificateExpired)
    }

    @Test func keyDistinguishesHowBytesAreSplitIntoCertificates() {
        #expect(NitroChainCache.key(for: [[1, 2], [3]]) != NitroChainCache.key(for: [[1], [2, 3]]))
        #expect(NitroChainCache.key(for: [[1, 2], [3]]) == NitroChainCache.key(for: [[1, 2], [3]]))
    }
}
