import Codecs
import Crypto
import Foundation
import Testing
@testable import Attestation

/// The compiled-in AWS Nitro Enclaves Root-G1 is the certificate AWS publishes.
@Suite struct NitroRootTests {
    private static let fingerprint = "641a0321a3e244efe456463195d606317ed7cdcc3c1756e09893f3c68f79bb5b"  // SOURCES.md roots table

    @Test func pinnedRootMatchesTheVectorsCopies() throws {
        let pinned = Hex.encode(Array(SHA256.hash(data: NitroRoot.der)))
        #expect(pinned == Self.fingerprint)
        #expect(try derFromPEM(Vectors.bytes("roots/aws_nitro_root_g1.pem")) == NitroRoot.der)
        #expect(try derFromPEM(Vectors.bytes("nitro/aws-root/nitro.pem")) == NitroRoot.der)
    }

    /// AWS publishes the SHA-256 of AWS_NitroEnclaves_Root-G1.zip (stored beside it as
    /// .sha256.hex). The zip is deflated, so we tie its root.pem to ours through the zip's own
    /// entry metadata: the uncompressed size and CRC-32 of root.pem.
    @Test func pinnedRootIsTheOneInAWSsPublishedZip() throws {
        let zip = try Vectors.bytes("nitro/aws-root/AWS_NitroEnclaves_Root-G1.zip")
        let published = String(decoding: try Vectors.bytes("nitro/aws-root/AWS_NitroEnclaves_Root-G1.sha256.hex"), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(Hex.encode(Array(SHA256.hash(data: zip))) == published)

        // ZIP local file header (APPNOTE 4.3.7): signature PK\3\4, CRC-32 at 14, uncompressed size at 22, name at 30.
        #expect(Array(zip.prefix(4)) == [0x50, 0x4B, 0x03, 0x04])
        func le32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(zip[at + $1]) << (8 * UInt32($1)) } }
        let nameLength = Int(zip[26]) | Int(zip[27]) << 8
        #expect(String(decoding: zip[30..<(30 + nameLength)], as: UTF8.self) == "root.pem")
        let pem = try Vectors.bytes("nitro/aws-root/nitro.pem")
        #expect(le32(22) == UInt32(pem.count))
        #expect(le32(14) == crc32(pem))
        #expect(try derFromPEM(pem) == NitroRoot.der)
    }

    /// CRC-32 (ISO-HDLC, reflected 0xEDB88320) as ZIP uses it: a checksum, not cryptography.
    private func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for b in bytes {
            crc ^= UInt32(b)
            for _ in 0..<8 { crc = (crc >> 1) ^ (0xEDB8_8320 & (0 &- (crc & 1))) }
        }
        return ~crc
    }
}
