/// The exact bytes of each member value of a top-level JSON object, without re-serialising.
///
/// Intel signs the TCB info and QE identity as the exact text of the `"tcbInfo"` /
/// `"enclaveIdentity"` value inside the PCS response; any re-encoding (key order, spacing,
/// number format) would break the signature, so the value is cut out of the text as is. The
/// scanner only finds value boundaries (strings with escapes, nested objects and arrays);
/// `JSONSerialization`/`JSONDecoder` still validate the content afterwards.
enum JSONRawMembers {
    /// Returns nil when the text is not a single JSON object with well-delimited members.
    static func parse(_ text: [UInt8]) -> [String: [UInt8]]? {
        var i = 0
        let n = text.count
        func ws() { while i < n, text[i] == 0x20 || text[i] == 0x0A || text[i] == 0x0D || text[i] == 0x09 { i += 1 } }
        /// Skips a string starting at text[i] == '"'; returns false if unterminated.
        func skipString() -> Bool {
            i += 1
            while i < n {
                if text[i] == UInt8(ascii: "\\") { i += 2; continue }
                if text[i] == UInt8(ascii: "\"") { i += 1; return true }
                i += 1
            }
            return false
        }
        func skipValue() -> Bool {
            guard i < n else { return false }
            switch text[i] {
            case UInt8(ascii: "\""):
                return skipString()
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                var depth = 0
                while i < n {
                    switch text[i] {
                    case UInt8(ascii: "\""):
                        guard skipString() else { return false }
                        continue
                    case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                    case UInt8(ascii: "}"), UInt8(ascii: "]"):
                        depth -= 1
                        if depth == 0 { i += 1; return true }
                    default: break
                    }
                    i += 1
                }
                return false
            default:
                let start = i
                while i < n,
                    !(text[i] == UInt8(ascii: ",") || text[i] == UInt8(ascii: "}") || text[i] == 0x20
                        || text[i] == 0x0A || text[i] == 0x0D || text[i] == 0x09)
                { i += 1 }
                return i > start
            }
        }
        ws()
        guard i < n, text[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        var out: [String: [UInt8]] = [:]
        ws()
        if i < n, text[i] == UInt8(ascii: "}") { i += 1; ws(); return i == n ? out : nil }
        while true {
            ws()
            guard i < n, text[i] == UInt8(ascii: "\"") else { return nil }
            let keyStart = i + 1
            guard skipString() else { return nil }
            let key = String(decoding: text[keyStart..<(i - 1)], as: UTF8.self)
            ws()
            guard i < n, text[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            ws()
            let valueStart = i
            guard skipValue() else { return nil }
            guard out[key] == nil else { return nil }  // a duplicate key makes "the" signed value ambiguous
            out[key] = Array(text[valueStart..<i])
            ws()
            guard i < n else { return nil }
            if text[i] == UInt8(ascii: ",") { i += 1; continue }
            if text[i] == UInt8(ascii: "}") { i += 1; break }
            return nil
        }
        ws()
        return i == n ? out : nil
    }
}
