import Foundation
import HTTPTypes
@testable import BrokerHTTP
import Hummingbird
import NIOCore
import Testing

/// A body that stops coming (the client hung up mid-body; API fuzzing saw it logged as a 500
/// `internal`) is the client's failure: `BodyIncomplete`, answered and logged as 400.
@Suite struct BodyReadTests {
    struct Hangup: Error {}

    /// One chunk, then the stream fails as a closed connection does.
    struct BrokenBody: AsyncSequence, Sendable {
        typealias Element = ByteBuffer
        struct AsyncIterator: AsyncIteratorProtocol {
            var sent = false
            mutating func next() async throws -> ByteBuffer? {
                guard !sent else { throw Hangup() }
                sent = true
                return ByteBuffer(string: "{\"owner\":")
            }
        }
        func makeAsyncIterator() -> AsyncIterator { AsyncIterator() }
    }

    func request(_ body: RequestBody) -> Request {
        Request(head: HTTPRequest(method: .post, scheme: "http", authority: "broker", path: "/v1/leases"), body: body)
    }

    @Test func aBodyThatStopsIsIncompleteNotAnInternalError() async throws {
        await #expect(throws: BodyIncomplete.self) { _ = try await HTTPBody.read(request(RequestBody(asyncSequence: BrokenBody())), limit: 1024) }
        // A whole body still reads, and one over the limit is still 413's.
        #expect(try await HTTPBody.read(request(RequestBody(buffer: ByteBuffer(string: "{}"))), limit: 1024) == Array("{}".utf8))
        await #expect(throws: BodyTooLarge.self) {
            _ = try await HTTPBody.read(request(RequestBody(buffer: ByteBuffer(string: "{\"a\":1}"))), limit: 2)
        }
    }
}
