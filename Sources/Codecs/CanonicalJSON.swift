/// The one canonical byte form of a `JSONValue` (see `JSONValue` for the rules), and the
/// strict parser that accepts nothing else.
public enum CanonicalJSON {
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        public var offset: Int
        public var message: String
        public var description: String { "byte \(offset): \(message)" }
    }

    /// JCS key order: by UTF-16 code units.
    package static func keyLess(_ a: String, _ b: String) -> Bool {
        a.utf16.lexicographicallyPrecedes(b.utf16)
    }

    public static func encode(_ value: JSONValue) -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(256)
        write(value, into: &out)
        return out
    }

    static func write(_ value: JSONValue, into out: inout [UInt8]) {
        switch value {
        case .null: out += Array("null".utf8)
        case .bool(let b): out += Array((b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .string(let s): writeString(s, into: &out)
        case .array(let items):
            out.append(UInt8(ascii: "["))
            for (i, item) in items.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                write(item, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .object(let pairs):
            out.append(UInt8(ascii: "{"))
            for (i, (k, v)) in pairs.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                writeString(k, into: &out)
                out.append(UInt8(ascii: ":"))
                write(v, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Most strings need no escape at all: copy them whole.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C }) {
            out.append(contentsOf: s.utf8)
            out.append(UInt8(ascii: "\""))
            return
        }
        for b in s.utf8 {
            switch b {
            case 0x22: out += [0x5C, 0x22]
            case 0x5C: out += [0x5C, 0x5C]
            case 0x08: out += [0x5C, UInt8(ascii: "b")]
            case 0x0C: out += [0x5C, UInt8(ascii: "f")]
            case 0x0A: out += [0x5C, UInt8(ascii: "n")]
            case 0x0D: out += [0x5C, UInt8(ascii: "r")]
            case 0x09: out += [0x5C, UInt8(ascii: "t")]
            case 0x00..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                out += Array("\\u00".utf8) + [hex[Int(b >> 4)], hex[Int(b & 0xF)]]
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    /// Parses bytes that must already be canonical; anything else is an error naming the
    /// offending byte. Nesting is limited to 32 levels, so no input can exhaust the stack.
    public static func parse(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try parse(bytes, strictOnly: false)
    }

    /// Parses strict JSON written by another program (a DSSE envelope, a request body): white
    /// space between tokens and any key order are allowed, but still no duplicate key, no
    /// fraction or exponent, no escape other than the canonical ones, valid UTF-8, at most 32
    /// levels, and nothing after the value. Linear in the input: unlike YAML there are no
    /// aliases, so a small body can never cost much. Keys come back in canonical order.
    public static func parseStrict(_ bytes: [UInt8]) throws(ParseError) -> JSONValue {
        try parse(bytes, strictOnly: true)
    }

    static func parse(_ bytes: [UInt8], strictOnly: Bool) throws(ParseError) -> JSONValue {
        try bytes.withUnsafeBufferPointer { (buf) throws(ParseError) -> JSONValue in
            var p = Parser(buf: buf, whitespace: strictOnly)
            p.skipWhitespace()
            let v = try p.value(depth: 0)
            p.skipWhitespace()
            guard p.i == buf.count else { throw ParseError(offset: p.i, message: "trailing bytes after the JSON value") }
            return v
        }
    }

    struct Parser {
        let buf: UnsafeBufferPointer<UInt8>
        /// Allow insignificant white space and any key order (strict, not canonical, JSON).
        var whitespace = false
        var i = 0

        /// Skips JSON white space (space, tab, LF, CR) when `whitespace` allows it.
        mutating func skipWhitespace() {
            guard whitespace else { return }
            while i < buf.count, buf[i] == 0x20 || buf[i] == 0x09 || buf[i] == 0x0A || buf[i] == 0x0D { i += 1 }
        }

        func fail(_ message: String) -> ParseError { ParseError(offset: i, message: message) }

        mutating func value(depth: Int) throws(ParseError) -> JSONValue {
            guard depth < 32 else { throw fail("nesting deeper than 32 levels") }
            guard i < buf.count else { throw fail("unexpected end of input") }
            switch buf[i] {
            case UInt8(ascii: "{"): return try object(depth: depth)
            case UInt8(ascii: "["): return try array(depth: depth)
            case UInt8(ascii: "\""): return .string(try string())
            case UInt8(ascii: "t"): try literal("true"); return .bool(true)
            case UInt8(ascii: "f"): try literal("false"); return .bool(false)
            case UInt8(ascii: "n"): try literal("null"); return .null
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .int(try integer())
            default: throw fail("unexpected character (white space and other non-canonical forms are not allowed)")
            }
        }

        mutating func literal(_ word: String) throws(ParseError) {
            let w = Array(word.utf8)
            guard buf.count - i >= w.count else { throw fail("unexpected end of input") }
            for k in 0..<w.count where buf[i + k] != w[k] { throw fail("invalid literal") }
            i += w.count
        }

        mutating func integer() throws(ParseError) -> Int64 {
            let start = i
            var negative = false
            if buf[i] == UInt8(ascii: "-") { negative = true; i += 1 }
            guard i < buf.count, (0x30...0x39).contains(buf[i]) else { throw fail("a minus sign must be followed by a digit") }
            if buf[i] == 0x30 {
                i += 1
                if negative { throw ParseError(offset: start, message: "-0 is not canonical") }
                if i < buf.count, (0x30...0x39).contains(buf[i]) { throw ParseError(offset: start, message: "leading zero") }
                return 0
            }
            var v: Int64 = 0
            while i < buf.count, (0x30...0x39).contains(buf[i]) {
                let d = Int64(buf[i] - 0x30)
                let (m, o1) = v.multipliedReportingOverflow(by: 10)
                let (s, o2) = negative ? m.subtractingReportingOverflow(d) : m.addingReportingOverflow(d)
                guard !o1, !o2 else { throw ParseError(offset: start, message: "integer out of 64-bit range") }
                v = s
                i += 1
            }
            if i < buf.count, buf[i] == UInt8(ascii: ".") || buf[i] == UInt8(ascii: "e") || buf[i] == UInt8(ascii: "E") {
                throw fail("only integers are allowed")
            }
            return v
        }

        mutating func string() throws(ParseError) -> String {
            i += 1  // opening quote
            let start = i
            var plain = true
            // Fast path: no escapes.
            while i < buf.count {
                let b = buf[i]
                if b == 0x22 { break }
                if b == 0x5C { plain = false; break }
                if b < 0x20 { throw fail("unescaped control character in string") }
                i += 1
            }
            if plain {
                guard i < buf.count else { throw fail("unterminated string") }
                let s = try utf8(start, i)
                i += 1
                return s
            }
            var out = [UInt8](buf[start..<i])
            while true {
                guard i < buf.count else { throw fail("unterminated string") }
                let b = buf[i]
                if b == 0x22 { i += 1; break }
                if b < 0x20 { throw fail("unescaped control character in string") }
                if b != 0x5C { out.append(b); i += 1; continue }
                guard i + 1 < buf.count else { throw fail("unterminated escape") }
                let e = buf[i + 1]
                switch e {
                case 0x22, 0x5C: out.append(e); i += 2
                case UInt8(ascii: "b"): out.append(0x08); i += 2
                case UInt8(ascii: "f"): out.append(0x0C); i += 2
                case UInt8(ascii: "n"): out.append(0x0A); i += 2
                case UInt8(ascii: "r"): out.append(0x0D); i += 2
                case UInt8(ascii: "t"): out.append(0x09); i += 2
                case UInt8(ascii: "u"):
                    // Canonical form escapes only the controls without a short escape, as \u00xx lower-case.
                    guard i + 5 < buf.count, buf[i + 2] == 0x30, buf[i + 3] == 0x30,
                        let hi = lowerHex(buf[i + 4]), let lo = lowerHex(buf[i + 5])
                    else {
                        throw fail("\\u escape is not canonical")
                    }
                    let c = hi << 4 | lo
                    guard c < 0x20, ![0x08, 0x09, 0x0A, 0x0C, 0x0D].contains(c) else { throw fail("\\u escape is not canonical") }
                    out.append(c)
                    i += 6
                default: throw fail("invalid or non-canonical escape")
                }
            }
            guard let s = String(validating: out, as: UTF8.self) else { throw ParseError(offset: start, message: "string is not valid UTF-8") }
            return s
        }

        func lowerHex(_ c: UInt8) -> UInt8? {
            switch c {
            case 0x30...0x39: return c - 0x30
            case 0x61...0x66: return c - 0x61 + 10
            default: return nil
            }
        }

        func utf8(_ a: Int, _ b: Int) throws(ParseError) -> String {
            guard let s = String(validating: UnsafeBufferPointer(rebasing: buf[a..<b]), as: UTF8.self) else {
                throw ParseError(offset: a, message: "string is not valid UTF-8")
            }
            return s
        }

        mutating func array(depth: Int) throws(ParseError) -> JSONValue {
            i += 1
            var items = [JSONValue]()
            skipWhitespace()
            if i < buf.count, buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
            while true {
                items.append(try value(depth: depth + 1))
                skipWhitespace()
                guard i < buf.count else { throw fail("unterminated array") }
                if buf[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
                if buf[i] == UInt8(ascii: "]") { i += 1; return .array(items) }
                throw fail("expected , or ]")
            }
        }

        mutating func object(depth: Int) throws(ParseError) -> JSONValue {
            i += 1
            var pairs = [(String, JSONValue)]()
            var seen = Set<String>()
            skipWhitespace()
            if i < buf.count, buf[i] == UInt8(ascii: "}") { i += 1; return .object(pairs) }
            while true {
                guard i < buf.count, buf[i] == UInt8(ascii: "\"") else { throw fail("expected a key") }
                let keyOffset = i
                let key = try string()
                if whitespace {
                    guard seen.insert(key).inserted else { throw ParseError(offset: keyOffset, message: "duplicate key \"\(key)\"") }
                } else if let last = pairs.last?.0, !CanonicalJSON.keyLess(last, key) {
                    throw ParseError(offset: keyOffset, message: last == key ? "duplicate key \"\(key)\"" : "keys are not in canonical order")
                }
                skipWhitespace()
                guard i < buf.count, buf[i] == UInt8(ascii: ":") else { throw fail("expected :") }
                i += 1
                skipWhitespace()
                pairs.append((key, try value(depth: depth + 1)))
                skipWhitespace()
                guard i < buf.count else { throw fail("unterminated object") }
                if buf[i] == UInt8(ascii: ",") { i += 1; skipWhitespace(); continue }
                if buf[i] == UInt8(ascii: "}") {
                    i += 1
                    if whitespace { pairs.sort { CanonicalJSON.keyLess($0.0, $1.0) } }
                    return .object(pairs)
                }
                throw fail("expected , or }")
            }
        }
    }
}
