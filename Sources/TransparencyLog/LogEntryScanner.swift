import Codecs

/// What an audit needs from an entry: its sequence number and the leaf hash it chains to.
struct LogEntryHeader: Sendable, Hashable {
    var seq: UInt64
    var prev: LogHash
}

/// A validating scanner for entry bytes that builds no JSON tree and allocates nothing.
///
/// `audit verify` reads every entry of the log; building a `JSONValue` tree, a dictionary of
/// fields and a `String` per member cost most of its time. The scanner walks the bytes once,
/// checking the same canonical-form rules as `CanonicalJSON.parse` and the same member rules
/// as `LogEntry(value:)`, and extracts only `seq` and `prev`.
///
/// It is deliberately one-sided: it returns a header only for input it can prove canonical and
/// well-formed by its simpler rules (ASCII only, keys without escapes, `time` in the log's own
/// `YYYY-MM-DDTHH:MM:SS.mmmZ` form); for anything else it returns nil and the caller runs the
/// full parser, which then either accepts (rare forms: non-ASCII text, other RFC 3339 offsets)
/// or throws the precise error. So the scanner can never accept what the parser rejects, and
/// never needs to reproduce its error messages.
enum LogEntryScanner {
    static func scan(_ bytes: UnsafeRawBufferPointer) -> LogEntryHeader? {
        var s = Scan(buf: bytes)
        return s.entry()
    }

    struct Scan {
        let buf: UnsafeRawBufferPointer
        var i = 0

        init(buf: UnsafeRawBufferPointer) { self.buf = buf }

        /// The top-level object, with the common members typed as `LogEntry(value:)` types them.
        mutating func entry() -> LogEntryHeader? {
            guard i < buf.count, buf[i] == UInt8(ascii: "{") else { return nil }
            i += 1
            var seq: UInt64?, prev: LogHash?, hasTime = false, hasKind = false
            var lastKey: Range<Int>?
            guard i < buf.count, buf[i] != UInt8(ascii: "}") else { return nil }  // {} lacks seq etc.
            while true {
                guard let key = plainKey(after: lastKey) else { return nil }
                lastKey = key
                guard i < buf.count, buf[i] == UInt8(ascii: ":") else { return nil }
                i += 1
                switch Member(buf, key) {
                case .seq:
                    guard i < buf.count, buf[i] != UInt8(ascii: "-"), let v = integer(), v >= 0 else { return nil }
                    seq = UInt64(v)
                case .time:
                    guard let r = plainString(), RFC3339.parseCanonical(UnsafeRawBufferPointer(rebasing: buf[r])) != nil else { return nil }
                    hasTime = true
                case .kind:
                    guard let r = string(), !r.isEmpty else { return nil }
                    hasKind = true
                case .owner, .leaseId:
                    guard string() != nil else { return nil }
                case .prev:
                    guard let r = plainString(), r.count == 64, let h = lowerHex(r) else { return nil }
                    prev = h
                case .other:
                    // A name outside the grammar goes to the full parse, which refuses it.
                    guard memberName(key), value(depth: 1) else { return nil }
                }
                guard i < buf.count else { return nil }
                if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                guard buf[i] == UInt8(ascii: "}") else { return nil }
                i += 1
                break
            }
            guard i == buf.count, let seq, let prev, hasTime, hasKind else { return nil }
            return LogEntryHeader(seq: seq, prev: prev)
        }

        /// `[a-z][A-Za-z0-9]*`, at most 64 bytes (see `LogEntry.isMemberName`).
        func memberName(_ key: Range<Int>) -> Bool {
            guard !key.isEmpty, key.count <= 64, (0x61...0x7A).contains(buf[key.lowerBound]) else { return false }
            for k in key where !((0x61...0x7A).contains(buf[k]) || (0x41...0x5A).contains(buf[k]) || (0x30...0x39).contains(buf[k])) { return false }
            return true
        }

        enum Member {
            case seq, time, kind, owner, leaseId, prev, other

            init(_ buf: UnsafeRawBufferPointer, _ key: Range<Int>) {
                func equals(_ word: StaticString) -> Bool {
                    guard key.count == word.utf8CodeUnitCount else { return false }
                    let w = word.utf8Start
                    for k in 0..<key.count where buf[key.lowerBound + k] != w[k] { return false }
                    return true
                }
                switch key.count {
                case 3: self = equals("seq") ? .seq : .other
                case 4: self = equals("time") ? .time : equals("kind") ? .kind : equals("prev") ? .prev : .other
                case 5: self = equals("owner") ? .owner : .other
                case 7: self = equals("leaseId") ? .leaseId : .other
                default: self = .other
                }
            }
        }

        /// A key at `i`: a string without escapes (so its bytes are its text), ASCII (so byte
        /// order is UTF-16 order), strictly after the previous key (sorted and unique).
        mutating func plainKey(after last: Range<Int>?) -> Range<Int>? {
            guard let key = plainString() else { return nil }
            if let last {
                let a = UnsafeRawBufferPointer(rebasing: buf[last]), b = UnsafeRawBufferPointer(rebasing: buf[key])
                guard a.lexicographicallyPrecedes(b) else { return nil }
            }
            return key
        }

        /// A string with no escapes; returns the range of its content.
        mutating func plainString() -> Range<Int>? {
            guard let (r, escaped) = stringBody(), !escaped else { return nil }
            return r
        }

        /// Any canonical ASCII string; returns the range of its raw content.
        mutating func string() -> Range<Int>? {
            stringBody()?.0
        }

        /// The string at `i` (which must be `"`): controls only as the canonical escapes,
        /// nothing outside ASCII (left to the full parser's UTF-8 validation).
        mutating func stringBody() -> (Range<Int>, Bool)? {
            guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { return nil }
            let start = i + 1
            var j = start
            let n = buf.count
            var escaped = false
            while j < n {
                let b = buf[j]
                // Printable ASCII other than `"` and `\`: by far the most common byte.
                if b &- 0x20 < 0x60, b != 0x22, b != 0x5C { j &+= 1; continue }
                if b == 0x22 {
                    i = j &+ 1
                    return (start..<j, escaped)
                }
                guard b == 0x5C, j &+ 1 < n else { return nil }  // controls, non-ASCII, a lone `\`
                escaped = true
                switch buf[j &+ 1] {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                    UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                    j &+= 2
                case UInt8(ascii: "u"):
                    // Only controls without a short escape, as \u00xx lower-case.
                    guard j &+ 5 < n, buf[j &+ 2] == 0x30, buf[j &+ 3] == 0x30,
                        let hi = hexDigit(buf[j &+ 4]), let lo = hexDigit(buf[j &+ 5])
                    else { return nil }
                    let c = hi << 4 | lo
                    guard c < 0x20, c != 0x08, c != 0x09, c != 0x0A, c != 0x0C, c != 0x0D else { return nil }
                    j &+= 6
                default:
                    return nil
                }
            }
            return nil
        }

        /// Any canonical value; nesting limited exactly as `CanonicalJSON.parse` limits it.
        mutating func value(depth: Int) -> Bool {
            guard depth < 32, i < buf.count else { return false }
            switch buf[i] {
            case UInt8(ascii: "{"):
                i += 1
                if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return true }
                var last: Range<Int>?
                while true {
                    guard let key = plainKey(after: last) else { return false }
                    last = key
                    guard i < buf.count, buf[i] == UInt8(ascii: ":") else { return false }
                    i += 1
                    guard value(depth: depth + 1), i < buf.count else { return false }
                    if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard buf[i] == UInt8(ascii: "}") else { return false }
                    i += 1
                    return true
                }
            case UInt8(ascii: "["):
                i += 1
                if i < buf.count, buf[i] == UInt8(ascii: "]") { i += 1; return true }
                while true {
                    guard value(depth: depth + 1), i < buf.count else { return false }
                    if buf[i] == UInt8(ascii: ",") { i += 1; continue }
                    guard buf[i] == UInt8(ascii: "]") else { return false }
                    i += 1
                    return true
                }
            case UInt8(ascii: "\""):
                return string() != nil
            case UInt8(ascii: "t"): return literal("true")
            case UInt8(ascii: "f"): return literal("false")
            case UInt8(ascii: "n"): return literal("null")
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                return integer() != nil
            default:
                return false
            }
        }

        mutating func literal(_ word: StaticString) -> Bool {
            let n = word.utf8CodeUnitCount
            guard buf.count - i >= n else { return false }
            let w = word.utf8Start
            for k in 0..<n where buf[i + k] != w[k] { return false }
            i += n
            return true
        }

        /// A canonical integer: no leading zero, no -0, no fraction or exponent, in Int64.
        mutating func integer() -> Int64? {
            guard i < buf.count else { return nil }
            var negative = false
            if buf[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            guard i < buf.count, (0x30...0x39).contains(buf[i]) else { return nil }
            var v: Int64 = 0
            if buf[i] == 0x30 {
                i += 1
                guard !negative else { return nil }
                if i < buf.count, (0x30...0x39).contains(buf[i]) { return nil }
            } else {
                while i < buf.count, (0x30...0x39).contains(buf[i]) {
                    let d = Int64(buf[i] &- 0x30)
                    let (m, o1) = v.multipliedReportingOverflow(by: 10)
                    let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
                    guard !o1, !o2 else { return nil }
                    v = s
                    i += 1
                }
            }
            if i < buf.count, buf[i] == UInt8(ascii: ".") || buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
                return nil
            }
            return v
        }

        func hexDigit(_ c: UInt8) -> UInt8? {
            let d = hexValue(c)
            return d < 16 ? d : nil
        }

        /// 0...15 for a lower-case hex digit, 0xFF otherwise.
        @inline(__always)
        func hexValue(_ c: UInt8) -> UInt8 {
            if c &- 0x30 < 10 { return c &- 0x30 }
            if c &- 0x61 < 6 { return c &- 0x61 &+ 10 }
            return 0xFF
        }

        /// 64 lower-case hex digits as a hash.
        func lowerHex(_ r: Range<Int>) -> LogHash? {
            guard r.count == 64 else { return nil }
            var out = LogHash.zero
            var bad: UInt8 = 0
            out.withUnsafeMutableBytes { dst in
                var k = 0, p = r.lowerBound
                while k < 32 {
                    let hi = hexValue(buf[p]), lo = hexValue(buf[p &+ 1])
                    bad |= (hi | lo) & 0xF0
                    dst[k] = hi << 4 | (lo & 0x0F)
                    k &+= 1
                    p &+= 2
                }
            }
            return bad == 0 ? out : nil
        }
    }
}
