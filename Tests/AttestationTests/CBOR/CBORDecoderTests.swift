import Codecs
import Testing
@testable import Attestation

/// The strict CBOR decoder against RFC 8949 Appendix A ("Examples of Encoded CBOR Data
/// Items") and against the encodings it must refuse.
@Suite struct CBORDecoderTests {
    private func hex(_ s: String) -> [UInt8] { Hex.decode(s) ?? [] }

    private func failure(_ bytes: [UInt8], limits: CBORDecoder.Limits = .init()) -> CBORError.Kind? {
        do {
            _ = try CBORDecoder.decode(bytes, limits: limits)
            return nil
        } catch {
            return error.kind
        }
    }

    /// RFC 8949 Appendix A, Table 6: every example within the supported subset decodes to
    /// the stated value and re-encodes to the same bytes (they are all in preferred form).
    static let appendixA: [(String, CBOR)] = [
        ("00", .unsigned(0)), ("01", .unsigned(1)), ("0a", .unsigned(10)), ("17", .unsigned(23)),
        ("1818", .unsigned(24)), ("1819", .unsigned(25)), ("1864", .unsigned(100)), ("1903e8", .unsigned(1000)),
        ("1a000f4240", .unsigned(1_000_000)), ("1b000000e8d4a51000", .unsigned(1_000_000_000_000)),
        ("1bffffffffffffffff", .unsigned(18_446_744_073_709_551_615)),
        ("c249010000000000000000", .tagged(2, .bytes([1, 0, 0, 0, 0, 0, 0, 0, 0]))),
        ("3bffffffffffffffff", .negative(18_446_744_073_709_551_615)),  // -18446744073709551616
        ("c349010000000000000000", .tagged(3, .bytes([1, 0, 0, 0, 0, 0, 0, 0, 0]))),
        ("20", .negative(0)), ("29", .negative(9)), ("3863", .negative(99)), ("3903e7", .negative(999)),
        ("f4", .bool(false)), ("f5", .bool(true)), ("f6", .null), ("f7", .undefined),
        ("f0", .simple(16)), ("f8ff", .simple(255)),
        ("c074323031332d30332d32315432303a30343a30305a", .tagged(0, .text("2013-03-21T20:04:00Z"))),
        ("c11a514b67b0", .tagged(1, .unsigned(1_363_896_240))),
        ("d74401020304", .tagged(23, .bytes([1, 2, 3, 4]))),
        ("d818456449455446", .tagged(24, .bytes([0x64, 0x49, 0x45, 0x54, 0x46]))),
        ("d82076687474703a2f2f7777772e6578616d706c652e636f6d", .tagged(32, .text("http://www.example.com"))),
        ("40", .bytes([])), ("4401020304", .bytes([1, 2, 3, 4])),
        ("60", .text("")), ("6161", .text("a")), ("6449455446", .text("IETF")), ("62225c", .text("\"\\")),
        ("62c3bc", .text("\u{00fc}")), ("63e6b0b4", .text("\u{6c34}")), ("64f0908591", .text("\u{10151}")),
        ("80", .array([])), ("83010203", .array([.unsigned(1), .unsigned(2), .unsigned(3)])),
        ("8301820203820405", .array([.unsigned(1), .array([.unsigned(2), .unsigned(3)]), .array([.unsigned(4), .unsigned(5)])])),
        ("98190102030405060708090a0b0c0d0e0f101112131415161718181819", .array((1...25).map { .unsigned(UInt64($0)) })),
        ("a0", .map([])),
        ("a201020304", .map([.init(key: .unsigned(1), value: .unsigned(2)), .init(key: .unsigned(3), value: .unsigned(4))])),
        (
            "a26161016162820203",
            .map([
                .init(key: .text("a"), value: .unsigned(1)),
                .init(key: .text("b"), value: .array([.unsigned(2), .unsigned(3)])),
            ])
        ),
        ("826161a161626163", .array([.text("a"), .map([.init(key: .text("b"), value: .text("c"))])])),
        (
            "a56161614161626142616361436164614461656145",
            .map(
                ["a", "b", "c", "d", "e"].map {
                    .init(key: .text($0), value: .text($0.uppercased()))
                })
        ),
    ]

    @Test func appendixAExamplesDecodeAndRoundTrip() throws {
        for (encoded, value) in Self.appendixA {
            let bytes = hex(encoded)
            #expect(try CBORDecoder.decode(bytes) == value, "RFC 8949 Appendix A: \(encoded)")
            #expect(CBOREncoder.encode(value) == bytes, "re-encoding \(encoded)")
        }
    }

    /// Appendix A's indefinite-length examples: well-formed CBOR, but not preferred
    /// serialization, so refused.
    @Test func appendixAIndefiniteLengthExamplesAreRefused() {
        for encoded in [
            "5f42010243030405ff", "7f657374726561646d696e67ff", "9fff", "9f018202039f0405ffff",
            "9f01820203820405ff", "83018202039f0405ff", "83019f0203ff820405",
            "bf61610161629f0203ffff", "826161bf61626163ff", "bf6346756ef563416d7421ff",
        ] {
            #expect(failure(hex(encoded)) == .indefiniteLength, "\(encoded)")
        }
        #expect(failure([0xFF]) == .indefiniteLength, "a lone break")
    }

    /// Appendix A's floating-point examples (0.0, 1.1, 1.0e+300, Infinity, ...) in half,
    /// single and double precision: no document field is a float, so all are refused.
    @Test func appendixAFloatsAreRefused() {
        for encoded in ["f90000", "f93c00", "fb3ff199999999999a", "fa47c35000", "fb7e37e43c8800759c", "f97c00", "f97e00", "fa7f800000"] {
            #expect(failure(hex(encoded)) == .floatNotSupported, "\(encoded)")
        }
    }

    @Test func integerInLongerFormThanNeededIsRefused() {
        // 23 fits in the initial byte; 255 in one byte; 65535 in two; 2^32-1 in four.
        for encoded in [
            "1817", "190017", "1a00000017", "1b0000000000000017", "1900ff", "1a0000ffff",
            "1b00000000ffffffff", "3817", "5801ff", "780161", "9800", "b800", "d80001", "f818",
        ] {
            let kind = failure(hex(encoded))
            #expect(kind == .nonPreferredEncoding || (encoded == "f818" && kind == .invalidSimpleValue), "\(encoded)")
        }
        // The smallest values of each longer form are accepted.
        for encoded in ["1818", "190100", "1a00010000", "1b0000000100000000"] {
            #expect(failure(hex(encoded)) == nil, "\(encoded)")
        }
    }

    @Test func duplicateMapKeysAreRefused() {
        #expect(failure(hex("a201020103")) == .duplicateMapKey)  // {1: 2, 1: 3}
        #expect(failure(hex("a2616101616102")) == .duplicateMapKey)  // {"a": 1, "a": 2}
        #expect(failure(hex("a100a201020103")) == .duplicateMapKey)  // {0: {1: 2, 1: 3}}
        #expect(failure(hex("a2016161216161")) == nil, "1 and -2 are different keys")
    }

    @Test func truncatedInputIsRefused() {
        let whole = hex("a26161016162820203")
        for n in 0..<whole.count {
            let kind = failure(Array(whole.prefix(n)))
            #expect(kind == .truncated || kind == .lengthExceedsInput, "prefix of \(n) bytes")
        }
        #expect(failure(hex("1a0001")) == .truncated, "argument cut short")
        #expect(failure(hex("44010203")) == .lengthExceedsInput, "string shorter than declared")
    }

    @Test func trailingBytesAreRefused() {
        #expect(failure(hex("0000")) == .trailingBytes)
        #expect(failure(hex("a0ff")) == .trailingBytes)
    }

    @Test func depthBombIsRefusedWithoutRecursingFurther() {
        let arrays = [UInt8](repeating: 0x81, count: 100_000) + [0x00]
        #expect(failure(arrays) == .depthExceeded)
        let tags = [UInt8](repeating: 0xC0, count: 100_000) + [0x00]
        #expect(failure(tags) == .depthExceeded)
        let maps = Array([[UInt8]](repeating: [0xA1, 0x00], count: 50_000).joined()) + [0x00]
        #expect(failure(maps) == .depthExceeded)
        // Exactly at the limit is fine.
        #expect(failure([UInt8](repeating: 0x81, count: 3) + [0x00], limits: .init(maxDepth: 3)) == nil)
        #expect(failure([UInt8](repeating: 0x81, count: 4) + [0x00], limits: .init(maxDepth: 3)) == .depthExceeded)
    }

    @Test func hugeDeclaredLengthsAreRefusedBeforeAllocating() {
        for encoded in [
            "5bffffffffffffffff", "7bffffffffffffffff", "9bffffffffffffffff", "bbffffffffffffffff",
            "5a7fffffff00", "9a0001000000", "b9ffff0000",
        ] {
            #expect(failure(hex(encoded)) == .lengthExceedsInput, "\(encoded)")
        }
        #expect(failure([UInt8](repeating: 0, count: 11), limits: .init(maxInputSize: 10)) == .inputTooLarge)
    }

    @Test func reservedAdditionalInformationAndBadUTF8AreRefused() {
        for encoded in ["1c", "1d", "1e", "3c", "5c", "7d", "9e", "bc", "dc", "fc"] {
            #expect(failure(hex(encoded)) == .reservedAdditionalInfo, "\(encoded)")
        }
        #expect(failure(hex("62c328")) == .invalidUTF8)
        #expect(failure(hex("63eda080")) == .invalidUTF8, "an encoded UTF-16 surrogate")
    }

    @Test func errorsCarryTheOffset() {
        do {
            _ = try CBORDecoder.decode(hex("8301021817"))
            Issue.record("accepted a non-preferred integer")
        } catch {
            #expect(error.kind == .nonPreferredEncoding)
            #expect(error.offset == 3)
        }
    }
}
