import Testing

@testable import Codecs

@Suite struct LengthPrefixedTests {
    @Test func fieldsAreFramedBigEndian() {
        var out: [UInt8] = []
        LengthPrefixed.append([0xAA, 0xBB], to: &out)
        LengthPrefixed.append([UInt8](), to: &out)
        #expect(out == [0, 0, 0, 2, 0xAA, 0xBB, 0, 0, 0, 0])
        #expect(LengthPrefixed.prefix(0x0102_0304) == [1, 2, 3, 4])
        var n: [UInt8] = []
        LengthPrefixed.appendBigEndian(0x0102_0304_0506_0708, to: &n)
        #expect(n == [1, 2, 3, 4, 5, 6, 7, 8])
    }

    /// The reason for the framing: moving bytes between fields changes the result.
    @Test func shiftingBytesBetweenFieldsChangesTheBytes() {
        func framed(_ parts: [String]) -> [UInt8] {
            var out: [UInt8] = []
            for p in parts { LengthPrefixed.append(Array(p.utf8), to: &out) }
            return out
        }
        #expect(framed(["ab", "c"]) != framed(["a", "bc"]))
        #expect(framed(["abc"]) != framed(["abc", ""]))
    }

    @Test func constantTimeEqualityIsPlainEquality() {
        #expect(ConstantTime.equal([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equal([1, 2, 3], [1, 2]))
        #expect(ConstantTime.equal([], []))
    }
}
