import Foundation
import Testing
@testable import Attestation

/// Regression tests for the parser findings of SECURITY-REVIEW-2026-12 (C1, M2), built from
/// its reproductions: hostile bytes get a typed error, never a trap, and never a cache slot.
@Suite struct HostileInputTests {
    /// DER INTEGER encodings at the edges: 0, -1, Int.max, Int.min and a 9-byte value.
    static let extremeIntegers: [[UInt8]] = [
        [0x02, 0x01, 0x00], [0x02, 0x01, 0xFF],
        [0x02, 0x08, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF],
        [0x02, 0x08, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
        [0x02, 0x09, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
    ]

    static func sequence(_ content: [UInt8]) -> [UInt8] {
        precondition(content.count < 128)
        return [0x30, UInt8(content.count)] + content
    }

    /// C1: the review's 27-byte CRL whose version is Int.max crashed the broker
    /// (`version + 1` in a diagnostic). Every extreme version is now a malformed CRL.
    @Test(arguments: HostileInputTests.extremeIntegers)
    func aCRLVersionOfAnySizeIsMalformedNotATrap(_ version: [UInt8]) {
        let ecdsaSHA256: [UInt8] = [0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02]
        let crl = Self.sequence(Self.sequence(version + ecdsaSHA256) + ecdsaSHA256 + [0x03, 0x01, 0x00])
        #expect(dcapErrorCode { _ = try CertificateRevocationList.parse(der: crl) } == .malformed)
    }

    @Test func theReviewsExactCRLBytesAreRefused() {
        let crl: [UInt8] = [
            0x30, 0x1B, 0x30, 0x0A, 0x02, 0x08, 0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
            0x30, 0x0A, 0x06, 0x08, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x04, 0x03, 0x02, 0x03, 0x01, 0x00,
        ]
        #expect(dcapErrorCode { _ = try CertificateRevocationList.parse(der: crl) } == .malformed)
    }

    /// C1, AMD side: a certificate whose [0] version is extreme, with AMD's RSASSA-PSS
    /// algorithm, as in the review's SEV-SNP reproduction.
    @Test(arguments: HostileInputTests.extremeIntegers)
    func anAMDCertificateVersionOfAnySizeIsRefusedNotATrap(_ version: [UInt8]) {
        // RSASSA-PSS, SHA-384, MGF1-SHA-384, salt 48: AMD's exact AlgorithmIdentifier.
        let algorithm: [UInt8] = [
            0x30, 0x46, 0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A, 0x30, 0x39, 0xA0, 0x0F, 0x30, 0x0D, 0x06,
            0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0xA1, 0x1C, 0x30, 0x1A, 0x06, 0x09, 0x2A, 0x86,
            0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x08, 0x30, 0x0D, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02,
            0x05, 0x00, 0xA2, 0x03, 0x02, 0x01, 0x30, 0xA3, 0x03, 0x02, 0x01, 0x01,
        ]
        let tagged: [UInt8] = [0xA0, UInt8(version.count)] + version
        let cert = Self.sequence(Self.sequence(tagged) + algorithm + [0x03, 0x01, 0x00])
        #expect(dcapErrorCode { _ = try AMDCertificate(derEncoded: cert) } != nil)
    }

    /// M2: a PCK chain of many certificates is refused before any of it is parsed, and no
    /// chain that failed is remembered; the genuine chain is remembered once it verified.
    @Test func onlyVerifiedPCKChainsAreCachedAndJunkIsNeverParsed() throws {
        let sample = try DCAPSample.load("sgx-phala-00a067110000")
        let cache = DCAPCache()
        let verifier = try sample.verifier(cache: cache)
        let quote = try DCAPQuote.parse(sample.quote)
        let pem = quote.signatureData.pckChainPEM

        // Eight copies of the genuine chain's blocks: refused by counting, never parsed.
        let text = String(decoding: pem.filter { $0 != 0 }, as: UTF8.self)
        let flood = Array(String(repeating: text, count: 4).utf8)
        #expect(dcapErrorCode { _ = try cache.pckChain(flood) } == .chainInvalid)
        #expect(dcapErrorCode { _ = try cache.pckChain([UInt8](repeating: 0x41, count: DCAPCache.maximumPCKChainBytes + 1)) } == .chainInvalid)
        #expect(cache.pckChainCount == 0)

        // A well-formed chain whose links do not verify (leaf and CA swapped) is not kept.
        let blocks = text.components(separatedBy: "-----END CERTIFICATE-----").filter { $0.contains("BEGIN") }
        try #require(blocks.count >= 2)
        let swapped = Array((blocks[1] + "-----END CERTIFICATE-----" + blocks[0] + "-----END CERTIFICATE-----\n").utf8)
        let root = try IntelRootCA.require()
        #expect(
            dcapErrorCode {
                _ = try verifier.verifyPCKChain(swapped, root: root, collateral: try cache.collateral(for: sample.collateral), at: sample.validAt)
            } == .chainInvalid)
        #expect(cache.pckChainCount == 0)
        #expect(cache.collateralCount == 0)

        // The genuine quote verifies, and then its chain and collateral are remembered.
        _ = try verifier.verify(sample.evidence, at: sample.validAt)
        #expect(cache.pckChainCount == 1)
        #expect(cache.collateralCount == 1)
    }

    /// M2, collateral: more pieces or bytes than any real bundle are refused before parsing.
    @Test func oversizedCollateralIsRefusedBeforeParsing() {
        let cache = DCAPCache()
        let many = [[UInt8]](repeating: [0x30, 0x00], count: DCAPCache.maximumCollateralPieces + 1)
        #expect(dcapErrorCode { _ = try cache.collateral(for: many) } == .collateralInvalid)
        let big = [[UInt8](repeating: 0x41, count: DCAPCache.maximumCollateralBytes + 1)]
        #expect(dcapErrorCode { _ = try cache.collateral(for: big) } == .collateralInvalid)
        #expect(cache.collateralCount == 0)
    }
}
