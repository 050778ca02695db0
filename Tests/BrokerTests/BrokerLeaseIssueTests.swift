import Codecs
import Crypto
import Attestation
import Foundation
import Synchronization
import Testing
@testable import Broker
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

@Suite struct BrokerLeaseIssueTests {
    @Test func issuingRefusesBadManifests() async throws {
        let h = try await BrokerHarness.make()
        // Tampered payload: signature no longer matches.
        var env = try ManifestEnvelope.sign(h.manifest("t1"), with: h.ownerKey)
        let other = h.manifest("t1", maxGrants: 500)
        env.payload = other.canonicalJSON
        await expectRefusal(.signatureInvalid) { _ = try await h.broker.issueLease(envelope: env.json) }
        // Signed by someone else.
        await expectRefusal(.signatureInvalid) {
            _ = try await h.broker.issueLease(envelope: try ManifestEnvelope.sign(h.manifest("t2"), with: try OwnerSigningKey.generate()).json)
        }
        // Unknown owner, unknown key, duplicate id.
        var stranger = h.manifest("t3")
        stranger.owner = "nobody"
        await expectRefusal(.ownerNotFound) {
            _ = try await h.broker.issueLease(envelope: try ManifestEnvelope.sign(stranger, with: h.ownerKey).json)
        }
        var noKey = h.manifest("t4")
        noKey.keys = ["missing"]
        await expectRefusal(.keyNotFound) { try await h.issue(noKey) }
        try await h.issue(h.manifest("t5"))
        await expectRefusal(.leaseExists) { try await h.issue(h.manifest("t5")) }
        // notAfter already past.
        var past = h.manifest("t6")
        past.expiry = .notAfter(Int64(h.clock.now.timeIntervalSince1970) - 10)
        await expectRefusal(.manifestInvalid) { try await h.issue(past) }
        await expectRefusal(.manifestInvalid) { _ = try await h.broker.issueLease(envelope: Array("{not json".utf8)) }
    }

    @Test func ownerRegistrationNeedsTheAdminToken() async throws {
        let h = try await BrokerHarness.make()
        let key = try OwnerSigningKey.generate(.mlDSA65)
        await expectRefusal(.unauthorized) {
            _ = try await h.broker.registerOwner(RegisterOwnerRequest(owner: "b", publicKey: key.publicKey.text), adminToken: "guess")
        }
        _ = try await h.broker.registerOwner(RegisterOwnerRequest(owner: "b", publicKey: key.publicKey.text), adminToken: h.adminToken)
        await expectRefusal(.ownerExists) {
            _ = try await h.broker.registerOwner(RegisterOwnerRequest(owner: "b", publicKey: key.publicKey.text), adminToken: h.adminToken)
        }
        await expectRefusal(.badRequest) {
            _ = try await h.broker.registerOwner(RegisterOwnerRequest(owner: "../x", publicKey: key.publicKey.text), adminToken: h.adminToken)
        }
        let mode = try FileManager.default.attributesOfItem(atPath: h.broker.configuration.adminTokenPath)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}
