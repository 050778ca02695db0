import Codecs

/// Reads one mapping of a manifest against its schema: every field the code asks for is
/// marked as known, and `finish()` refuses whatever is left. That makes "unknown fields are
/// an error, not ignored" hold at every level without a list of allowed names to keep in step.
struct ManifestReader {
    let path: String
    private let pairs: [(String, ManifestNode)]
    private var used: Set<String> = []

    init(_ node: ManifestNode, path: String) throws(ManifestError) {
        guard case .mapping(let pairs) = node else {
            throw ManifestError(path, "expected a mapping of fields, found \(node.kindName)")
        }
        self.path = path
        self.pairs = pairs
        // An empty value (`notBefore:` with nothing after it, `~`, `null`) is refused for every
        // field, optional or not: read as "absent", it silently drops what the owner meant to
        // fill in (CRYPTO-REVIEW-2026-12 M5: `notBefore:    # fill in later` signed a lease that
        // starts whenever anyone issues it).
        if let (key, _) = pairs.first(where: { Self.isNull($0.1) }) {
            throw Self.emptyValue(path.isEmpty ? key : "\(path).\(key)")
        }
    }

    static func isNull(_ node: ManifestNode) -> Bool {
        if case .scalar(let s) = node, s.kind == .null { return true }
        return false
    }

    static func emptyValue(_ path: String) -> ManifestError {
        ManifestError(path, "the value is empty (null): delete the line to leave the field out, or fill it in")
    }

    func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The field's node, or nil when absent. (An explicit `null` never gets here: `init`
    /// refuses it.)
    mutating func node(_ key: String) -> ManifestNode? {
        used.insert(key)
        return pairs.first(where: { $0.0 == key })?.1
    }

    mutating func require(_ key: String) throws(ManifestError) -> ManifestNode {
        guard let node = node(key) else { throw ManifestError(child(key), "this field is required") }
        return node
    }

    func finish() throws(ManifestError) {
        if let unknown = pairs.first(where: { !used.contains($0.0) }) {
            throw ManifestError(child(unknown.0), "unknown field (fields are never ignored; check the spelling against the manifest reference)")
        }
    }

    // MARK: typed values

    static func string(_ node: ManifestNode, path: String) throws(ManifestError) -> String {
        guard case .scalar(let s) = node else { throw ManifestError(path, "expected text, found \(node.kindName)") }
        if s.kind == .string { return s.text }
        if s.plain, [.int, .float, .timestamp].contains(s.kind) { return s.text }
        throw ManifestError(path, "expected text, found \(node.kindName); put it in quotes if you mean the text")
    }

    static func integer(_ node: ManifestNode, path: String, range: ClosedRange<Int64>) throws(ManifestError) -> Int64 {
        guard case .scalar(let s) = node, s.kind == .int else { throw ManifestError(path, "expected a whole number, found \(node.kindName)") }
        let digits = s.text.hasPrefix("-") ? s.text.dropFirst() : Substring(s.text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ (0x30...0x39).contains($0) }), let value = Int64(s.text) else {
            throw ManifestError(path, "write the number in plain decimal digits (got \(s.text))")
        }
        // `010` is 10 here but 8 to YAML 1.1 readers (PyYAML) and to Go's ParseInt(s, 0, 64):
        // a reviewer's tool would see another number than the one signed (CRYPTO-REVIEW L1).
        guard digits.count == 1 || digits.first != "0" else {
            throw ManifestError(path, "\(s.text) has a leading zero, which some YAML readers take for octal; write \(value) without it")
        }
        guard range.contains(value) else { throw ManifestError(path, "\(value) is out of range \(range.lowerBound)...\(range.upperBound)") }
        return value
    }

    static func bool(_ node: ManifestNode, path: String) throws(ManifestError) -> Bool {
        guard case .scalar(let s) = node, s.kind == .bool, s.text == "true" || s.text == "false" else {
            throw ManifestError(path, "expected true or false, found \(node.kindName)")
        }
        return s.text == "true"
    }

    static func list(_ node: ManifestNode, path: String) throws(ManifestError) -> [ManifestNode] {
        guard case .sequence(let items) = node else { throw ManifestError(path, "expected a list, found \(node.kindName)") }
        if let i = items.firstIndex(where: isNull) {
            throw ManifestError("\(path)[\(i)]", "the item is empty (null); delete the line or fill it in")
        }
        return items
    }

    /// Hex of exactly `count` bytes, either case; stored as bytes and written back lower-case.
    static func hex(_ node: ManifestNode, path: String, count: Int) throws(ManifestError) -> [UInt8] {
        let text = try string(node, path: path)
        guard let bytes = Hex.decode(text) else { throw ManifestError(path, "not hexadecimal (only 0-9 and a-f, an even number of digits)") }
        guard bytes.count == count else {
            throw ManifestError(path, "must be \(count) bytes (\(count * 2) hex digits), found \(bytes.count) bytes")
        }
        return bytes
    }

    // MARK: field conveniences

    mutating func string(_ key: String) throws(ManifestError) -> String {
        try Self.string(try require(key), path: child(key))
    }

    mutating func optionalString(_ key: String) throws(ManifestError) -> String? {
        guard let n = node(key) else { return nil }
        return try Self.string(n, path: child(key))
    }

    mutating func hex(_ key: String, count: Int) throws(ManifestError) -> [UInt8] {
        try Self.hex(try require(key), path: child(key), count: count)
    }

    mutating func optionalHex(_ key: String, count: Int) throws(ManifestError) -> [UInt8]? {
        guard let n = node(key) else { return nil }
        return try Self.hex(n, path: child(key), count: count)
    }

    mutating func bool(_ key: String, default value: Bool) throws(ManifestError) -> Bool {
        guard let n = node(key) else { return value }
        return try Self.bool(n, path: child(key))
    }

    mutating func optionalInteger(_ key: String, range: ClosedRange<Int64>) throws(ManifestError) -> Int64? {
        guard let n = node(key) else { return nil }
        return try Self.integer(n, path: child(key), range: range)
    }

    mutating func integer(_ key: String, range: ClosedRange<Int64>) throws(ManifestError) -> Int64 {
        try Self.integer(try require(key), path: child(key), range: range)
    }
}
