/// The JSON value model of log entries, signed payloads and manifests; its one byte form is
/// `CanonicalJSON`'s.
///
/// Log entries are hashed exactly as stored, so there must be exactly one way to write each
/// entry. The canonical form is the RFC 8785 (JCS) form restricted to what entries need:
/// objects with keys sorted by UTF-16 code units and unique, no white space, integers only
/// (no fractions or exponents, which JCS would render through floating point), strings
/// escaped minimally (`\"`, `\\`, `\b \f \n \r \t`, other controls as `\u00xx`).
/// `parse` accepts only bytes already in that form, so a verifier can tell a re-serialised
/// or hand-edited entry from the one that was hashed.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case string(String)
    case array([JSONValue])
    /// Keys in canonical order; `JSONValue.dict(_:)` sorts a dictionary.
    case object([(String, JSONValue)])

    public static func dict(_ dict: [String: JSONValue]) -> JSONValue {
        .object(dict.sorted { CanonicalJSON.keyLess($0.key, $1.key) }.map { ($0.key, $0.value) })
    }

    public subscript(key: String) -> JSONValue? {
        guard case .object(let pairs) = self else { return nil }
        return pairs.first { $0.0 == key }?.1
    }

    public var stringValue: String? { if case .string(let s) = self { return s } else { return nil } }
    public var intValue: Int64? { if case .int(let i) = self { return i } else { return nil } }
    public var boolValue: Bool? { if case .bool(let b) = self { return b } else { return nil } }
    public var arrayValue: [JSONValue]? { if case .array(let a) = self { return a } else { return nil } }

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.int(let a), .int(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(CanonicalJSON.encode(self))
    }
}
