import Codecs
import Crypto
import Foundation
import Testing
import TransparencyLog
@testable import LeaseholdCore

@Suite("DSSE manifest envelopes")
struct ManifestEnvelopeTests {
    static let manifest = try! LeaseManifest(yaml: ManifestFixtures.yaml())

    @Test func paeMatchesTheDSSESpecExample() {
        // envelope.md's worked example: PAE("http://example.com/HelloWorld", "hello world").
        let pae = DSSEEnvelope.pae(payloadType: "http://example.com/HelloWorld", payload: Array("hello world".utf8))
        #expect(String(decoding: pae, as: UTF8.self) == "DSSEv1 29 http://example.com/HelloWorld 11 hello world")
    }

    @Test(arguments: OwnerKeyAlgorithm.allCases)
    func signsAndVerifiesThroughJSON(_ alg: OwnerKeyAlgorithm) throws {
        let key = try OwnerSigningKey.generate(alg)
        let envelope = try ManifestEnvelope.sign(Self.manifest, with: key)
        let read = try DSSEEnvelope(json: String(decoding: envelope.json, as: UTF8.self))
        #expect(read == envelope)
        let verified = try ManifestEnvelope.verify(read, trustedKeys: [key.publicKey])
        #expect(verified.manifest == Self.manifest)
        #expect(verified.digest == Self.manifest.digest)
        #expect(verified.signer == key.publicKey)
    }

    @Test(arguments: OwnerKeyAlgorithm.allCases)
    func keyTextFormsRoundTrip(_ alg: OwnerKeyAlgorithm) throws {
        let key = try OwnerSigningKey.generate(alg)
        let again = try OwnerSigningKey(text: key.text + "\n")
        #expect(again.publicKey == key.publicKey)
        let pub = try OwnerPublicKey(text: key.publicKey.text)
        #expect(pub == key.publicKey)
        #expect(pub.keyID == Hex.encode(Array(SHA256Hex.digest(key.publicKey.text))))
        #expect(key.publicKey.text.hasPrefix("leasehold-owner-pub v1 \(alg.rawValue) "))
        #expect(throws: ManifestError.self) { try OwnerPublicKey(text: key.text) }
        #expect(throws: ManifestError.self) { try OwnerPublicKey(text: key.publicKey.text + "\n\n") }
    }

    private func verify(_ envelope: DSSEEnvelope, _ keys: [OwnerPublicKey]) -> ManifestError? {
        do {
            _ = try ManifestEnvelope.verify(envelope, trustedKeys: keys)
            return nil
        } catch {
            return error
        }
    }

    @Test(arguments: OwnerKeyAlgorithm.allCases)
    func flippedBitInPayloadIsRefused(_ alg: OwnerKeyAlgorithm) throws {
        let key = try OwnerSigningKey.generate(alg)
        var envelope = try ManifestEnvelope.sign(Self.manifest, with: key)
        // "maxGrants":3 -> "maxGrants":2 : still a valid canonical manifest, only the signature tells.
        let text = String(decoding: envelope.payload, as: UTF8.self)
        envelope.payload = Array(text.replacingOccurrences(of: "\"maxGrants\":3", with: "\"maxGrants\":2").utf8)
        #expect(envelope.payload != Self.manifest.canonicalJSON)
        #expect(verify(envelope, [key.publicKey])?.path == "signatures[0]")
    }

    @Test(arguments: OwnerKeyAlgorithm.allCases)
    func flippedBitInSignatureIsRefused(_ alg: OwnerKeyAlgorithm) throws {
        let key = try OwnerSigningKey.generate(alg)
        var envelope = try ManifestEnvelope.sign(Self.manifest, with: key)
        envelope.signatures[0].signature[7] ^= 0x01
        #expect(verify(envelope, [key.publicKey])?.path == "signatures[0]")
    }

    @Test func wrongPayloadTypeIsRefused() throws {
        let key = try OwnerSigningKey.generate()
        var envelope = try ManifestEnvelope.sign(Self.manifest, with: key)
        envelope.payloadType = "application/vnd.in-toto+json"
        // Re-sign so only the type is wrong.
        envelope.signatures = [.init(keyID: key.publicKey.keyID, signature: try key.signature(for: envelope.pae))]
        #expect(verify(envelope, [key.publicKey])?.path == "payloadType")
    }

    @Test func otherKeyIsRefused() throws {
        let owner = try OwnerSigningKey.generate()
        let mallory = try OwnerSigningKey.generate()
        let envelope = try ManifestEnvelope.sign(Self.manifest, with: mallory)
        #expect(verify(envelope, [owner.publicKey])?.path == "signatures[0]")
        // Claiming the owner's key id does not help.
        var forged = envelope
        forged.signatures[0].keyID = owner.publicKey.keyID
        #expect(verify(forged, [owner.publicKey])?.path == "signatures[0]")
    }

    @Test func noSignaturesAndExtraSignaturesAreRefused() throws {
        let owner = try OwnerSigningKey.generate()
        let stranger = try OwnerSigningKey.generate(.mlDSA65)
        var envelope = try ManifestEnvelope.sign(Self.manifest, with: owner)
        var unsigned = envelope
        unsigned.signatures = []
        #expect(verify(unsigned, [owner.publicKey])?.path == "signatures")
        envelope.signatures.append(.init(keyID: stranger.publicKey.keyID, signature: try stranger.signature(for: envelope.pae)))
        #expect(verify(envelope, [owner.publicKey])?.path == "signatures[1]")
        var twice = try ManifestEnvelope.sign(Self.manifest, with: owner)
        twice.signatures.append(twice.signatures[0])
        #expect(verify(twice, [owner.publicKey])?.path == "signatures[1]")
    }

    @Test func signedNonCanonicalOrInvalidPayloadIsRefused() throws {
        let key = try OwnerSigningKey.generate()
        func signed(_ payload: String) throws -> DSSEEnvelope {
            let pae = DSSEEnvelope.pae(payloadType: ManifestEnvelope.payloadType, payload: Array(payload.utf8))
            return DSSEEnvelope(
                payloadType: ManifestEnvelope.payloadType, payload: Array(payload.utf8),
                signatures: [.init(keyID: key.publicKey.keyID, signature: try key.signature(for: pae))])
        }
        let canonical = String(decoding: Self.manifest.canonicalJSON, as: UTF8.self)
        #expect(verify(try signed(canonical), [key.publicKey]) == nil)
        #expect(verify(try signed(canonical + " "), [key.publicKey]) != nil)
        #expect(verify(try signed(canonical.replacingOccurrences(of: "{\"keys\"", with: "{\"extra\":1,\"keys\"")), [key.publicKey])?.path == "extra")
        #expect(verify(try signed("owner: acme"), [key.publicKey]) != nil)
    }

    @Test func envelopeJSONIsReadStrictly() throws {
        let key = try OwnerSigningKey.generate()
        let text = String(decoding: try ManifestEnvelope.sign(Self.manifest, with: key).json, as: UTF8.self)
        #expect(throws: ManifestError.self) {
            try DSSEEnvelope(json: text.replacingOccurrences(of: "{\"payload\"", with: "{\"note\":\"x\",\"payload\""))
        }
        #expect(throws: ManifestError.self) { try DSSEEnvelope(json: text.replacingOccurrences(of: "\"sig\":\"", with: "\"sig\":\" ")) }
        // Strict JSON, not YAML: white space and key order are free, YAML's extras are not.
        let env = try DSSEEnvelope(json: text)
        let spaced = """
            { "signatures" : [ { "sig" : "\(Base64.encode(env.signatures[0].signature))", "keyid" : "\(env.signatures[0].keyID)" } ],
              "payloadType" : "\(env.payloadType)",\t"payload" : "\(Base64.encode(env.payload))" }

            """
        #expect(try DSSEEnvelope(json: spaced) == env)
        #expect(throws: ManifestError.self) { try DSSEEnvelope(json: "payload: x\npayloadType: y\nsignatures: []") }
        #expect(throws: ManifestError.self) {
            try DSSEEnvelope(json: text.replacingOccurrences(of: "{\"payload\"", with: "{\"payload\":\"\",\"payload\""))
        }
        #expect(throws: ManifestError.self) { try DSSEEnvelope(json: "{'payload': 'x'}") }
        #expect(throws: ManifestError.self) { try DSSEEnvelope(json: text + "x") }
    }

    /// The broker picks the key from the payload's owner before verifying; nothing else of
    /// the payload is read first, and a payload that is not canonical JSON is refused there.
    @Test func theClaimedOwnerIsReadWithoutInterpretingTheManifest() throws {
        let key = try OwnerSigningKey.generate()
        let envelope = try ManifestEnvelope.sign(Self.manifest, with: key)
        #expect(try ManifestEnvelope.claimedOwner(envelope) == "acme")
        var yaml = envelope
        yaml.payload = Array("owner: acme".utf8)
        #expect(throws: ManifestError.self) { try ManifestEnvelope.claimedOwner(yaml) }
        var other = envelope
        other.payloadType = "application/json"
        #expect(throws: ManifestError.self) { try ManifestEnvelope.claimedOwner(other) }
    }
}

/// SHA-256 for the key-id check, spelled out so the test does not reuse `keyID`'s own code path.
enum SHA256Hex {
    static func digest(_ text: String) -> [UInt8] {
        var h = Crypto.SHA256()
        h.update(data: Array(text.utf8))
        return Array(h.finalize())
    }
}
