import Codecs
import LeaseholdOwnerClient
import Broker
import LeaseholdAPI
import Foundation
import LeaseholdClient
import LeaseholdCore
import Testing
import TransparencyLog
import Vault

/// The client's signed requests must pass the broker's own check, and nothing else may.
@Suite struct OwnerRequestsTests {
    let now = Date(timeIntervalSince1970: 1_780_000_000)
    static let broker = "leasehold.local/log+0a1b2c3d+AQIDBAUGBwgJCgsMDQ4PEBESExQVFhcYGRobHB0eHyA="
    static let otherBroker = "leasehold.local/log+9f8e7d6c+ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8="

    @Test(arguments: [OwnerKeyAlgorithm.ed25519, .mlDSA65])
    func vaultPutVerifiesAndTheKeyOpensAtTheBroker(alg: OwnerKeyAlgorithm) throws {
        let owner = try OwnerSigningKey.generate(alg)
        let recipient = try VaultPut.Recipient(rootKey: RootKey.generate())
        let key = try DataKey.generate()
        for suite in KeyWrapSuite.allCases {
            let request = try OwnerRequests.vaultPut(
                owner: "acme", keyId: "k1", key: key, vaultPublicKey: recipient.publicKey(for: suite),
                suite: suite, signingKey: owner, at: now, broker: Self.broker)
            let fields = try OwnerRequestSigning.verify(
                request, op: "vault.put", owner: "acme", key: owner.publicKey, now: now.addingTimeInterval(60), broker: Self.broker)
            #expect(fields["keyId"]?.stringValue == "k1")
            #expect(fields["suite"]?.stringValue == suite.id)
            let wrapped = WrappedKey(
                encapsulatedKey: try #require(fields["encapsulatedKey"]?.stringValue.flatMap(Base64.decodeCanonical)),
                ciphertext: try #require(fields["ciphertext"]?.stringValue.flatMap(Base64.decodeCanonical)))
            #expect(try recipient.open(wrapped, suite: suite, owner: "acme", keyId: "k1") == key)
            // Sealed for k1: the broker cannot be made to store it under another key id.
            #expect(throws: VaultError.self) { try recipient.open(wrapped, suite: suite, owner: "acme", keyId: "k2") }
        }
    }

    @Test func revokeVerifiesOnlyForItsOpOwnerKeyAndTime() throws {
        let owner = try OwnerSigningKey.generate()
        let other = try OwnerSigningKey.generate()
        let request = try OwnerRequests.revoke(owner: "acme", leaseId: "l1", signingKey: owner, at: now, broker: Self.broker)
        let fields = try OwnerRequestSigning.verify(request, op: "lease.revoke", owner: "acme", key: owner.publicKey, now: now, broker: Self.broker)
        #expect(fields["leaseId"]?.stringValue == "l1")

        func code(_ body: () throws -> Void) -> BrokerError.Code? {
            do { try body(); return nil } catch { return (error as? BrokerError)?.code }
        }
        #expect(
            code {
                _ = try OwnerRequestSigning.verify(request, op: "lease.revoke", owner: "acme", key: other.publicKey, now: now, broker: Self.broker)
            } == .signatureInvalid)
        #expect(
            code { _ = try OwnerRequestSigning.verify(request, op: "vault.put", owner: "acme", key: owner.publicKey, now: now, broker: Self.broker) }
                == .badRequest)
        #expect(
            code {
                _ = try OwnerRequestSigning.verify(request, op: "lease.revoke", owner: "evil", key: owner.publicKey, now: now, broker: Self.broker)
            } == .badRequest)
        #expect(
            code {
                _ = try OwnerRequestSigning.verify(
                    request, op: "lease.revoke", owner: "acme", key: owner.publicKey, now: now.addingTimeInterval(301), broker: Self.broker)
            } == .requestStale)
        // Addressed to one broker: another broker (another log key) refuses it (review M3).
        #expect(
            code {
                _ = try OwnerRequestSigning.verify(
                    request, op: "lease.revoke", owner: "acme", key: owner.publicKey, now: now, broker: Self.otherBroker)
            } == .badRequest)

        // One flipped bit in the payload breaks the signature.
        var payload = try #require(Base64.decodeCanonical(request.payload))
        payload[payload.count / 2] ^= 0x01
        let tampered = SignedOwnerRequest(payload: Base64.encode(payload), signature: request.signature)
        #expect(
            code {
                _ = try OwnerRequestSigning.verify(tampered, op: "lease.revoke", owner: "acme", key: owner.publicKey, now: now, broker: Self.broker)
            } == .signatureInvalid)
    }

    @Test func sealingToAWrongSizeVaultKeyIsABadInput() throws {
        let owner = try OwnerSigningKey.generate()
        #expect(throws: LeaseholdClientError.self) {
            _ = try OwnerRequests.vaultPut(
                owner: "acme", keyId: "k1", key: try DataKey.generate(), vaultPublicKey: [UInt8](repeating: 9, count: 31),
                suite: .x25519SHA256AES256GCM, signingKey: owner, at: now, broker: Self.broker)
        }
    }
}
