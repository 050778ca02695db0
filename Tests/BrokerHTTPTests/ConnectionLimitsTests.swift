import Broker
import LeaseholdAPI
@testable import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import NIOCore
import LeaseholdTestSupport
import Testing

/// The phase clocks as a value, with made-up times.
@Suite struct ConnectionDeadlinesTests {
    let limits = ConnectionLimits(idleTimeout: .seconds(10), requestHeadTimeout: .seconds(3), requestBodyTimeout: .seconds(5))
    func t(_ seconds: Int64) -> NIODeadline { .uptimeNanoseconds(UInt64(1_000_000_000 + seconds * 1_000_000_000)) }

    @Test func anIdleConnectionIsDueAfterTheIdleTimeout() {
        let d = ConnectionDeadlines(limits, now: t(0))
        #expect(d.deadline?.phase == .idle)
        #expect(d.expired(now: t(9)) == nil)
        #expect(d.expired(now: t(10)) == .idle)
    }

    @Test func aHeadMustArriveWithinItsTimeoutHoweverSlowlyBytesTrickle() {
        var d = ConnectionDeadlines(limits, now: t(0))
        d.bytesArrived(now: t(1))
        d.bytesArrived(now: t(2))  // more bytes do not move the head's clock
        d.bytesArrived(now: t(3))
        #expect(d.expired(now: t(3)) == nil)
        #expect(d.expired(now: t(4)) == .head)
    }

    @Test func aBodyMustArriveWithinItsTimeoutOfTheHead() {
        var d = ConnectionDeadlines(limits, now: t(0))
        d.bytesArrived(now: t(1))
        d.headReceived(now: t(2))
        #expect(d.expired(now: t(6)) == nil)  // the head's timeout no longer applies
        #expect(d.expired(now: t(7)) == .body)
    }

    @Test func noDeadlineWhileTheBrokerAnswersThenIdleAgain() {
        var d = ConnectionDeadlines(limits, now: t(0))
        d.bytesArrived(now: t(1))
        d.headReceived(now: t(1))
        d.requestEnded()
        #expect(d.deadline == nil)
        #expect(d.expired(now: t(1000)) == nil)
        d.responseEnded(now: t(1000))
        #expect(d.deadline?.phase == .idle)
        #expect(d.expired(now: t(1009)) == nil)
        #expect(d.expired(now: t(1010)) == .idle)
    }
}

/// A real listening server on 127.0.0.1 and sockets that misbehave (review finding H3).
@Suite(.serialized) struct ConnectionLimitsTests {
    func live(_ limits: ConnectionLimits, _ body: @escaping @Sendable (Int) async throws -> Void) async throws {
        let t = try await TestBroker.make()
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let app = try BrokerRoutes.application(
            broker: t.broker, host: "127.0.0.1", port: 0,
            options: HTTPServerOptions(connections: limits, rateLimits: .off), logger: logger)
        try await app.test(.live) { client in
            try await body(try #require(client.port))
        }
    }

    @Test func stalledConnectionsAreClosedAndHealthStillAnswers() async throws {
        let limits = ConnectionLimits(idleTimeout: .seconds(1), requestHeadTimeout: .seconds(1), requestBodyTimeout: .seconds(1))
        try await live(limits) { port in
            var sockets: [RawSocket] = []
            let start = ContinuousClock.now
            for i in 0..<20 {
                let s = try RawSocket(port: port)
                switch i % 4 {
                case 0: break  // connects, sends nothing
                case 1: s.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n")  // a head without its final CRLF
                case 2:
                    s.send(
                        "POST /v1/leases/a/b/grants HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"tee\":")  // a body that stops
                default: s.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")  // a good request, then an idle keep-alive connection
                }
                sockets.append(s)
            }
            // While they stall, the server answers others.
            let during = try await RawSocket.get(port: port, "/v1/health")
            #expect(during.status == 200)
            var closedAfter: [Duration] = []
            let giveUp = start + .seconds(15)
            for s in sockets {
                #expect(try await s.waitUntilClosed(timeout: max(.zero, giveUp - ContinuousClock.now)), "a stalled connection was not closed")
                closedAfter.append(ContinuousClock.now - start)
            }
            let slowest = try #require(closedAfter.max())
            // Not at once (the limit is 1 s), and not much later than the limit.
            #expect(slowest >= .milliseconds(900))
            #expect(slowest < .seconds(10))
            print("ConnectionLimitsTests: 20 stalled connections closed within \(slowest) of opening (limits 1 s)")
            let after = try await RawSocket.get(port: port, "/v1/health")
            #expect(after.status == 200)
            #expect(after.body.contains("\"status\":\"ok\""))
        }
    }

    @Test func aTrickledHeadIsClosedAtTheHeadTimeoutThoughBytesKeepComing() async throws {
        let limits = ConnectionLimits(idleTimeout: .seconds(30), requestHeadTimeout: .seconds(1), requestBodyTimeout: .seconds(30))
        try await live(limits) { port in
            let s = try RawSocket(port: port)
            let start = ContinuousClock.now
            var closed = false
            for byte in "GET /v1/health HTTP/1.1\r\nX-Slow: " + String(repeating: "a", count: 200) {
                s.send(String(byte))
                try await Task.sleep(for: .milliseconds(100))
                s.drain()
                if s.closedByPeer { closed = true; break }
                if ContinuousClock.now - start > .seconds(10) { break }
            }
            #expect(closed, "a head trickled a byte every 100 ms was never closed")
            #expect(ContinuousClock.now - start >= .milliseconds(900))
        }
    }

    @Test func connectionsOverTheCapAreClosedAtOnceAndOthersStayServed() async throws {
        let limits = ConnectionLimits(
            idleTimeout: .seconds(30), requestHeadTimeout: .seconds(30), requestBodyTimeout: .seconds(30), maxConnections: 5)
        // Hummingbird's live test client holds one connection from the start (it connects when
        // the test begins), so the cap of 5 leaves exactly the four held below.
        try await live(limits) { port in
            var held: [RawSocket] = []
            // Each held connection is known to be accepted (it got an answer) before the next
            // opens, so the order of accepts is the order here even on a loaded machine.
            for _ in 0..<4 {
                let s = try RawSocket(port: port)
                _ = s.send("GET /v1/health HTTP/1.1\r\nHost: x\r\n\r\n")
                let deadline = ContinuousClock.now + .seconds(5)
                while !s.text.contains("\r\n\r\n") && !s.closedByPeer && ContinuousClock.now < deadline {
                    try await Task.sleep(for: .milliseconds(20))
                    s.drain()
                }
                #expect(s.text.hasPrefix("HTTP/1.1 200"), "connection \(held.count) under the cap was not served: \(s.text.prefix(80))")
                held.append(s)
            }
            let start = ContinuousClock.now
            let extra = try RawSocket(port: port)
            #expect(try await extra.waitUntilClosed(timeout: .seconds(5)), "a connection over the cap was left open")
            let refusedIn = ContinuousClock.now - start
            #expect(refusedIn < .seconds(2))
            print("ConnectionLimitsTests: a connection over the cap was closed \(refusedIn) after connecting")
            for s in held {
                s.drain()
                #expect(!s.closedByPeer, "a connection under the cap was closed")
            }
            // A freed slot serves again.
            held.removeFirst()
            try await Task.sleep(for: .milliseconds(300))
            let health = try await RawSocket.get(port: port, "/v1/health")
            #expect(health.status == 200)
        }
    }
}
