import Broker
import LeaseholdAPI
@testable import BrokerHTTP
import Testing

@Suite struct StrictJSONTests {
    func code(_ json: String) -> String? {
        do { _ = try StrictJSON.decode(GrantRequest.self, from: Array(json.utf8)); return nil } catch { return error.code.rawValue }
    }

    let valid = #"{"tee":"sandbox","evidence":"AA==","nonce":"AQ==","suite":"x25519-sha256-aes256gcm","publicKey":"Ag=="}"#

    @Test func aValidBodyDecodes() throws {
        let g = try StrictJSON.decode(GrantRequest.self, from: Array(valid.utf8))
        #expect(g.tee == "sandbox")
        #expect(g.collateral == nil)
        let withCollateral = #"{"collateral":["AA==","AQ=="],"tee":"tdx","evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag=="}"#
        #expect(try StrictJSON.decode(GrantRequest.self, from: Array(withCollateral.utf8)).collateral?.count == 2)
    }

    @Test(arguments: [
        #"{"tee":"sandbox","evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag==","colateral":[]}"#,  // misspelt member
        #"{"tee":"sandbox","tee":"nitro","evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag=="}"#,  // duplicate
        #"{"evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag=="}"#,  // missing tee
        #"{"tee":1,"evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag=="}"#,  // wrong type
        #"[{"tee":"sandbox"}]"#,  // not an object
        #"{"tee":"sandbox""#,  // truncated
        "",
        #"{"tee":"sandbox","evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag=="} x"#,  // trailing bytes
    ])
    func malformedBodiesAreBadRequests(json: String) {
        #expect(code(json) == "bad-request")
    }

    @Test func nestedMembersAreNotMistakenForTopLevelOnes() throws {
        // A string holding `"x":` and nested arrays must not confuse the top-level scan.
        let json = #"{"tee":"a\",\"x\":","evidence":"AA==","collateral":["{\"y\":1}"],"nonce":"AQ==","suite":"s","publicKey":"Ag=="}"#
        #expect(try StrictJSON.topLevelMemberNames(Array(json.utf8)) == ["tee", "evidence", "collateral", "nonce", "suite", "publicKey"])
        #expect(code(json) == nil)
    }

    @Test func escapedMemberNamesAreDecodedBeforeTheCheck() {
        // "t\u0065e" is "tee": a duplicate written differently is still a duplicate.
        let json = #"{"tee":"a","t\u0065e":"b","evidence":"AA==","nonce":"AQ==","suite":"s","publicKey":"Ag=="}"#
        #expect(code(json) == "bad-request")
    }
}
