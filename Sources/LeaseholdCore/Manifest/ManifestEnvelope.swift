import Codecs
import Foundation

/// Signing and verifying lease manifests as DSSE envelopes.
public enum ManifestEnvelope {
    /// The DSSE payloadType of a lease manifest; the payload is its canonical JSON.
    public static let payloadType = "application/vnd.leasehold.manifest+json"

    /// A manifest whose envelope verified: the lease, the exact payload, its digest, and the
    /// key that signed it. The broker must still check that `signer` is the key registered
    /// for `manifest.owner`.
    public struct Verified: Sendable, Hashable {
        public var manifest: LeaseManifest
        public var payload: [UInt8]
        /// SHA-256 of the payload: the manifest digest bound into evidence and the log.
        public var digest: [UInt8]
        public var signer: OwnerPublicKey
    }

    public static func sign(_ manifest: LeaseManifest, with key: OwnerSigningKey) throws(ManifestError) -> DSSEEnvelope {
        let payload = manifest.canonicalJSON
        let sig = try key.signature(for: DSSEEnvelope.pae(payloadType: payloadType, payload: payload))
        return DSSEEnvelope(
            payloadType: payloadType, payload: payload,
            signatures: [.init(keyID: key.publicKey.keyID, signature: sig)])
    }

    /// The `owner` a manifest envelope claims, read from the payload without interpreting
    /// anything else: the broker needs it to choose the key that must have signed the
    /// envelope, and checks that signature before reading the manifest. The payload must be
    /// canonical JSON (linear to parse, 32 levels at most), as `verify` requires anyway.
    public static func claimedOwner(_ envelope: DSSEEnvelope) throws(ManifestError) -> String {
        guard envelope.payloadType == payloadType else {
            throw ManifestError("payloadType", "is \(envelope.payloadType), not \(payloadType)")
        }
        let value: JSONValue
        do { value = try CanonicalJSON.parse(envelope.payload) } catch {
            throw ManifestError("", "the payload is not canonical JSON (\(error))")
        }
        guard let owner = value["owner"]?.stringValue else { throw ManifestError("owner", "the payload names no owner") }
        return owner
    }

    /// Verifies an envelope against the owner's trusted keys (one, or several during a key
    /// rotation). Refuses: another payloadType; no signature; a signature naming a key that is
    /// not trusted (an extra signer is not harmless: the owner did not ask for it); two
    /// signatures by one key; any signature that does not verify; and a payload that is not
    /// the canonical JSON of a valid manifest. Every signature must verify, not just one.
    public static func verify(_ envelope: DSSEEnvelope, trustedKeys: [OwnerPublicKey]) throws(ManifestError) -> Verified {
        guard envelope.payloadType == payloadType else {
            throw ManifestError("payloadType", "is \(envelope.payloadType), not \(payloadType)")
        }
        guard !envelope.signatures.isEmpty else { throw ManifestError("signatures", "the envelope is not signed") }
        let pae = envelope.pae
        var signer: OwnerPublicKey?
        var seen: Set<String> = []
        for (i, s) in envelope.signatures.enumerated() {
            let path = "signatures[\(i)]"
            guard let key = trustedKeys.first(where: { $0.keyID == s.keyID }) else {
                throw ManifestError(path, "signed by key \(s.keyID.isEmpty ? "(no keyid)" : s.keyID), which is not the owner's")
            }
            guard seen.insert(s.keyID).inserted else { throw ManifestError(path, "a second signature by the same key") }
            guard key.isValidSignature(s.signature, for: pae) else {
                throw ManifestError(path, "the signature does not verify: the manifest was changed after signing, or signed by another key")
            }
            signer = signer ?? key
        }
        let manifest = try LeaseManifest(canonicalJSON: envelope.payload)
        guard let signer else { throw ManifestError("signatures", "the envelope is not signed") }
        return Verified(manifest: manifest, payload: envelope.payload, digest: manifest.digest, signer: signer)
    }
}
