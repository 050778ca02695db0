import Broker
import LeaseholdAPI
@testable import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import LeaseholdCore
import Logging
import LeaseholdTestSupport
import Testing

/// Review finding L10 in the HTTP layer, and H2's byte cap on log pages.
@Suite struct HTTPHardeningTests {
    var logger: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    @Test func serverErrorsNeverCarryTheBrokersMessage() {
        let dbText = "database write failed: database is locked at /var/lib/leasehold/leasehold.db"
        let unavailable = BrokerErrorMiddleware<BrokerRequestContext>.exposed(BrokerError(.logUnavailable, dbText), logger: logger)
        #expect(unavailable.code == .logUnavailable)
        #expect(!unavailable.message.contains("database"))
        #expect(unavailable.message.contains("nothing was released"))
        let internalError = BrokerErrorMiddleware<BrokerRequestContext>.exposed(
            BrokerError(.internal, "could not read the database: " + dbText), logger: logger)
        #expect(internalError.message == "internal error")
        // A 4xx keeps its message (it is for the caller), bounded.
        let bad = BrokerErrorMiddleware<BrokerRequestContext>.exposed(
            BrokerError(.manifestInvalid, "line 3: " + String(repeating: "é", count: 10_000)), logger: logger)
        #expect(bad.message.hasPrefix("line 3: é"))
        #expect(bad.message.utf8.count <= 300)
        #expect(bad.message.hasSuffix("…"))
    }

    @Test func malformedInputIsEchoedAsAShortPrefixAtMost() async throws {
        let t = try await TestBroker.make()
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        let junk = "{\"payloadType\": \"" + String(repeating: "A", count: 200_000) + "\n: : ["
        try await app.test(.router) { client in
            try await client.execute(uri: "/v1/leases", method: .post, body: ByteBuffer(string: junk)) { r in
                #expect(r.status.code >= 400 && r.status.code < 500)
                #expect(r.body.readableBytes < 1024, "the error body is \(r.body.readableBytes) bytes")
            }
            try await client.execute(uri: "/v1/" + String(repeating: "p", count: 20_000), method: .get) { r in
                #expect(r.status == .notFound)
                #expect(r.body.readableBytes < 1024)
            }
        }
    }

    @Test func aLooseTLSKeyIsRefusedBeforeItIsRead() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let cert = dir + "/cert.pem", key = dir + "/key.pem"
        try "not a certificate".write(toFile: cert, atomically: true, encoding: .utf8)
        try "not a key".write(toFile: key, atomically: true, encoding: .utf8)
        for mode in [0o644, 0o640, 0o604] {
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: key)
            #expect(throws: BrokerTLS.LoadError.self) { try BrokerTLS.load(certificateFile: cert, keyFile: key) }
            do { _ = try BrokerTLS.load(certificateFile: cert, keyFile: key) } catch { #expect(error.description.contains("chmod 600")) }
        }
        // At 0600 the mode passes, and the (bad) certificate is what is refused.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: key)
        do { _ = try BrokerTLS.load(certificateFile: cert, keyFile: key); Issue.record("a bad certificate was accepted") } catch {
            #expect(error.description.contains("--tls-cert"))
        }
    }

    @Test func aLogPageStopsAtItsByteCapButNeverComesBackEmpty() async throws {
        let t = try await TestBroker.make()
        let token = try t.adminToken
        for i in 0..<5 {
            _ = try await t.broker.registerOwner(
                RegisterOwnerRequest(owner: "owner-\(i)", publicKey: try OwnerSigningKey.generate().publicKey.text), adminToken: token)
        }
        func lines(_ page: [UInt8]) -> Int { page.filter { $0 == 0x0A }.count }
        let all = try await BrokerRoutes.logPage(t.broker, start: 0, limit: 1000)
        #expect(lines(all) == 6)  // the log's broker.keys entry, then 5 registrations
        #expect(lines(try await BrokerRoutes.logPage(t.broker, start: 0, limit: 2)) == 2)
        // A cap below one entry still gives one entry; a cap of two entries' bytes gives two.
        #expect(lines(try await BrokerRoutes.logPage(t.broker, start: 1, limit: 1000, maxBytes: 1)) == 1)
        let firstTwo = all.split(separator: 0x0A).prefix(2).reduce(0) { $0 + $1.count + 1 }
        #expect(lines(try await BrokerRoutes.logPage(t.broker, start: 0, limit: 1000, maxBytes: firstTwo)) == 2)
        #expect(lines(try await BrokerRoutes.logPage(t.broker, start: 0, limit: 1000, maxBytes: firstTwo - 1)) == 1)
        #expect(try await BrokerRoutes.logPage(t.broker, start: 6, limit: 10).isEmpty)
    }
}
