import Foundation
import Testing
@testable import TransparencyLog

/// The audit's lean path (`LogEntryScanner`, `LogAuditor.consume(seq:rawBytes:)`) must never
/// accept what `LogEntry(bytes:)` rejects, must read the same seq and prev, and must fail with
/// the same failure as the full path.
@Suite struct LogEntryScannerTests {
    static let prev = MerkleHash.leaf([7])

    static var entries: [[UInt8]] {
        let t = Date(timeIntervalSince1970: 1_795_000_000.123)
        return [
            LogEntry(seq: 0, time: t, kind: "owner.registered", prev: .zero).encoded(),
            LogEntry(
                seq: 41, time: t, kind: "key.granted", owner: "acme", leaseId: "l-1", prev: prev,
                fields: [
                    "keyIds": .array([.string("k1"), .string("k2")]), "n": .int(-12), "ok": .bool(true),
                    "none": .null, "deep": .dict(["b": .array([]), "a": .dict([:])]), "aZ9": .int(0),
                ]
            ).encoded(),
            LogEntry(
                seq: UInt64(Int64.max), time: t, kind: "x", prev: prev,
                fields: ["reason": .string("quote \" slash \\ tab \t nl \n ctl \u{1} del \u{7F}")]
            ).encoded(),
            LogEntry(seq: 3, time: t, kind: "é", owner: "ü", prev: prev).encoded(),  // non-ASCII: left to the parser
        ]
    }

    /// CRYPTO-REVIEW-2026-12, L3: a member whose name folds to a reserved one in other decoders
    /// (KELVIN SIGN K for `kind`), or any name outside [a-z][A-Za-z0-9]*, is refused by the full
    /// parse and never vouched for by the scanner.
    @Test(arguments: ["\u{212A}ind", "Kind", "key_id", "9lives", "", "x-y", String(repeating: "a", count: 65)])
    func memberNamesOutsideTheGrammarAreRefused(_ name: String) {
        let t = Date(timeIntervalSince1970: 1_795_000_000)
        let bytes = LogEntry(
            seq: 29, time: t, kind: "receipt", owner: "acme", leaseId: "l1", prev: Self.prev,
            fields: [name: .string("key.granted")]
        ).encoded()
        #expect(throws: LogEntry.FormatError.self) { try LogEntry(bytes: bytes) }
        #expect(bytes.withUnsafeBytes { LogEntryScanner.scan($0) } == nil)
        #expect(!LogEntry.isMemberName(name))
    }

    /// The property every input must satisfy.
    static func agree(_ bytes: [UInt8]) -> Bool {
        let scanned = bytes.withUnsafeBytes { LogEntryScanner.scan($0) }
        guard let scanned else { return true }
        guard let full = try? LogEntry(bytes: bytes) else { return false }
        return full.seq == scanned.seq && full.prev == scanned.prev
    }

    @Test func theScannerReadsWhatTheParserReads() throws {
        for e in Self.entries {
            let full = try LogEntry(bytes: e)
            let scanned = e.withUnsafeBytes { LogEntryScanner.scan($0) }
            if e.allSatisfy({ $0 < 0x80 }) {
                #expect(scanned == LogEntryHeader(seq: full.seq, prev: full.prev))  // the fast path is taken
            } else {
                #expect(scanned == nil)
            }
        }
    }

    @Test func noMutationIsAcceptedByTheScannerAlone() {
        let replacements: [UInt8] = Array("\"\\ 0159-+{}[],:aefnrtuE.x".utf8) + [0x00, 0x01, 0x1F, 0x7F, 0x80, 0xC3, 0xFF]
        var checked = 0
        for e in Self.entries {
            for i in e.indices {
                for r in replacements where r != e[i] {
                    var m = e
                    m[i] = r
                    #expect(Self.agree(m), "\(String(decoding: m, as: UTF8.self))")
                    checked += 1
                }
                var deleted = e
                deleted.remove(at: i)
                #expect(Self.agree(deleted))
                #expect(Self.agree(Array(e[..<i])))
                var inserted = e
                inserted.insert(UInt8(ascii: " "), at: i)
                #expect(Self.agree(inserted))
            }
        }
        #expect(checked > 10_000)
    }

    @Test(arguments: [
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00Z"}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T01:00:00.000+01:00"}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":-1,"time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"kind":"","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"kind":"x","prev":"000000000000000000000000000000000000000000000000000000000000000A","seq":0,"time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-02-30T00:00:00.000Z"}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":"0","time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"kind":"x","owner":1,"prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"a":{"b":1,"b":2},"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00.000Z"}"#,
        #"{"kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00.000Z","z":"\u0041"}"#,
    ])
    func handWrittenEntriesAgree(_ text: String) {
        #expect(Self.agree(Array(text.utf8)))
    }

    @Test func deepNestingAgrees() {
        for depth in [30, 31, 32, 33] {
            let value = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
            let text =
                #"{"a":"# + value
                + #","kind":"x","prev":"0000000000000000000000000000000000000000000000000000000000000000","seq":0,"time":"2026-01-01T00:00:00.000Z"}"#
            #expect(Self.agree(Array(text.utf8)), "depth \(depth)")
        }
    }

    @Test func leanAndFullAuditsFailAlike() throws {
        let key = try NoteSigner(name: "test.leasehold/log", privateKey: .init())
        var log: [[UInt8]] = []
        var prev = LogHash.zero
        for i in 0..<6 {
            let e = LogEntry(
                seq: UInt64(i), time: Date(timeIntervalSince1970: 1_800_000_000 + Double(i)), kind: "test.event",
                owner: "acme", prev: prev, fields: ["n": .int(Int64(i))]
            ).encoded()
            prev = MerkleHash.leaf(e)
            log.append(e)
        }
        func run(_ entries: [[UInt8]], lean: Bool) -> LogAuditor.Failure? {
            do {
                var auditor = try LogAuditor(verifier: key.verifier, signedCheckpoints: [])
                for (i, e) in entries.enumerated() {
                    if lean {
                        var failure: LogAuditor.Failure?
                        e.withUnsafeBytes { b in
                            do throws(LogAuditor.Failure) { try auditor.consume(seq: UInt64(i), rawBytes: b) } catch { failure = error }
                        }
                        if let failure { throw failure }
                    } else {
                        try auditor.consume(seq: UInt64(i), bytes: e)
                    }
                }
                return nil
            } catch let failure as LogAuditor.Failure {
                return failure
            } catch {
                return LogAuditor.Failure(message: "unexpected \(error)")
            }
        }
        var variants = [log]
        for i in log.indices {
            for (from, to) in [("\"n\":", "\"n\": "), ("\"seq\":\(i)", "\"seq\":\(i + 1)"), ("acme", "acmé"), ("test.event", "")] {
                var v = log
                v[i] = Array(String(decoding: log[i], as: UTF8.self).replacingOccurrences(of: from, with: to).utf8)
                variants.append(v)
            }
            var swapped = log
            swapped.swapAt(i, (i + 1) % log.count)
            variants.append(swapped)
        }
        var failures = 0
        for v in variants {
            let full = run(v, lean: false)
            #expect(run(v, lean: true) == full)
            if full != nil { failures += 1 }
        }
        // Only the untouched log and the last entry re-owned as "acmé" (still canonical, and
        // with no checkpoint or successor to betray it) pass.
        #expect(failures == variants.count - 2)
    }
}
