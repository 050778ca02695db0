import LeaseholdAPI
import Foundation

/// A request body type whose JSON members are known exactly, so the HTTP layer can refuse a
/// body with any other member before decoding it. Foundation's `JSONDecoder` ignores unknown
/// keys; an owner or workload that misspells `collateral` must hear about it, not be silently
/// treated as if it had sent none.
public protocol StrictRequestBody: Decodable {
    /// Every member the body may have (optional ones included).
    static var members: Set<String> { get }
}

extension RegisterOwnerRequest: StrictRequestBody {
    public static let members: Set<String> = ["owner", "publicKey"]
}

extension SignedOwnerRequest: StrictRequestBody {
    public static let members: Set<String> = ["payload", "signature"]
}

extension GrantRequest: StrictRequestBody {
    public static let members: Set<String> = ["tee", "evidence", "collateral", "nonce", "suite", "publicKey", "signingKey"]
}

extension AddAuditorRequest: StrictRequestBody {
    public static let members: Set<String> = ["name"]
}

extension WorkloadReceipt: StrictRequestBody {
    public static let members: Set<String> = ["grantId", "kind", "outputDigest", "time", "signature"]
}

/// Strict decoding of request bodies: one JSON object, no member outside `members`, no member
/// twice, and every required member of the right type. Every failure is `bad-request`.
enum StrictJSON {
    static func decode<T: StrictRequestBody>(_ type: T.Type, from bytes: [UInt8]) throws(BrokerError) -> T {
        let names: [String]
        do {
            names = try topLevelMemberNames(bytes)
        } catch {
            throw BrokerError(.badRequest, "the body is not one JSON object: \(error.message)")
        }
        var seen: Set<String> = []
        for name in names {
            guard T.members.contains(name) else {
                throw BrokerError(.badRequest, "unknown member \"\(name)\"; expected only \(T.members.sorted().joined(separator: ", "))")
            }
            guard seen.insert(name).inserted else { throw BrokerError(.badRequest, "member \"\(name)\" appears twice") }
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch let DecodingError.keyNotFound(key, _) {
            throw BrokerError(.badRequest, "missing member \"\(key.stringValue)\"")
        } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
            let path = ctx.codingPath.map(\.stringValue).joined(separator: ".")
            throw BrokerError(.badRequest, "member \"\(path)\" has the wrong type")
        } catch {
            throw BrokerError(.badRequest, "the body is not valid JSON for this request")
        }
    }

    struct SyntaxError: Error { var message: String }

    /// The member names of a top-level JSON object, in order, duplicates kept. Validates the
    /// whole document's syntax with `JSONSerialization` first, then walks only the top level
    /// (nested values are skipped by bracket matching, strings honoured), because
    /// `JSONSerialization` silently keeps one of two duplicate members.
    static func topLevelMemberNames(_ bytes: [UInt8]) throws(SyntaxError) -> [String] {
        guard let object = try? JSONSerialization.jsonObject(with: Data(bytes), options: []), object is [String: Any] else {
            throw SyntaxError(message: "malformed JSON or not an object")
        }
        var names: [String] = []
        var i = 0
        var depth = 0
        var expectKey = false
        while i < bytes.count {
            let c = bytes[i]
            switch c {
            case UInt8(ascii: "\""):
                let start = i &+ 1
                var j = start
                var escaped = false
                while j < bytes.count {
                    if escaped {
                        escaped = false
                    } else if bytes[j] == UInt8(ascii: "\\") {
                        escaped = true
                    } else if bytes[j] == UInt8(ascii: "\"") {
                        break
                    }
                    j &+= 1
                }
                guard j < bytes.count else { throw SyntaxError(message: "unterminated string") }
                if depth == 1 && expectKey {
                    let raw = Array(bytes[start..<j])
                    // Decode escapes the way JSON does, via a one-string document.
                    let name =
                        (try? JSONSerialization.jsonObject(
                            with: Data([UInt8(ascii: "\"")] + raw + [UInt8(ascii: "\"")]), options: [.fragmentsAllowed])) as? String
                    guard let name else { throw SyntaxError(message: "bad member name") }
                    names.append(name)
                    expectKey = false
                }
                i = j &+ 1
                continue
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth &+= 1
                if depth == 1 && c == UInt8(ascii: "{") { expectKey = true }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth &-= 1
            case UInt8(ascii: ","):
                if depth == 1 { expectKey = true }
            default:
                break
            }
            i &+= 1
        }
        return names
    }
}
