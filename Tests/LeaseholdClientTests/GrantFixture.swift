import Codecs
import Broker
import LeaseholdAPI
import Crypto
import Foundation
import LeaseholdCore
import TransparencyLog
import Vault

/// A grant response made the way the broker documents it (keys HPKE-sealed with
/// `LeaseBinding.grantInfo`, the entry naming the workload's one-time signing key, an
/// inclusion proof against a signed checkpoint), so the client's checks run without a broker.
struct GrantFixture {
    let signer: NoteSigner
    let keyPair: KeyWrapKeyPair
    let keys: [String: DataKey]
    let signingKey: ReceiptSigningKey
    let notAfter = "2026-07-01T00:00:00Z"
    var json: [String: Any]
    /// The canonical bytes of the grant's `key.granted` entry (the receipt's `entry`).
    let grantEntry: [UInt8]

    init(suite: KeyWrapSuite = .default, entries: Int = 7, grantIndex: UInt64 = 5) throws {
        let signer = try NoteSigner(name: "leasehold.test/log", privateKey: Curve25519.Signing.PrivateKey())
        let keyPair = try KeyWrapKeyPair.generate(suite: suite)
        self.keyPair = keyPair
        let keys = ["k1": try DataKey.generate(), "k2": try DataKey.generate(byteCount: 16)]
        self.keys = keys
        var granted: [[String: Any]] = []
        let signingKey = try ReceiptSigningKey(scheme: ReceiptSigningKey.scheme(forSuite: suite.id))
        self.signingKey = signingKey
        for (id, key) in keys.sorted(by: { $0.key < $1.key }) {
            let info = LeaseBinding.grantInfo(owner: "acme", leaseID: "l1", keyID: id, notAfter: notAfter)
            let w = try KeyWrap.seal(key, to: keyPair.publicKey, suite: suite, info: info)
            granted.append(["keyId": id, "encapsulatedKey": Base64.encode(w.encapsulatedKey), "ciphertext": Base64.encode(w.ciphertext)])
        }
        var tree = MemoryTree()
        var leaves: [LogHash] = []
        // The grant's own key.granted entry sits at grantIndex, as the broker writes it.
        let grantEntry = LogEntry(
            seq: grantIndex, time: Date(timeIntervalSince1970: 1_780_000_000), kind: "key.granted", owner: "acme",
            leaseId: "l1", prev: MerkleHash.emptyRoot,
            fields: [
                "grantId": .string("g-1"), "keyIds": .array(keys.keys.sorted().map { .string($0) }),
                "publicKeyHash": .string(Hex.encode(Array(SHA256.hash(data: keyPair.publicKey)))),
                "signingKey": .string(signingKey.publicKey.text),
                "keys": .array(
                    granted.map { g in
                        .dict([
                            "keyId": .string(g["keyId"] as! String), "version": .int(1),
                            "sealedDigest": .string(
                                GrantedKey.sealedDigest(
                                    encapsulatedKey: Base64.decodeCanonical(g["encapsulatedKey"] as! String)!,
                                    ciphertext: Base64.decodeCanonical(g["ciphertext"] as! String)!)),
                        ])
                    }),
            ]
        ).encoded()
        self.grantEntry = grantEntry
        for i in 0..<entries {
            let leaf = UInt64(i) == grantIndex ? MerkleHash.leaf(grantEntry) : MerkleHash.leaf(Array(#"{"seq":\#(i)}"#.utf8))
            leaves.append(leaf)
            tree.append(leaf: leaf)
        }
        self.signer = signer
        let checkpoint = Checkpoint(origin: signer.name, size: tree.size, root: tree.root)
        let proof = try MerkleProofs.inclusionProof(index: grantIndex, size: tree.size, tree)
        self.json = [
            "owner": "acme", "leaseId": "l1", "notAfter": notAfter, "grantId": "g-1", "keys": granted,
            "receipt": [
                "logIndex": grantIndex, "leafHash": leaves[Int(grantIndex)].base64, "checkpoint": try signer.sign(checkpoint.body),
                "inclusionProof": proof.map(\.base64), "entry": Base64.encode(grantEntry),
            ] as [String: Any],
        ]
    }

    func response(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> GrantResponse {
        var j = json
        edit(&j)
        return try JSONDecoder().decode(GrantResponse.self, from: JSONSerialization.data(withJSONObject: j))
    }

    static func editReceipt(_ j: inout [String: Any], _ edit: (inout [String: Any]) -> Void) {
        var r = j["receipt"] as! [String: Any]
        edit(&r)
        j["receipt"] = r
    }
}
