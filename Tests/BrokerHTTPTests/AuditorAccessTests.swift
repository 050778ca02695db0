import Broker
import Crypto
import LeaseholdAPI
@testable import BrokerHTTP
import Foundation
import Hummingbird
import HummingbirdTesting
@testable import LeaseholdClient
@testable import LeaseholdOwnerClient
import LeaseholdCore
import Logging
import LeaseholdTestSupport
import Testing
import TransparencyLog
import Vault

/// Issue 15: who reads the log over HTTP (auditor and admin tokens, or anyone with
/// --public-log), auditor tokens that change nothing, and the console's routes.
@Suite struct AuditorAccessTests {
    var logger: Logger {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }

    static let readRoutes = ["/v1/log/entries?start=0&limit=5", "/v1/audit/owners", "/v1/audit/leases"]

    func addAuditor(_ client: some TestClientProtocol, admin: String, name: String) async throws -> AuditorInfo {
        try await client.execute(
            uri: "/v1/auditors", method: .post, headers: [.authorization: "Bearer " + admin, .contentType: "application/json"],
            body: ByteBuffer(string: #"{"name":"\#(name)"}"#)
        ) { r in
            #expect(r.status == .created)
            return try JSONDecoder().decode(AuditorInfo.self, from: Data(buffer: r.body))
        }
    }

    @Test func entriesNeedAnAuditorOrTheAdminToken() async throws {
        let t = try await TestBroker.make()
        let admin = try t.adminToken
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.router) { client in
            let alice = try await addAuditor(client, admin: admin, name: "alice")
            let token = try #require(alice.token)
            #expect(token.hasPrefix("lha_") && token.count == 68)
            let bob = try #require(try await addAuditor(client, admin: admin, name: "bob").token)
            #expect(bob != token)
            let revoked = try await client.execute(uri: "/v1/auditors/bob/revoke", method: .post, headers: [.authorization: "Bearer " + admin]) { r in
                (r.status, try JSONDecoder().decode(AuditorInfo.self, from: Data(buffer: r.body)))
            }
            #expect(revoked.0 == .ok && revoked.1.revoked != nil)
            let unauthorized: [String?] = [nil, "Bearer " + bob, "Bearer lha_" + String(repeating: "0", count: 64), "Bearer " + token + "0", token]
            let allowed: [String?] = ["Bearer " + token, "Bearer " + admin]
            for route in Self.readRoutes {
                for (header, want) in unauthorized.map({ ($0, HTTPResponse.Status.unauthorized) }) + allowed.map({ ($0, HTTPResponse.Status.ok) }) {
                    var headers = HTTPFields()
                    if let header { headers[.authorization] = header }
                    let status = try await client.execute(uri: route, method: .get, headers: headers) { r in r.status }
                    #expect(status == want, "\(route) with \(header ?? "no token")")
                }
            }
            // Checkpoints and proofs stay public.
            try await client.execute(uri: "/v1/log/checkpoint", method: .get) { r in #expect(r.status == .ok) }
            try await client.execute(uri: "/v1/log/proof/inclusion?index=0", method: .get) { r in #expect(r.status == .ok) }
            // The admin lists both, without tokens; a name is taken once.
            try await client.execute(uri: "/v1/auditors", method: .get, headers: [.authorization: "Bearer " + admin]) { r in
                let list = try JSONDecoder().decode([AuditorInfo].self, from: Data(buffer: r.body))
                #expect(list.map(\.name) == ["alice", "bob"])
                #expect(list.allSatisfy { $0.token == nil })
                #expect(list.map { $0.revoked == nil } == [true, false])
            }
            try await client.execute(
                uri: "/v1/auditors", method: .post, headers: [.authorization: "Bearer " + admin, .contentType: "application/json"],
                body: ByteBuffer(string: #"{"name":"alice"}"#)
            ) { r in
                #expect(r.status == .conflict)
                #expect(String(buffer: r.body).contains("auditor-exists"))
            }
            try await client.execute(uri: "/v1/auditors/bob/revoke", method: .post, headers: [.authorization: "Bearer " + admin]) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/auditors/nobody/revoke", method: .post, headers: [.authorization: "Bearer " + admin]) { r in
                #expect(r.status == .notFound)
            }
            try await client.execute(uri: "/v1/auditors", method: .get, headers: [.authorization: "Bearer " + token]) { r in
                #expect(r.status == .unauthorized)
            }
        }
    }

    @Test func anAuditorTokenChangesNothing() async throws {
        let t = try await TestBroker.make()
        let admin = try t.adminToken
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        let before = try await t.broker.logSize()
        try await app.test(.router) { client in
            let token = try #require(try await addAuditor(client, admin: admin, name: "alice").token)
            let writes: [(String, HTTPRequest.Method)] = [
                ("/v1/owners", .post), ("/v1/vault/acme/k1", .put), ("/v1/leases", .post), ("/v1/leases/acme/l1/challenge", .post),
                ("/v1/leases/acme/l1/grants", .post), ("/v1/leases/acme/l1/revoke", .post), ("/v1/leases/acme/l1/release", .post),
                ("/v1/leases/acme/l1/receipts", .post), ("/v1/auditors", .post), ("/v1/auditors/alice/revoke", .post),
            ]
            for (uri, method) in writes {
                try await client.execute(
                    uri: uri, method: method, headers: [.authorization: "Bearer " + token, .contentType: "application/json"],
                    body: ByteBuffer(string: #"{"owner":"eve","publicKey":"x"}"#)
                ) { r in
                    #expect(r.status == .forbidden, "\(method) \(uri)")
                    #expect(String(buffer: r.body).contains("\"reason\":\"read-only-credential\""), "\(method) \(uri)")
                }
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer " + token]) { r in
                #expect(r.status == .unauthorized)
            }
        }
        // Nothing was written: the log is as it was.
        #expect(try await t.broker.logSize() == before)
    }

    @Test func aPublicLogIsReadWithoutATokenButAWrongTokenIsStillRefused() async throws {
        let t = try await TestBroker.make(publicLog: true)
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.router) { client in
            for route in Self.readRoutes {
                try await client.execute(uri: route, method: .get) { r in #expect(r.status == .ok, "\(route)") }
                try await client.execute(uri: route, method: .get, headers: [.authorization: "Bearer nope"]) { r in
                    #expect(r.status == .unauthorized, "\(route)")
                }
            }
        }
    }

    /// The console's three files are the ones in Sources/BrokerHTTP/Console, byte for byte,
    /// each with the strict policy and its type; the page loads only same-origin files.
    @Test func theConsoleIsServedAsBuiltWithAStrictPolicy() async throws {
        let t = try await TestBroker.make()
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        let dir = TestPaths.inRepository("Sources/BrokerHTTP/Console")
        try await app.test(.router) { client in
            for (uri, file, type) in [
                ("/console", "console.html", "text/html"), ("/console/console.js", "console.js", "text/javascript"),
                ("/console/console.css", "console.css", "text/css"),
            ] {
                let source = Array(try Data(contentsOf: dir.appendingPathComponent(file)))
                try await client.execute(uri: uri, method: .get) { r in
                    #expect(r.status == .ok)
                    #expect(r.headers[.contentType]?.hasPrefix(type) == true)
                    #expect(r.headers[.contentSecurityPolicy] == ConsoleAssets.contentSecurityPolicy)
                    #expect(r.headers[.xContentTypeOptions] == "nosniff")
                    #expect(Array(r.body.readableBytesView) == source, "\(file) is served as in the tree")
                }
            }
        }
        #expect(ConsoleAssets.contentSecurityPolicy.hasPrefix("default-src 'none'; script-src 'self';"))
        #expect(!ConsoleAssets.contentSecurityPolicy.contains("unsafe"))
        let html = try String(contentsOf: dir.appendingPathComponent("console.html"), encoding: .utf8)
        #expect(!html.contains("<script>") && !html.contains("<style") && !html.contains("http"))
        let script = try String(contentsOf: dir.appendingPathComponent("console.js"), encoding: .utf8)
        #expect(!script.contains("innerHTML") && !script.contains("eval(") && !script.contains("document.write"), "log text is only ever set as text")
    }

    /// The lease index follows the log (issued, revoked) and a lease's entries are served as
    /// the exact bytes of the log at the indexed positions.
    @Test func aLeasesEntriesAreItsLogEntriesByteForByte() async throws {
        let t = try await TestBroker.make()
        let admin = try t.adminToken
        let app = try BrokerRoutes.application(broker: t.broker, host: "127.0.0.1", port: 0, logger: logger)
        try await app.test(.live) { client in
            let connection = try BrokerConnection("http://127.0.0.1:\(try #require(client.port))")
            let owner = OwnerClient(connection)
            let ownerKey = try OwnerSigningKey.generate()
            let registered = try await owner.register(owner: "acme", publicKey: ownerKey.publicKey, adminToken: admin)
            _ = try await owner.putKey(owner: "acme", keyId: "k1", key: try DataKey.generate(), signingKey: ownerKey)
            for id in ["l1", "l2"] {
                let manifest = LeaseManifest(
                    owner: "acme", leaseId: id, purpose: "audit \(id)", expiry: .ttl(.init("1h")!), maxGrants: 5,
                    keys: ["k1"], workloads: [.sandbox(SandboxWorkload(measurement: [UInt8](repeating: 0x5A, count: 48)))])
                _ = try await owner.issueLease(try ManifestEnvelope.sign(manifest, with: ownerKey))
            }
            _ = try await owner.revoke(owner: "acme", leaseId: "l1", signingKey: ownerKey)
            let auth: HTTPFields = [.authorization: "Bearer " + admin]
            let leases = try await client.execute(uri: "/v1/audit/leases?owner=acme", method: .get, headers: auth) { r in
                try JSONDecoder().decode([AuditLeaseSummary].self, from: Data(buffer: r.body))
            }
            #expect(leases.map(\.leaseId) == ["l2", "l1"])
            #expect(leases.map(\.status) == ["active", "revoked"])
            let l1 = try #require(leases.last)
            #expect(l1.seqs.count == 2 && l1.purpose == "audit l1")
            let body = try await client.execute(uri: "/v1/audit/leases/acme/l1/entries", method: .get, headers: auth) { r in
                #expect(r.headers[.contentType] == "application/jsonl")
                return Array(r.body.readableBytesView)
            }
            let lines = try AuditorClient.splitLines(body)
            #expect(lines.count == 2)
            for (seq, line) in zip(l1.seqs, lines) {
                #expect(try await t.broker.logEntries(start: seq, limit: 1) == [line])
            }
            try await client.execute(uri: "/v1/audit/leases/acme/l1/entries?offset=3", method: .get, headers: auth) { r in
                #expect(r.status == .badRequest)
            }
            try await client.execute(uri: "/v1/audit/leases/acme/l9/entries", method: .get, headers: auth) { r in #expect(r.status == .notFound) }
            try await client.execute(uri: "/v1/audit/leases?status=gone", method: .get, headers: auth) { r in #expect(r.status == .badRequest) }
            try await client.execute(uri: "/v1/audit/owners", method: .get, headers: auth) { r in
                let owners = try JSONDecoder().decode([AuditOwnerSummary].self, from: Data(buffer: r.body))
                #expect(owners == [AuditOwnerSummary(owner: "acme", registeredSeq: registered.logIndex, leases: 2)])
            }
        }
    }
}
