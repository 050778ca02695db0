import Foundation
import Testing
@testable import Codecs

@Suite struct CanonicalJSONTests {
    @Test func encodesSortedCompactAndParsesBack() throws {
        let v = JSONValue.dict(["b": .int(-12), "a": .string("x\"y\\z\n\u{1}é"), "c": .array([.bool(true), .null]), "A": .dict([:])])
        let bytes = CanonicalJSON.encode(v)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"A":{},"a":"x\"y\\z\n\u0001é","b":-12,"c":[true,null]}"#)
        #expect(try CanonicalJSON.parse(bytes) == v)
    }

    @Test(arguments: [
        #"{"b":1,"a":2}"#, #"{"a":1,"a":1}"#, #"{"a": 1}"#, #" {"a":1}"#, #"{"a":1} "#, #"{"a":01}"#, #"{"a":-0}"#,
        #"{"a":1.0}"#, #"{"a":1e3}"#, #"{"a":"\u0041"}"#, #"{"a":"\/"}"#, #"{"a":"\u000a"}"#, "{\"a\":\"\u{1}\"}",
        #"{"a":99999999999999999999}"#, #"{"a":"x"#, #"{"a":tru}"#, #"["#, "",
    ])
    func rejectsNonCanonical(_ text: String) {
        #expect(throws: CanonicalJSON.ParseError.self) { try CanonicalJSON.parse(Array(text.utf8)) }
    }

    /// Strict JSON (envelopes): white space and key order free, the value model the same.
    @Test func strictJSONAllowsWhiteSpaceAndAnyOrder() throws {
        let v = try CanonicalJSON.parseStrict(Array(" {\n\t\"b\" : [ 1 , true ] ,\r\n \"a\":{ } }\n".utf8))
        #expect(String(decoding: CanonicalJSON.encode(v), as: UTF8.self) == #"{"a":{},"b":[1,true]}"#)
    }

    @Test(arguments: [
        #"{"a":1,"a":2}"#, #"{"b":1, "a":2, "b":3}"#, #"{"a":1.5}"#, #"{"a":1} x"#, #"{'a':1}"#, #"a: 1"#,
        #"{"a":[1,]}"#, #"{"a":1,}"#, "{\"a\":\"\u{1}\"}", String(repeating: "[", count: 40) + String(repeating: "]", count: 40),
    ])
    func strictJSONRefusesDuplicatesAndNonJSON(_ text: String) {
        #expect(throws: CanonicalJSON.ParseError.self) { try CanonicalJSON.parseStrict(Array(text.utf8)) }
    }

    @Test func depthIsBounded() {
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: CanonicalJSON.ParseError.self) { try CanonicalJSON.parse(Array(deep.utf8)) }
    }

    @Test func invalidUTF8IsRejected() {
        #expect(throws: CanonicalJSON.ParseError.self) { try CanonicalJSON.parse([0x22, 0xC3, 0x28, 0x22]) }
    }
}
