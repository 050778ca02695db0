import Codecs
import Yams

/// A YAML or JSON document reduced to what manifests use: mappings, sequences and scalars.
///
/// YAML, hand-written JSON (parsed as YAML, of which it is a subset) and the canonical JSON
/// of a DSSE payload all become this one tree, so one schema reader checks all three and
/// they cannot drift apart. Tags other than the core schema's and duplicate keys are refused
/// here: neither has a meaning in a manifest, and each is a way to make what a lawyer reads
/// differ from what the broker enforces. YAML anchors and aliases are refused from the parse
/// events before anything is composed (`checkEvents`), with a node budget and a depth limit,
/// so no text can cost more than linear time. The broker itself never parses YAML: envelopes
/// and payloads are strict JSON; YAML is for the files an owner writes.
indirect enum ManifestNode: Sendable, Equatable {
    case scalar(Scalar)
    case mapping([(String, ManifestNode)])
    case sequence([ManifestNode])

    struct Scalar: Sendable, Equatable {
        enum Kind: Sendable, Equatable { case string, int, float, bool, null, timestamp }
        var text: String
        var kind: Kind
        /// Written without quotes in YAML. A plain `0356…` resolves as a number, yet a hex
        /// field means the text; only plain scalars may be read as text despite their kind.
        var plain: Bool
    }

    static func == (lhs: ManifestNode, rhs: ManifestNode) -> Bool {
        switch (lhs, rhs) {
        case (.scalar(let a), .scalar(let b)): return a == b
        case (.sequence(let a), .sequence(let b)): return a == b
        case (.mapping(let a), .mapping(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    var kindName: String {
        switch self {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .scalar(let s):
            switch s.kind {
            case .string: return "a string"
            case .int: return "an integer"
            case .float: return "a decimal number"
            case .bool: return "a boolean"
            case .null: return "null"
            case .timestamp: return "a timestamp"
            }
        }
    }
}

extension ManifestNode {
    /// Parses YAML (or JSON) text: exactly one document, whose root must be a mapping.
    static func parse(yaml text: String) throws(ManifestError) -> ManifestNode {
        try checkEvents(yaml: text)
        let root: Node?
        do {
            root = try Yams.compose(yaml: text, Resolver.default)
        } catch {
            throw ManifestError("", "not valid YAML or JSON: \(error)")
        }
        guard let root else { throw ManifestError("", "the document is empty") }
        var budget = maximumNodes
        return try convert(root, path: "", depth: 0, budget: &budget)
    }

    /// Far above any real manifest (a hundred workload entries is about a thousand nodes).
    static let maximumNodes = 20_000

    private static func convert(_ node: Node, path: String, depth: Int, budget: inout Int) throws(ManifestError) -> ManifestNode {
        guard depth < 16 else { throw ManifestError(path, "nested deeper than a manifest ever is") }
        budget -= 1
        guard budget >= 0 else { throw ManifestError(path, "the document has more than \(maximumNodes) values (YAML aliases expanding too far?)") }
        switch node {
        case .alias:
            throw ManifestError(path, "unresolved YAML alias; write the value out")
        case .scalar(let s):
            let kind: Scalar.Kind
            switch Tag.Name(rawValue: node.tag.rawValue) {
            case .str: kind = .string
            case .int: kind = .int
            case .float: kind = .float
            case .bool: kind = .bool
            case .null: kind = .null
            case .timestamp: kind = .timestamp
            default: throw ManifestError(path, "the YAML tag \(node.tag.rawValue) is not allowed in a manifest")
            }
            return .scalar(Scalar(text: s.string, kind: kind, plain: s.style == .plain))
        case .sequence(let seq):
            guard node.tag.rawValue == Tag.Name.seq.rawValue else {
                throw ManifestError(path, "the YAML tag \(node.tag.rawValue) is not allowed in a manifest")
            }
            var items: [ManifestNode] = []
            for (i, item) in seq.enumerated() {
                items.append(try convert(item, path: "\(path)[\(i)]", depth: depth + 1, budget: &budget))
            }
            return .sequence(items)
        case .mapping(let map):
            guard node.tag.rawValue == Tag.Name.map.rawValue else {
                throw ManifestError(path, "the YAML tag \(node.tag.rawValue) is not allowed in a manifest")
            }
            var pairs: [(String, ManifestNode)] = []
            for (key, value) in map {
                guard case .scalar(let k) = key, key.tag.rawValue == Tag.Name.str.rawValue || k.style == .plain else {
                    throw ManifestError(path, "every key must be a plain field name")
                }
                let name = k.string
                let child = path.isEmpty ? name : "\(path).\(name)"
                guard !pairs.contains(where: { $0.0 == name }) else { throw ManifestError(child, "the field appears twice") }
                pairs.append((name, try convert(value, path: child, depth: depth + 1, budget: &budget)))
            }
            return .mapping(pairs)
        }
    }

    /// The tree of a canonical JSON value (a DSSE payload). Strings stay strings and numbers
    /// numbers: the payload was produced by a program, so no YAML leniency applies.
    init(_ value: JSONValue, path: String = "") throws(ManifestError) {
        switch value {
        case .null: self = .scalar(Scalar(text: "null", kind: .null, plain: false))
        case .bool(let b): self = .scalar(Scalar(text: b ? "true" : "false", kind: .bool, plain: false))
        case .int(let i): self = .scalar(Scalar(text: String(i), kind: .int, plain: false))
        case .string(let s): self = .scalar(Scalar(text: s, kind: .string, plain: false))
        case .array(let items):
            var out: [ManifestNode] = []
            for (i, item) in items.enumerated() { out.append(try ManifestNode(item, path: "\(path)[\(i)]")) }
            self = .sequence(out)
        case .object(let pairs):
            var out: [(String, ManifestNode)] = []
            for (k, v) in pairs { out.append((k, try ManifestNode(v, path: path.isEmpty ? k : "\(path).\(k)"))) }
            self = .mapping(out)
        }
    }
}
