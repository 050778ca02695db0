@testable import LeaseholdClient
import Testing

@Suite struct AuditorClientTests {
    @Test func entriesAreTheLinesWithoutTheirBreaks() throws {
        let body = Array(#"{"seq":0}"#.utf8) + [0x0A] + Array(#"{"seq":1}"#.utf8) + [0x0A]
        #expect(try AuditorClient.splitLines(body) == [Array(#"{"seq":0}"#.utf8), Array(#"{"seq":1}"#.utf8)])
        #expect(try AuditorClient.splitLines([]) == [])
    }

    @Test func aTruncatedLastLineIsRefused() {
        #expect(throws: LeaseholdClientError.self) { try AuditorClient.splitLines(Array(#"{"seq":0}"#.utf8)) }
    }

    @Test func pathSegmentsCannotAddSegments() {
        #expect(BrokerConnection.path(["v1", "leases", "a/b", "c?d"]) == "v1/leases/a%2Fb/c%3Fd")
    }
}
