import Codecs
import LeaseholdAPI
import LeaseholdClient
import Foundation
import LeaseholdCore
import TransparencyLog
import Vault

/// The owner-signed request bodies, built without any I/O so they can be tested against
/// `OwnerRequestSigning.verify`, the broker's own check.
public enum OwnerRequests {
    /// The `op` of a signed vault put.
    public static let vaultPutOp = "vault.put"
    /// The `op` of a signed revocation.
    public static let revokeOp = "lease.revoke"

    /// Seals `key` for (owner, keyId) to the broker's vault public key and signs
    /// `{"op":"vault.put","owner","keyId","suite","encapsulatedKey","ciphertext","time","broker"}`.
    public static func vaultPut(
        owner: String, keyId: String, key: DataKey, vaultPublicKey: [UInt8], suite: KeyWrapSuite,
        signingKey: OwnerSigningKey, at time: Date, broker: String
    ) throws(LeaseholdClientError) -> SignedOwnerRequest {
        let sealed: WrappedKey
        do {
            sealed = try VaultPut.seal(key, owner: owner, keyId: keyId, vaultPublicKey: vaultPublicKey, suite: suite)
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot seal the key to the broker's \(suite.id) vault key: \(error)")
        }
        return try sign(
            [
                "op": .string(vaultPutOp), "owner": .string(owner), "keyId": .string(keyId), "suite": .string(suite.id),
                "encapsulatedKey": .string(Base64.encode(sealed.encapsulatedKey)), "ciphertext": .string(Base64.encode(sealed.ciphertext)),
            ], signingKey, at: time, broker: broker)
    }

    /// Signs `{"op":"lease.revoke","owner","leaseId","time","broker"}`.
    public static func revoke(
        owner: String, leaseId: String, signingKey: OwnerSigningKey, at time: Date,
        broker: String
    ) throws(LeaseholdClientError) -> SignedOwnerRequest {
        try sign(["op": .string(revokeOp), "owner": .string(owner), "leaseId": .string(leaseId)], signingKey, at: time, broker: broker)
    }

    /// `broker` is the audience, the broker's log key as `GET /v1/broker` publishes it.
    static func sign(_ fields: [String: JSONValue], _ key: OwnerSigningKey, at time: Date, broker: String) throws(LeaseholdClientError)
        -> SignedOwnerRequest
    {
        do {
            return try OwnerRequestSigning.sign(fields, key: key, at: time, broker: broker)
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "signing the request failed: \(error)")
        }
    }
}
