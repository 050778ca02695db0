import Codecs

/// The JSON form shared by `SGXClaims` and `TDXClaims` (the CLI's `--json`): the fields every
/// `TEEClaims` must carry, then the TEE's own byte strings as lower-case hex, then Intel's
/// TCB verdict, then (`tcbDetails`) how the verdict was reached.
enum DCAPClaimsEncoding {
    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    static func encode(
        _ claims: any TEEClaims, to encoder: any Encoder, hex: [(String, [UInt8])],
        numbers: [(String, UInt16)] = [], advisoryIds: [String],
        tcbDetails: (inout KeyedEncodingContainer<Key>) throws -> Void = { _ in }
    ) throws {
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(claims.tee, forKey: Key("tee"))
        try c.encode(Hex.encode(claims.measurement), forKey: Key("measurement"))
        try c.encode(Hex.encode(claims.reportData), forKey: Key("reportData"))
        try c.encode(claims.debug, forKey: Key("debug"))
        for (key, value) in hex { try c.encode(Hex.encode(value), forKey: Key(key)) }
        for (key, value) in numbers { try c.encode(value, forKey: Key(key)) }
        try c.encode(claims.tcbStatus, forKey: Key("tcbStatus"))
        try c.encode(advisoryIds, forKey: Key("advisoryIds"))
        try tcbDetails(&c)
    }
}
