import LeaseholdTestSupport
import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Testing
import TransparencyLog
@testable import Vault

/// docs/vectors/*.json, computed by docs/vectors/generate.py from PROTOCOL.md's formulas with
/// Python's own primitives: the Swift code must reproduce every value (issue 16).
@Suite struct ProtocolVectorTests {
    static let directory = TestPaths.inRepository("docs/vectors")

    static func load(_ name: String) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(name))) as? [String: Any])
    }

    func string(_ v: Any?) throws -> String { try #require(v as? String) }
    func hex(_ v: Any?) throws -> [UInt8] { try #require(Hex.decode(try string(v))) }
    func base64(_ v: Any?) throws -> [UInt8] { try #require(Base64.decodeCanonical(try string(v))) }
    func cases(_ doc: [String: Any], _ key: String = "cases") throws -> [[String: Any]] { try #require(doc[key] as? [[String: Any]]) }

    @Test func reportData() throws {
        let all = try cases(try Self.load("report-data.json"))
        #expect(all.count == 3)
        for c in all {
            let binding = LeaseBinding(
                nonce: try base64(c["nonce"]), suiteID: try string(c["suite"]), publicKey: try base64(c["publicKey"]),
                owner: try string(c["owner"]), leaseID: try string(c["leaseId"]), manifestDigest: try hex(c["manifestDigest"]),
                signingKey: c["signingKey"] as? String)
            #expect(binding.reportData == (try hex(c["reportData"])), "\(c["name"] ?? "")")
            #expect(Array(SHA512.hash(data: try hex(c["hashInput"]))) == binding.reportData)
        }
    }

    @Test func hpkeInfo() throws {
        let doc = try Self.load("hpke-info.json")
        for c in try cases(doc, "grant") {
            #expect(
                LeaseBinding.grantInfo(
                    owner: try string(c["owner"]), leaseID: try string(c["leaseId"]), keyID: try string(c["keyId"]),
                    notAfter: try string(c["notAfter"])) == (try hex(c["info"])))
        }
        for c in try cases(doc, "vaultPut") {
            #expect(try VaultPut.info(owner: try string(c["owner"]), keyId: try string(c["keyId"])) == (try hex(c["info"])))
        }
    }

    /// Each sealed key opens, with the recipient key its seed determines, to the known key; the
    /// X25519 one was sealed by Python with a fixed ephemeral key, the X-Wing one by Swift.
    @Test func sealedKeysOpenToTheirKeys() throws {
        let all = try cases(try Self.load("sealed-key.json"))
        #expect(Set(try all.map { try string($0["suite"]) }) == ["x25519-sha256-aes256gcm", "xwing-sha256-aes256gcm"])
        for c in all {
            let suite = try #require(KeyWrapSuite(rawValue: try string(c["suite"])))
            let recipient = try KeyWrapKeyPair.derived(suite: suite, seed: SymmetricKey(data: try hex(c["recipientSeed"])))
            #expect(recipient.publicKey == (try base64(c["recipientPublicKey"])))
            let wrapped = WrappedKey(encapsulatedKey: try base64(c["encapsulatedKey"]), ciphertext: try base64(c["ciphertext"]))
            let key = try recipient.open(wrapped, info: try hex(c["info"]))
            #expect(key.withUnsafeBytes { Array($0) } == (try hex(c["key"])))
            #expect(
                GrantedKey.sealedDigest(encapsulatedKey: wrapped.encapsulatedKey, ciphertext: wrapped.ciphertext) == (try string(c["sealedDigest"])))
            // One flipped bit of the ciphertext or another info: nothing opens.
            var flipped = wrapped
            flipped.ciphertext[0] ^= 1
            #expect(throws: VaultError.self) { try recipient.open(flipped, info: try hex(c["info"])) }
            #expect(throws: VaultError.self) { try recipient.open(wrapped, info: Array("leasehold/v1 grant".utf8)) }
        }
    }

    @Test func receiptSignatures() throws {
        let doc = try Self.load("receipt-signature.json")
        let seed = try hex(doc["signingKeySeed"])
        let key = try Curve25519.Signing.PrivateKey(rawRepresentation: seed)
        let published = try ReceiptPublicKey(text: try string(doc["signingKey"]))
        #expect(published.text == "ed25519:" + Base64.encode(key.publicKey.rawRepresentation))
        for c in try cases(doc) {
            let message = ReceiptSignature.message(
                op: try string(c["op"]), owner: try string(c["owner"]), leaseId: try string(c["leaseId"]),
                grantId: try string(c["grantId"]), kind: try string(c["kind"]), time: try string(c["time"]),
                outputDigest: c["outputDigest"] as? String)
            #expect(message == Array(try string(c["message"]).utf8))
            let signature = try base64(c["signature"])
            #expect(published.isValidSignature(signature, for: message))
            #expect(Array(try key.signature(for: message)) == signature, "Ed25519 is deterministic")
            #expect(!published.isValidSignature(signature, for: message + [0x20]))
        }
    }

    @Test func ownerRequestSignature() throws {
        let doc = try Self.load("owner-request.json")
        let key = try OwnerSigningKey(algorithm: .ed25519, seed: try hex(doc["ownerKeySeed"]))
        #expect(key.publicKey.text == (try string(doc["ownerPublicKey"])))
        #expect(key.publicKey.keyID == (try string(doc["ownerKeyId"])))
        let payload = Array(try string(doc["payload"]).utf8)
        let pae = DSSEEnvelope.pae(payloadType: try string(doc["payloadType"]), payload: payload)
        #expect(pae == (try hex(doc["pae"])))
        #expect(try key.signature(for: pae) == (try base64(doc["signature"])))
        let body = try #require(doc["body"] as? [String: Any])
        #expect(try base64(body["payload"]) == payload)
        #expect(key.publicKey.isValidSignature(try base64(body["signature"]), for: pae))
    }

    @Test func logEntriesTreeAndCheckpoint() throws {
        let doc = try Self.load("log.json")
        let signer = try NoteSigner(name: "leasehold.local/log", privateKey: .init(rawRepresentation: try hex(doc["logKeySeed"])))
        #expect(signer.verifier.encoded == (try string(doc["logKey"])))
        var tree = MemoryTree()
        for e in try cases(doc, "entries") {
            let bytes = Array(try string(e["bytes"]).utf8)
            let entry = try LogEntry(bytes: bytes)
            #expect(entry.encoded() == bytes, "canonical bytes round-trip")
            #expect(UInt64(try #require(e["seq"] as? Int)) == entry.seq)
            #expect(MerkleHash.leaf(bytes).bytes == (try hex(e["leafHash"])))
            tree.append(leaf: MerkleHash.leaf(bytes))
        }
        #expect(tree.root.base64 == (try string(doc["root"])))
        let note = try string(doc["checkpoint"])
        let verifier = try NoteVerifier(encoded: try string(doc["logKey"]))
        let body = try verifier.open(note)
        #expect(body == "leasehold.local/log\n2\n\(tree.root.base64)\n")
        #expect(try signer.sign(body) == note, "Ed25519 is deterministic")
        for p in try cases(doc, "inclusionProofs") {
            let index = UInt64(try #require(p["index"] as? Int)), size = UInt64(try #require(p["treeSize"] as? Int))
            let path = try #require(p["path"] as? [String]).map { try #require(LogHash(bytes: try base64($0))) }
            #expect(try MerkleProofs.inclusionProof(index: index, size: size, tree) == path)
            #expect(
                ProofVerification.verifyInclusion(
                    leaf: try tree.subtreeHash(level: 0, index: index), index: index, size: size, proof: path, root: tree.root))
        }
        #expect(MemoryTree().root.base64 == (try string(doc["emptyRoot"])))
    }
}
