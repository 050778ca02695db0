import Broker
import LeaseholdAPI
import Foundation
import Hummingbird

/// Building responses and reading bodies, the same way for every route.
enum HTTPBody {
    /// Default request body limit: owner requests, manifests and receipts are a few KiB.
    static let defaultLimit = 256 * 1024
    /// Grant requests carry evidence and collateral (DCAP collateral is tens of KiB).
    static let grantLimit = 1024 * 1024

    static let encoder: JSONEncoder = {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return e
    }()

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws(BrokerError) -> Response {
        let data: Data
        do { data = try encoder.encode(value) } catch { throw BrokerError(.internal, "response encoding failed") }
        return bytes(Array(data), contentType: "application/json", status: status)
    }

    static func bytes(_ bytes: [UInt8], contentType: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status, headers: [.contentType: contentType, .cacheControl: "no-store"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The JSON error body `{error, reason}` with the given status.
    static func error(_ error: BrokerError, status: HTTPResponse.Status) -> Response {
        let data = (try? encoder.encode(ErrorBody(error))) ?? Data(#"{"error":"internal error","reason":"internal"}"#.utf8)
        return bytes(Array(data), contentType: "application/json", status: status)
    }

    /// The whole body, refusing one larger than `limit` (413, thrown as `BodyTooLarge`). A
    /// body that stops coming (the client hung up, the stream broke) is `BodyIncomplete`: the
    /// client's doing, not a 500 of the broker's.
    static func read(_ request: Request, limit: Int) async throws -> [UInt8] {
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Array(buffer.readableBytesView)
        } catch let e as any HTTPResponseError where e.status == .contentTooLarge {
            throw BodyTooLarge(limit: limit)
        } catch {
            throw BodyIncomplete(cause: "\(type(of: error))")
        }
    }

    /// Never inlined: swift-frontend 6.3.1 crashes (signal 11 in LLVM's CoroSplit) when this
    /// generic, with StrictJSON's typed-throws do/catch around JSONDecoder, is inlined into an
    /// async route closure that then awaits a typed-throws broker call (reproducer:
    /// docs/compiler-bugs/coro-split-typed-throws-decode.swift). Out of line, the whole module
    /// builds with -O; it cost BrokerHTTP -Onone before.
    @inline(never)
    static func decode<T: StrictRequestBody>(_ type: T.Type, _ request: Request, limit: Int = defaultLimit) async throws -> T {
        try StrictJSON.decode(type, from: try await read(request, limit: limit))
    }
}

/// A request body over the route's limit: answered 413 `request-too-large`.
struct BodyTooLarge: Error {
    var limit: Int
}

/// A request body that did not arrive whole: answered (if anyone still listens) and logged as
/// 400 `body-incomplete`, never as a broker failure.
struct BodyIncomplete: Error {
    /// The error type that ended the body, for the log line.
    var cause: String
}
