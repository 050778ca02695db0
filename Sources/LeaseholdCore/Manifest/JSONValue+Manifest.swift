import Codecs

extension JSONValue {
    /// Lower-case hex, the one form byte strings take in a canonical manifest.
    static func hex(_ bytes: [UInt8]) -> JSONValue { .string(Hex.encode(bytes)) }
}

extension Dictionary where Key == String, Value == JSONValue {
    /// Sets `key` only when `value` is present: absent optional fields are left out of the
    /// canonical form rather than written as null, so there is one form per manifest.
    mutating func set(_ key: String, _ value: JSONValue?) {
        if let value { self[key] = value }
    }
}
