import Broker
import LeaseholdAPI
@testable import BrokerHTTP
import Foundation
import Hummingbird
import LeaseholdTestSupport
import Testing
import Yams

/// openapi.yaml and the router describe the same API: every documented path+method is
/// routed, and every route is documented.
@Suite struct OpenAPIRouteTests {
    static let documentPath = TestPaths.inRepository("Sources/BrokerHTTP/openapi.yaml").path

    static let methods: Set<String> = ["get", "put", "post", "delete", "patch", "head", "options", "trace"]

    func documented() throws -> Set<String> {
        let text = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        let paths = try #require(doc["paths"] as? [String: Any])
        var out: Set<String> = []
        for (path, item) in paths {
            let operations = try #require(item as? [String: Any])
            for key in operations.keys where Self.methods.contains(key) {
                out.insert("\(key.uppercased()) \(path)")
            }
        }
        return out
    }

    func routed() async throws -> Set<String> {
        let t = try await TestBroker.make()
        return Set(BrokerRoutes.router(for: t.broker).routes.map { "\($0.method.rawValue) \($0.path.description)" })
    }

    /// Every route that reads a body refuses one over its limit with 413 `request-too-large`
    /// (HTTPBody), so every operation with a request body documents 413.
    @Test func everyOperationWithABodyDocuments413() throws {
        let text = try String(contentsOfFile: Self.documentPath, encoding: .utf8)
        let doc = try #require(try Yams.load(yaml: text) as? [String: Any])
        var missing: [String] = []
        for (path, item) in try #require(doc["paths"] as? [String: Any]) {
            for (method, op) in try #require(item as? [String: Any]) where Self.methods.contains(method) {
                guard let op = op as? [String: Any], op["requestBody"] != nil else { continue }
                let responses = op["responses"] as? [String: Any] ?? [:]
                if responses["413"] == nil { missing.append("\(method.uppercased()) \(path)") }
            }
        }
        #expect(missing.isEmpty, "no 413 documented: \(missing.sorted())")
    }

    @Test func everyDocumentedOperationIsRouted() async throws {
        let missing = try documented().subtracting(try await routed())
        #expect(missing.isEmpty, "documented but not routed: \(missing.sorted())")
    }

    @Test func everyRouteIsDocumented() async throws {
        let undocumented = try await routed().subtracting(try documented())
        #expect(undocumented.isEmpty, "routed but not documented: \(undocumented.sorted())")
    }

    @Test func theAPIHasTheRoutesOfTheDesign() async throws {
        // Guards against both sides losing a route together.
        #expect(try await routed().count == 25)
    }

    /// Each strict body's member list is exactly what its type encodes when every optional
    /// member is set, so the two cannot drift apart.
    @Test func strictMemberListsMatchTheWireTypes() throws {
        func keys<T: Encodable>(_ v: T) throws -> Set<String> {
            Set(try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(v)) as? [String: Any]).keys)
        }
        #expect(try keys(RegisterOwnerRequest(owner: "a", publicKey: "b")) == RegisterOwnerRequest.members)
        #expect(try keys(SignedOwnerRequest(payload: "a", signature: "b")) == SignedOwnerRequest.members)
        #expect(
            try keys(GrantRequest(tee: "a", evidence: "b", collateral: ["c"], nonce: "d", suite: "e", publicKey: "f", signingKey: "g"))
                == GrantRequest.members)
        #expect(try keys(AddAuditorRequest(name: "a")) == AddAuditorRequest.members)
        #expect(try keys(WorkloadReceipt(grantId: "a", kind: "b", outputDigest: "c", time: "d", signature: "e")) == WorkloadReceipt.members)
    }
}
