import Codecs
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

extension Broker {
    public func info() -> BrokerInfo {
        var keys = [String: String]()
        for suite in KeyWrapSuite.allCases { keys[suite.id] = Base64.encode(vaultRecipient.publicKey(for: suite)) }
        return BrokerInfo(logKey: logVerifierKey, vaultPublicKeys: keys, tees: verifiers.keys.map(\.rawValue).sorted(), version: Self.version)
    }

    /// Registers a data owner. Authorised by the admin token, compared in constant time.
    public func registerOwner(_ r: RegisterOwnerRequest, adminToken token: String) async throws(BrokerError) -> OwnerInfo {
        try checkAdmin(token, for: "registering an owner")
        try Self.checkName(r.owner, what: "owner")
        let key: OwnerPublicKey
        do { key = try OwnerPublicKey(text: r.publicKey) } catch { throw BrokerError(.badRequest, "public key: \(error)") }
        let now = self.now
        let seq: UInt64 = try await write { tx in
            guard try tx.owner(r.owner) == nil else { throw BrokerError(.ownerExists, "owner \(r.owner) is already registered") }
            let e = try tx.appendLog { seq, prev in
                LogEntry(
                    seq: seq, time: now, kind: "owner.registered", owner: r.owner, prev: prev,
                    fields: ["publicKeyId": .string(key.keyID), "alg": .string(key.algorithm.rawValue), "publicKey": .string(key.text)])
            }
            try tx.insertOwner(OwnerRecord(owner: r.owner, publicKey: key.text, registeredSeq: e.seq))
            return e.seq
        }
        return OwnerInfo(owner: r.owner, publicKeyId: key.keyID, logIndex: seq)
    }

    /// Stores a data key the owner sealed (HPKE) to the vault key and signed. The key is opened
    /// here only to be re-sealed under the root key; it is never logged.
    public func putKey(owner: String, keyId: String, _ r: SignedOwnerRequest) async throws(BrokerError) -> VaultPutResult {
        try Self.checkName(keyId, what: "key id")
        let ownerKey = try await ownerKey(owner)
        let f = try OwnerRequestSigning.verify(r, op: "vault.put", owner: owner, key: ownerKey, now: now, broker: logVerifierKey)
        guard f["keyId"]?.stringValue == keyId else { throw BrokerError(.badRequest, "the signed request is for another key id") }
        guard let suiteID = f["suite"]?.stringValue, let enc = f["encapsulatedKey"]?.stringValue.flatMap(Base64.decodeCanonical),
            let ct = f["ciphertext"]?.stringValue.flatMap(Base64.decodeCanonical)
        else {
            throw BrokerError(.badRequest, "a vault.put request needs suite, encapsulatedKey and ciphertext")
        }
        let dataKey: DataKey
        do {
            let suite = try KeyWrapSuite(id: suiteID)
            dataKey = try vaultRecipient.open(WrappedKey(encapsulatedKey: enc, ciphertext: ct), suite: suite, owner: owner, keyId: keyId)
        } catch {
            throw BrokerError(.badRequest, "the sealed key does not open with this broker's vault key for \(owner)/\(keyId): \(error)")
        }
        let vault = self.vault
        let now = self.now
        let use = SingleUse.record(r, fields: f, owner: owner, target: keyId, now: now)
        return try await write { tx in
            try SingleUse.claim(use, in: tx)
            let version = (try tx.latestVaultKey(owner: owner, keyId: keyId)?.version ?? 0) + 1
            let sealed: [UInt8]
            do { sealed = try vault.seal(dataKey, owner: owner, keyId: keyId, version: version) } catch { throw BrokerError(.internal, "\(error)") }
            try tx.insertVaultKey(VaultKeyRecord(owner: owner, keyId: keyId, version: version, sealed: sealed))
            let e = try tx.appendLog { seq, prev in
                LogEntry(
                    seq: seq, time: now, kind: "vault.key.put", owner: owner, prev: prev,
                    fields: ["keyId": .string(keyId), "version": .int(Int64(version)), "bytes": .int(Int64(dataKey.byteCount))])
            }
            return VaultPutResult(owner: owner, keyId: keyId, version: version, logIndex: e.seq)
        }
    }

    func ownerKey(_ owner: String) async throws(BrokerError) -> OwnerPublicKey {
        guard let record = try await read({ tx in try tx.owner(owner) }) else {
            throw BrokerError(.ownerNotFound, "owner \(owner) is not registered")
        }
        do { return try OwnerPublicKey(text: record.publicKey) } catch { throw BrokerError(.internal, "stored key of \(owner): \(error)") }
    }

    /// Owner names, lease ids and key ids (`LeaseholdName`), so they are safe in URLs, file
    /// names (`workload fetch --out DIR/<keyId>`) and log lines.
    static func checkName(_ s: String, what: String) throws(BrokerError) {
        guard LeaseManifest.isName(s) else {
            throw BrokerError(.badRequest, "\(what) must be 1-128 characters of A-Z a-z 0-9 . _ -, not starting with a dot")
        }
    }
}
