import Codecs
import Attestation
import Collateral
import Crypto
import Foundation
import LeaseholdAPI
import LeaseholdCore
import Storage
import TransparencyLog
import Vault

/// Where a broker keeps its state and how it behaves.
public struct BrokerConfiguration: Sendable {
    /// Holds `leasehold.db`, `log-signing.key`, `root.key` (unless LEASEHOLD_ROOT_KEY is set) and `admin.token`.
    public var dataDirectory: String
    /// Accept `tee: sandbox` evidence (development only).
    public var allowSandbox: Bool
    /// The log's origin line and key name.
    public var logOrigin: String
    public var challengeLifetime: TimeInterval
    /// The clock; injected so tests can move time.
    public var clock: @Sendable () -> Date
    /// Environment, for LEASEHOLD_ROOT_KEY.
    public var environment: [String: String]
    /// PostgreSQL instead of the SQLite file: `postgres://USER:PASSWORD@HOST:PORT/DB`. Several
    /// brokers may share one database if they share the data directory's keys.
    public var databaseURL: String?
    /// Concurrent PostgreSQL transactions (connections and their threads).
    public var databaseConnections = 4
    /// Refuse SEV-SNP evidence whose collateral lacks AMD's CRL for the product (a CRL that is
    /// supplied is always checked).
    public var requireSNPCRL = false
    /// Where the broker records its metrics (commit batch sizes); nothing by default.
    public var metrics = BrokerMetrics.disabled
    /// The broker's own vendor collateral (`serve --intel-pcs-url`): where it handles a TEE,
    /// its verified collateral decides and the workload's is ignored; nil: the workload's.
    public var collateral: CollateralService?
    /// `serve --public-log`: anyone may read the log's entries and the console's data; by
    /// default that takes an auditor or the admin token (`LogReader`).
    public var publicLog = false

    public init(
        dataDirectory: String, allowSandbox: Bool = false, logOrigin: String = "leasehold.local/log",
        challengeLifetime: TimeInterval = 60, clock: @escaping @Sendable () -> Date = { Date() },
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        self.dataDirectory = dataDirectory
        self.allowSandbox = allowSandbox
        self.logOrigin = logOrigin
        self.challengeLifetime = challengeLifetime
        self.clock = clock
        self.environment = environment
        databasePath = dataDirectory + "/leasehold.db"
        adminTokenPath = dataDirectory + "/admin.token"
        logKeyPath = dataDirectory + "/log-signing.key"
        rootKeyPath = dataDirectory + "/root.key"
        checkpointFloorPath = dataDirectory + "/checkpoint-floor"
        rowMACAdoptedPath = dataDirectory + "/row-macs-adopted"
    }

    public var databasePath: String
    public var adminTokenPath: String
    public var logKeyPath: String
    public var rootKeyPath: String
    /// The last checkpoint this broker signed, kept outside the database (`CheckpointFloor`).
    public var checkpointFloorPath: String
    /// Written once the lease rows of a database from before row MACs were adopted (`RowMAC`):
    /// outside the database, so a database writer cannot make the broker adopt a row again.
    public var rowMACAdoptedPath: String

    /// A broker whose database is `file` and whose secret files sit beside it, named after it
    /// (`FILE.log-key`, `FILE.root-key`, `FILE.admin-token`): what `demo --db FILE` keeps.
    public static func singleFile(
        _ file: String, allowSandbox: Bool = false, logOrigin: String = "leasehold.local/log",
        clock: @escaping @Sendable () -> Date = { Date() }
    ) -> BrokerConfiguration {
        var c = BrokerConfiguration(
            dataDirectory: URL(fileURLWithPath: file).deletingLastPathComponent().path,
            allowSandbox: allowSandbox, logOrigin: logOrigin, clock: clock)
        c.databasePath = file
        c.logKeyPath = file + ".log-key"
        c.rootKeyPath = file + ".root-key"
        c.adminTokenPath = file + ".admin-token"
        c.checkpointFloorPath = file + ".checkpoint-floor"
        c.rowMACAdoptedPath = file + ".row-macs-adopted"
        return c
    }
}

/// What a sweep did.
public struct SweepReport: Sendable, Hashable {
    public var expired: [String]
    public var noncesPurged: Int
}

/// The key broker: issue, challenge, grant, revoke, release, receipts, sweep, over one store
/// and one log. Thread-safe; the HTTP server and the sweeper both call into it.
///
/// Every state change is one store transaction that also appends its log entry, so the log
/// and the state never disagree; a grant's keys are returned only after that transaction
/// committed durably (`GroupCommitter` batches concurrent grants into one commit).
public final class Broker: Sendable {
    public static let version = "0.1.0"
    public let configuration: BrokerConfiguration
    let store: any BrokerStore
    let signer: NoteSigner
    let vault: VaultCipher
    let vaultRecipient: VaultPut.Recipient
    let adminToken: [UInt8]
    let verifiers: [TEE: any EvidenceVerifier]
    let matcher: PolicyMatcher
    let committer: GroupCommitter
    let timings: GrantTimings
    /// Authenticates challenge nonces (derived from the root key; see `ChallengeToken`).
    let challengeKey: SymmetricKey
    /// Checks lease and owner rows against signed data before a grant (`SignedDataCheck`).
    let signedData: SignedDataCheck
    /// Authenticates the lease columns no signature covers (state, counters).
    let rowMAC: RowMAC
    /// The last checkpoint signed, outside the database: no checkpoint that does not extend it.
    let floor: CheckpointFloor
    /// The console's lease index, built from the log on first use and caught up on each.
    let auditIndex: AuditIndexCache

    /// Opens (creating on first start) the data directory: database, log key, root key, admin token.
    public static func open(_ configuration: BrokerConfiguration) async throws(BrokerError) -> Broker {
        let dir = configuration.dataDirectory
        do {
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw BrokerError(.internal, "cannot create data directory \(dir): \(error.localizedDescription)")
        }
        let signer = try SecretFiles.logSigner(path: configuration.logKeyPath, origin: configuration.logOrigin)
        let floor = try CheckpointFloor.load(path: configuration.checkpointFloorPath, verifier: signer.verifier)
        let rootKey: RootKey
        do {
            if let env = configuration.environment[RootKeyLoader.environmentVariable], !env.isEmpty {
                rootKey = try RootKeyLoader.fromBase64(env)
            } else {
                rootKey = try RootKeyLoader.loadOrCreateFile(at: configuration.rootKeyPath).key
            }
        } catch {
            throw BrokerError(.internal, "root key: \(error)")
        }
        let token = try SecretFiles.adminToken(path: configuration.adminTokenPath)
        let store: any BrokerStore
        do {
            if let url = configuration.databaseURL {
                store = try await PostgresStore.open(try PostgresLocation(url: url), connections: configuration.databaseConnections)
            } else {
                store = try SQLiteStore.open(path: configuration.databasePath)
            }
        } catch {
            throw BrokerError(.internal, error.reason)
        }
        let publicKey = [UInt8](signer.verifier.publicKey.rawRepresentation)
        let origin = signer.name
        let recipient: VaultPut.Recipient
        do { recipient = try VaultPut.Recipient(rootKey: rootKey) } catch {
            await store.close()
            throw BrokerError(.internal, "vault key: \(error)")
        }
        var vaultKeys = [String: JSONValue]()
        for suite in KeyWrapSuite.allCases { vaultKeys[suite.id] = .string(Base64.encode(recipient.publicKey(for: suite))) }
        let keysFields: [String: JSONValue] = ["logKey": .string(signer.verifier.encoded), "vaultPublicKeys": .dict(vaultKeys)]
        do {
            // A new log's first entry names the broker's keys (CRYPTO-REVIEW M2): the vault key
            // owners seal to is on the record from the start. Then a checkpoint covering the
            // whole log: grants prove their lease's entries against it (SignedDataCheck), and
            // logs written before every write path signed one get theirs here.
            let clock = configuration.clock
            let opened = try await store.write { tx in
                try tx.initializeLog(origin: origin, publicKey: publicKey)
                if try tx.logState()?.frontier.size == 0 {
                    let now = clock()
                    try tx.appendLog { seq, prev in LogEntry(seq: seq, time: now, kind: "broker.keys", prev: prev, fields: keysFields) }
                }
                return try floor.checkpoint(tx, signer: signer, now: clock())
            }
            floor.committed(opened)
            await floor.flush()
            if let e = floor.writeError { throw BrokerError(.internal, "cannot write \(configuration.checkpointFloorPath): \(e)") }
        } catch {
            await store.close()
            throw BrokerError(.internal, "cannot open the log: \(error)")
        }
        var verifiers: [TEE: any EvidenceVerifier] = [
            .sevSNP: SNPVerifier(requireCRL: configuration.requireSNPCRL || configuration.collateral?.handles(.sevSNP) == true),
            .nitro: NitroVerifier(),
        ]
        do {
            verifiers[.sgx] = try DCAPVerifier(tee: .sgx)
            verifiers[.tdx] = try DCAPVerifier(tee: .tdx)
        } catch {
            throw BrokerError(.internal, "DCAP verifier: \(error)")
        }
        if configuration.allowSandbox { verifiers[.sandbox] = SandboxVerifier() }
        let rowMAC = RowMAC(key: rootKey.rowMACKey())
        let metrics = configuration.metrics
        configuration.collateral?.attach(
            persistence: StoreCollateral(store: store),
            events: CollateralEvents(
                fetched: { metrics.collateralFetched(upstream: $0, outcome: $1) }, hit: { metrics.collateralHit(source: $0) }))
        do { try await adoptLegacyRows(store: store, rowMAC: rowMAC, marker: configuration.rowMACAdoptedPath) } catch {
            await store.close()
            throw error
        }
        return Broker(
            configuration: configuration, store: store, signer: signer, vault: VaultCipher(rootKey: rootKey),
            vaultRecipient: recipient, adminToken: token, verifiers: verifiers, challengeKey: rootKey.challengeKey(),
            rowMAC: rowMAC, floor: floor)
    }

    /// The first start after row MACs came gives every lease row written before them its MAC,
    /// as it stands, then writes the marker file: from then on a row without a valid MAC is
    /// refused (`state-invalid`), and emptying a row's MAC never gets it adopted again. (A new
    /// data directory over an existing PostgreSQL database adopts too: start replicas from a
    /// copy of the first one's directory.)
    static func adoptLegacyRows(store: any BrokerStore, rowMAC: RowMAC, marker: String) async throws(BrokerError) {
        guard !FileManager.default.fileExists(atPath: marker) else { return }
        do {
            while true {
                let adopted = try await store.write { tx in
                    let rows = try tx.leasesWithoutMAC(limit: 1000)
                    for r in rows { try tx.updateLease(rowMAC.sealed(r, lastSeq: max(r.lastSeq, r.issuedSeq))) }
                    return rows.count
                }
                if adopted < 1000 { break }
            }
            try SecretFiles.createSecret(marker, "leasehold: lease rows without a MAC were adopted; from now on they are refused\n")
        } catch let e as BrokerError {
            throw e
        } catch {
            throw BrokerError(.internal, "cannot adopt lease rows from before row MACs: \(error)")
        }
    }

    init(
        configuration: BrokerConfiguration, store: any BrokerStore, signer: NoteSigner, vault: VaultCipher,
        vaultRecipient: VaultPut.Recipient, adminToken: [UInt8], verifiers: [TEE: any EvidenceVerifier], challengeKey: SymmetricKey,
        rowMAC: RowMAC, floor: CheckpointFloor = CheckpointFloor()
    ) {
        self.floor = floor
        self.rowMAC = rowMAC
        self.challengeKey = challengeKey
        self.signedData = SignedDataCheck(logKey: signer.verifier)
        self.configuration = configuration
        self.store = store
        self.signer = signer
        self.vault = vault
        self.vaultRecipient = vaultRecipient
        self.adminToken = adminToken
        self.verifiers = verifiers
        self.matcher = PolicyMatcher(allowSandbox: configuration.allowSandbox)
        let timings = GrantTimings(metrics: configuration.metrics)
        self.timings = timings
        self.committer = GroupCommitter(store: store, signer: signer, clock: configuration.clock, timings: timings, floor: floor)
        self.auditIndex = AuditIndexCache()
    }

    /// The admin token (written 0600 on first start) that authorises owner registration.
    public var adminTokenPath: String { configuration.adminTokenPath }

    /// The log's verifier key, `name+keyid+base64`.
    public var logVerifierKey: String { signer.verifier.encoded }

    /// Where the time of one grant went, accumulated: for `leasehold bench grants`.
    public func grantTimings() -> GrantTimings.Snapshot { timings.snapshot() }

    var now: Date { configuration.clock() }

    /// Closes the store (PostgreSQL connections and threads). Call once, when nothing else
    /// uses the broker any more.
    public func close() async {
        await floor.flush()
        await store.close()
    }

    /// A store write whose errors become BrokerErrors: a BrokerError thrown by the body passes
    /// through (and rolls back); a storage failure means the log could not be written. If
    /// the body appended, a checkpoint covering it is signed in the same transaction, so that
    /// `checkpoint()` (unauthenticated) never needs the write lock. The storage error's text
    /// stays in the error for the operator's log; BrokerHTTP does not send it to clients.
    func write<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws(BrokerError) -> T {
        let signer = self.signer
        let clock = configuration.clock
        let floor = self.floor
        do {
            let (result, cp) = try await store.write { tx in
                let result = try body(tx)
                return (result, try floor.checkpoint(tx, signer: signer, now: clock()))
            }
            floor.committed(cp)
            return result
        } catch let e as BrokerError {
            throw e
        } catch {
            throw BrokerError(.logUnavailable, "the change could not be recorded: \(error)")
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (any BrokerTransaction) throws -> T) async throws(BrokerError) -> T {
        do { return try await store.read(body) } catch let e as BrokerError {
            throw e
        } catch {
            throw BrokerError(.internal, "could not read the database: \(error)")
        }
    }
}
