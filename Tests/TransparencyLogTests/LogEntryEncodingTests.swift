import Codecs
import LeaseholdTestSupport
import Foundation
import Testing
@testable import TransparencyLog

@Suite struct LogEntryEncodingTests {
    @Test func entryRoundTripAndTimeFormat() throws {
        let t = Date(timeIntervalSince1970: 1_795_000_000.123)
        let e = LogEntry(
            seq: 7, time: t, kind: "key.granted", owner: "acme", leaseId: "l1", prev: MerkleHash.leaf([1]), fields: ["keyIds": .array([.string("k")])]
        )
        let bytes = e.encoded()
        let back = try LogEntry(bytes: bytes)
        #expect(back.seq == 7 && back.kind == "key.granted" && back.owner == "acme" && back.prev == e.prev)
        #expect(RFC3339.format(back.time) == RFC3339.format(t))
        #expect(RFC3339.format(Date(timeIntervalSince1970: 0)) == "1970-01-01T00:00:00.000Z")
        #expect(RFC3339.format(Date(timeIntervalSince1970: 951_782_400.5)) == "2000-02-29T00:00:00.500Z")
        #expect(RFC3339.parse("2000-02-29T00:00:00.500Z") == Date(timeIntervalSince1970: 951_782_400.5))
        #expect(RFC3339.parseCanonical("2001-02-29T00:00:00.000Z") == nil)
    }

    static let crash = TestPaths.inRepository("fuzz/crashes/log-entry")

    /// The fuzzer's crash input (fuzz/crashes/log-entry) is a refused entry, not a trap.
    @Test func theFuzzersCrashIsARefusedEntry() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: Self.crash.path)
        #expect(!names.isEmpty)
        for name in names {
            let bytes = [UInt8](try Data(contentsOf: Self.crash.appendingPathComponent(name)))
            #expect(throws: LogEntry.FormatError.self) { try LogEntry(bytes: bytes) }
        }
    }
}
