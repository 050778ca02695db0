import Codecs
import LeaseholdWorkloadCLI
import ArgumentParser
import Attestation
import Broker
import LeaseholdAPI
import LeaseholdClient
import Crypto
import BrokerHTTP
import Foundation
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// `leasehold demo`: the whole story on an embedded SQLite broker, each step printed.
struct DemoCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo",
        abstract: "Run the end-to-end story on a temporary SQLite broker and audit it.",
        discussion: """
            An owner, a key in the vault, a lease, a workload getting the key, a workload refused for the wrong measurement, a revocation, an expiry recorded by the sweeper, and an audit that verifies. With --db FILE the database (and its key files beside it, FILE.log-key, FILE.root-key, FILE.admin-token) is kept for inspection with `leasehold audit`.
            """
    )

    @Option(help: "Keep the SQLite database here (default: a temporary directory, removed afterwards).") var db: String?

    func run() async throws {
        let dir: String
        let dbPath: String
        if let db {
            dbPath = db
            dir = ""
            if FileManager.default.fileExists(atPath: db) {
                throw CLIFailure(message: "\(db) already exists; the demo starts from an empty database")
            }
        } else {
            dir = FileManager.default.temporaryDirectory.appendingPathComponent("leasehold-demo-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            dbPath = dir + "/leasehold.db"
        }
        defer { if db == nil { try? FileManager.default.removeItem(atPath: dir) } }
        do {
            try await DemoStory(dbPath: dbPath, out: { print($0) }).run()
        } catch let e as BrokerError {
            throw CLIFailure(message: "demo failed: \(e)")
        }
    }
}

/// The demo's steps, apart from the command.
struct DemoStory {
    var dbPath: String
    var out: (String) -> Void

    func run() async throws {
        let config = BrokerConfiguration.singleFile(dbPath, allowSandbox: true, logOrigin: "leasehold.demo/log")
        let broker = try await Broker.open(config)
        let token = try CLIFiles.readText(config.adminTokenPath, what: "admin token").trimmingCharacters(in: .whitespacesAndNewlines)
        out("1. broker on SQLite \(dbPath) (WAL, sandbox TEE allowed for the demo)")
        out("   log key \(broker.logVerifierKey)")

        let owner = "acme-health"
        let ownerKey = try OwnerSigningKey.generate(.ed25519)
        let reg = try await broker.registerOwner(RegisterOwnerRequest(owner: owner, publicKey: ownerKey.publicKey.text), adminToken: token)
        out("2. owner \(owner) registered (Ed25519 key \(reg.publicKeyId.prefix(16))…), log seq \(reg.logIndex)")

        let dataKey = try DataKey.generate()
        let vaultKey = Base64.decodeCanonical(broker.info().vaultPublicKeys[KeyWrapSuite.default.id] ?? "") ?? []
        let sealed = try VaultPut.seal(dataKey, owner: owner, keyId: "patients-2026", vaultPublicKey: vaultKey)
        let put = try await broker.putKey(
            owner: owner, keyId: "patients-2026",
            try OwnerRequestSigning.sign(
                [
                    "op": .string("vault.put"), "owner": .string(owner), "keyId": .string("patients-2026"), "suite": .string(KeyWrapSuite.default.id),
                    "encapsulatedKey": .string(Base64.encode(sealed.encapsulatedKey)), "ciphertext": .string(Base64.encode(sealed.ciphertext)),
                ], key: ownerKey, at: Date(), broker: broker.logVerifierKey))
        out(
            "3. key patients-2026 sealed (HPKE) to the vault and stored encrypted under the root key: version \(put.version), log seq \(put.logIndex)"
        )

        let measurement = [UInt8](repeating: 0x5a, count: 48)
        let lease = try await issue(broker, ownerKey, owner: owner, leaseId: "study-42", ttl: "2h", maxGrants: 2, measurement: measurement)
        out(
            "4. lease study-42 issued: key patients-2026, 2 grants, until \(lease.notAfter), only to sandbox measurement 5a5a…; log seq \(lease.issuedLogIndex)"
        )

        let workload = LocalWorkload(broker: broker)
        let got = try await workload.fetch(owner: owner, leaseId: "study-42", evidence: EvidenceProviders.sandbox(measurement: measurement))
        let same = got.keys["patients-2026"] == dataKey
        out(
            "5. workload with the right measurement got the key (same as the owner's: \(same ? "yes" : "NO")); its grant is log seq \(got.response.receipt.logIndex), proven in checkpoint of size \(try Checkpoint(body: String(got.response.receipt.checkpoint.split(separator: "\n\n")[0]) + "\n").size)"
        )
        guard same else { throw CLIFailure(message: "the released key differs from the owner's") }
        let digest = Hex.encode(Array(SHA256.hash(data: Array("study-42 results".utf8))))
        let rec = try await workload.report(
            op: "receipt", owner: owner, leaseId: "study-42", received: got, kind: "output", outputDigest: digest, at: Date())
        out("   its receipt (output digest \(digest.prefix(16))…) is log seq \(rec.logIndex)")

        do {
            _ = try await workload.fetch(
                owner: owner, leaseId: "study-42", evidence: EvidenceProviders.sandbox(measurement: [UInt8](repeating: 0x66, count: 48)))
            throw CLIFailure(message: "a workload with the wrong measurement got a key")
        } catch let e as BrokerError {
            out("6. workload with another measurement refused: \(e.code.rawValue) (logged as key.denied)")
        }

        _ = try await broker.revoke(
            owner: owner, leaseId: "study-42",
            try OwnerRequestSigning.sign(
                ["op": .string("lease.revoke"), "owner": .string(owner), "leaseId": .string("study-42")], key: ownerKey, at: Date(),
                broker: broker.logVerifierKey))
        do {
            _ = try await workload.fetch(owner: owner, leaseId: "study-42", evidence: EvidenceProviders.sandbox(measurement: measurement))
            throw CLIFailure(message: "a revoked lease released a key")
        } catch let e as BrokerError {
            out("7. owner revoked study-42; the next request is refused: \(e.code.rawValue)")
        }

        _ = try await issue(broker, ownerKey, owner: owner, leaseId: "pilot-7", ttl: "2s", maxGrants: 1, measurement: measurement)
        out("8. lease pilot-7 issued with a 2 s lifetime; waiting for it to run out…")
        try await Task.sleep(for: .seconds(3))
        let swept = try await broker.sweep()
        out("   the sweeper recorded lease.expired for: \(swept.expired.joined(separator: ", "))")

        let note = try await broker.checkpoint()
        let store = try SQLiteStore.openForAudit(path: dbPath)
        let verifier = try NoteVerifier(encoded: broker.logVerifierKey)
        let invariants = LeaseInvariants()
        let summary = try store.read { tx in try tx.auditLog(trustedKey: verifier, onEntry: invariants.consume) }
        try invariants.finish()
        out("9. audit: \(summary.entries) entries; chain, tree, \(summary.checkpointsVerified) checkpoint signatures and the lease invariants hold")
        out("   latest checkpoint:\n" + note.split(separator: "\n", omittingEmptySubsequences: false).map { "     " + $0 }.joined(separator: "\n"))
    }

    func issue(_ broker: Broker, _ key: OwnerSigningKey, owner: String, leaseId: String, ttl: String, maxGrants: Int64, measurement: [UInt8])
        async throws -> LeaseStatus
    {
        let manifest = LeaseManifest(
            owner: owner, leaseId: leaseId, purpose: "demo: \(leaseId)", expiry: .ttl(LeaseManifest.Duration(ttl)!),
            maxGrants: maxGrants, keys: ["patients-2026"], workloads: [.sandbox(SandboxWorkload(measurement: measurement))])
        return try await broker.issueLease(envelope: try ManifestEnvelope.sign(manifest, with: key).json)
    }
}
