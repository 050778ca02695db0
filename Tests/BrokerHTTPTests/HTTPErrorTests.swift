import Broker
import LeaseholdAPI
import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import LeaseholdTestSupport
import Testing

/// The HTTP layer's own behaviour: routing, body limits, strict bodies, admin header, query
/// parameters, and the JSON error body. These refuse before the broker is called, so they
/// pass against the BASE stubs too.
@Suite struct HTTPErrorTests {
    func app(_ t: TestBroker) throws -> some ApplicationProtocol {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        return try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
    }

    static func errorBody(_ r: TestResponse) throws -> ErrorBody {
        #expect(r.headers[.contentType] == "application/json")
        return try JSONDecoder().decode(ErrorBody.self, from: Data(buffer: r.body))
    }

    @Test func healthAnswers() async throws {
        let t = try await TestBroker.make()
        try await app(t).test(.router) { client in
            try await client.execute(uri: "/v1/health", method: .get) { r in
                #expect(r.status == .ok)
                let body = try JSONDecoder().decode([String: String].self, from: Data(buffer: r.body))
                #expect(body["status"] == "ok")
            }
        }
    }

    @Test func anUnknownRouteOrMethodIsAJSON404() async throws {
        let t = try await TestBroker.make()
        try await app(t).test(.router) { client in
            for (uri, method) in [("/v1/nothing", HTTPRequest.Method.get), ("/v1/health", .post), ("/v1/leases/a/b/explode", .post)] {
                try await client.execute(uri: uri, method: method) { r in
                    #expect(r.status == .notFound)
                    let e = try Self.errorBody(r)
                    #expect(e.reason == "not-found")
                }
            }
        }
    }

    @Test func ownerRegistrationNeedsABearerToken() async throws {
        let t = try await TestBroker.make()
        let body = ByteBuffer(string: #"{"owner":"acme","publicKey":"x"}"#)
        try await app(t).test(.router) { client in
            for headers: HTTPFields in [[:], [.authorization: "Basic YTpi"], [.authorization: "Bearer "]] {
                try await client.execute(uri: "/v1/owners", method: .post, headers: headers, body: body) { r in
                    #expect(r.status == .unauthorized)
                    let e = try Self.errorBody(r)
                    #expect(e.reason == "unauthorized")
                }
            }
        }
    }

    @Test func unknownMembersAreBadRequests() async throws {
        let t = try await TestBroker.make()
        try await app(t).test(.router) { client in
            let cases: [(String, HTTPRequest.Method, String)] = [
                ("/v1/owners", .post, #"{"owner":"acme","publicKey":"x","admin":true}"#),
                ("/v1/vault/acme/k1", .put, #"{"payload":"","signature":"","extra":1}"#),
                ("/v1/leases/acme/l1/grants", .post, #"{"tee":"sandbox","evidence":"","nonce":"","suite":"","publicKey":"","colateral":[]}"#),
                ("/v1/leases/acme/l1/revoke", .post, #"{"payload":""}"#),
                ("/v1/leases/acme/l1/receipts", .post, #"{"grantId":"g","kind":"output","time":"t","signature":"m","note":"hi"}"#),
                ("/v1/leases/acme/l1/release", .post, "not json"),
            ]
            for (uri, method, body) in cases {
                try await client.execute(uri: uri, method: method, headers: [.authorization: "Bearer x"], body: ByteBuffer(string: body)) { r in
                    #expect(r.status == .badRequest, "\(method) \(uri)")
                    let e = try Self.errorBody(r)
                    #expect(e.reason == "bad-request")
                }
            }
        }
    }

    @Test func bodiesOverTheRouteLimitAre413() async throws {
        let t = try await TestBroker.make()
        // 300 KiB: over the 256 KiB default, under the 1 MiB grant limit.
        let medium = ByteBuffer(string: #"{"x":""# + String(repeating: "a", count: 300 * 1024) + #""}"#)
        let large = ByteBuffer(string: #"{"x":""# + String(repeating: "a", count: 1100 * 1024) + #""}"#)
        try await app(t).test(.router) { client in
            try await client.execute(uri: "/v1/vault/acme/k1", method: .put, body: medium) { r in
                #expect(r.status == .contentTooLarge)
                let e = try Self.errorBody(r)
                #expect(e.reason == "request-too-large")
            }
            try await client.execute(uri: "/v1/leases", method: .post, body: medium) { r in
                #expect(r.status == .contentTooLarge)
            }
            // The grant route reads it (and refuses the unknown member), proving its larger limit.
            try await client.execute(uri: "/v1/leases/acme/l1/grants", method: .post, body: medium) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/leases/acme/l1/grants", method: .post, body: large) { r in
                #expect(r.status == .contentTooLarge)
                let e = try Self.errorBody(r)
                #expect(e.reason == "request-too-large")
            }
        }
    }

    @Test func queryParametersAreCheckedStrictly() async throws {
        let t = try await TestBroker.make()
        let reader: HTTPFields = [.authorization: "Bearer " + (try t.adminToken)]
        try await app(t).test(.router) { client in
            for uri in [
                "/v1/log/entries?limit=0", "/v1/log/entries?limit=1001", "/v1/log/entries?start=-1", "/v1/log/entries?start=01",
                "/v1/log/entries?start=x", "/v1/log/proof/inclusion", "/v1/log/proof/inclusion?index=1e3", "/v1/log/proof/consistency",
                "/v1/audit/leases?limit=x", "/v1/audit/leases?status=gone", "/v1/audit/leases/acme/l1/entries?offset=-1",
            ] {
                try await client.execute(uri: uri, method: .get, headers: reader) { r in
                    #expect(r.status == .badRequest, "\(uri)")
                    let e = try Self.errorBody(r)
                    #expect(e.reason == "bad-request")
                }
            }
        }
    }
}
