// swiftc -O -parse-as-library min.swift  (Swift 6.3.1, x86_64 Linux): signal 11,
// "While splitting coroutine" (LLVM CoroSplit) in makeRoute's closure. -Onone compiles it.
import Foundation

struct E: Error { var m: String }
struct Receipt: Decodable, Sendable {
    var grantId: String; var kind: String; var outputDigest: String?; var time: String; var signature: String
}

// Generic, typed throws, a do/catch that turns JSONDecoder's error into E.
func decode<T: Decodable>(_ type: T.Type, from bytes: [UInt8]) throws(E) -> T {
    guard !bytes.isEmpty else { throw E(m: "empty") }
    do {
        return try JSONDecoder().decode(T.self, from: Data(bytes))
    } catch let DecodingError.typeMismatch(_, ctx), let DecodingError.valueNotFound(_, ctx) {
        throw E(m: ctx.codingPath.map(\.stringValue).joined(separator: "."))
    } catch {
        throw E(m: "bad")
    }
}

func read(_ s: String) async throws -> [UInt8] { try await Task.sleep(nanoseconds: 1); return Array(s.utf8) }
func decodeBody<T: Decodable>(_ type: T.Type, _ s: String) async throws -> T { try decode(type, from: try await read(s)) }

final class Broker: Sendable {
    func receipt(_ r: Receipt) async throws(E) -> Int {
        do { try await Task.sleep(nanoseconds: 1) } catch { throw E(m: "c") }
        return r.kind.count
    }
}

// Inlining decodeBody<Receipt> into this async closure, then awaiting a typed-throws call.
func makeRoute(broker: Broker) -> @Sendable (String) async throws -> Int {
    { request in
        let body = try await decodeBody(Receipt.self, request)
        return try await broker.receipt(body)
    }
}

@main struct M {
    static func main() async throws {
        print(try await makeRoute(broker: Broker())(#"{"grantId":"g","kind":"output","time":"t","signature":"s"}"#))
    }
}
