import Testing

@testable import Codecs

/// Two spellings of one value must not both pass: the broker compares and logs what it
/// decoded, so canonical decoding refuses every other spelling of the same bytes.
@Suite struct Base64HexTests {
    @Test func canonicalBase64RoundTrips() {
        for n in 0..<40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let text = Base64.encode(bytes)
            #expect(Base64.decodeCanonical(text) == bytes)
        }
    }

    @Test(arguments: [
        "QQ",  // padding missing
        "QR==",  // non-zero bits after the last byte ("QQ==" is the canonical "A")
        "QUI=QUI=",  // padding inside
        "QUJD\n",  // white space
        " QUJD",
        "QUJ-",  // the URL-safe alphabet
        "QUJ_",
        "Q===",  // too much padding
        "QUJDR",  // length not a multiple of 4
        "QUJDRA=",
    ])
    func nonCanonicalBase64IsRefused(_ text: String) {
        #expect(Base64.decodeCanonical(text) == nil)
    }

    @Test func hexIsLowercaseEvenLengthOnly() {
        #expect(Hex.encode([0x00, 0xab, 0xff]) == "00abff")
        #expect(Hex.decode("00abff") == [0x00, 0xab, 0xff])
        #expect(Hex.decode("") == [])
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("zz") == nil)
        #expect(Hex.decode("0x00") == nil)
        #expect(Hex.isSHA256(String(repeating: "ab", count: 32)))
        #expect(!Hex.isSHA256(String(repeating: "AB", count: 32)))
        #expect(!Hex.isSHA256(String(repeating: "ab", count: 31)))
    }
}
