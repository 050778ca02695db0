import LeaseholdWorkloadCLI
import ArgumentParser
import Broker
import Collateral
import LeaseholdAPI
import BrokerHTTP
import Foundation
import Logging
import ServiceLifecycle
import Storage

/// `leasehold serve`: the broker over HTTP, with its sweeper, until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the broker's HTTP API on a data directory.",
        discussion: [
            "DIR holds leasehold.db (SQLite), the log signing key, the root key (unless LEASEHOLD_ROOT_KEY is set) and admin.token (written 0600 on first start). Prints the listening address (port 0 picks a free one) and the admin token's path. SIGTERM or SIGINT stops it gracefully.",
            "With --database (or LEASEHOLD_DATABASE_URL, which keeps the password off the command line) the state and the log live in PostgreSQL instead of DIR/leasehold.db, and several brokers can serve one database: give each a copy of the same DIR (same log key, root key and admin token). Writes are serialised in the database; sweeps run on one replica at a time. TLS to the database is verified (sslmode=verify-full) except on a loopback IP literal (127.x.y.z, ::1).",
            "Who reads the log: checkpoints and proofs (hashes only) are public; the entries (GET /v1/log/entries), the /v1/audit routes and the console's data need an auditor token (leasehold auditor add) or the admin token, unless --public-log. The console itself is at /console.",
            "Limits: a connection whose request head or body does not arrive within its timeout, or that stays idle, is closed; connections over --max-connections are closed at once. Rate limits are token buckets (RATE requests per second, BURST at once; rate 0 turns one off) answered 429 with Retry-After. Behind a reverse proxy every client has the proxy's address: give the proxy its own limits and raise --client-rate. GET /metrics (Prometheus text) needs Authorization: Bearer <admin token>; --metrics-listen serves it without a token on another address.",
        ].joined(separator: "\n\n")
    )

    @Option(help: "The data directory (created 0700 if missing).") var dataDir: String
    @Option(help: "HOST:PORT to listen on, e.g. 127.0.0.1:8443 or [::1]:8443.") var listen: String
    @Flag(help: "Accept sandbox evidence (development only: anyone can make it).") var allowSandbox = false
    @Flag(
        help:
            "Let anyone read the log's entries and the console's data without a token (a public transparency log). Default: an auditor or the admin token."
    )
    var publicLog = false
    @Option(help: "Seconds between sweeps of expired leases and dead nonces.") var sweepInterval = 60
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "PostgreSQL URL postgres://USER:PASSWORD@HOST:PORT/DB instead of DIR/leasehold.db (default: $LEASEHOLD_DATABASE_URL).")
    var database: String?
    @Option(help: "Concurrent PostgreSQL transactions (connections).") var databaseConnections = 4
    @Option(help: "PEM certificate (chain, leaf first) to serve HTTPS with; needs --tls-key.") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (keep it 0600).") var tlsKey: String?
    @Flag(help: "Refuse SEV-SNP evidence without AMD KDS's CRL in its collateral (a supplied CRL is always checked).")
    var sevSnpRequireCrl = false
    @Option(help: "Seconds a connection may stay idle between requests (also bounds a stalled TLS handshake).") var idleTimeout = 30
    @Option(help: "Seconds from a request's first byte to the end of its head.") var requestHeadTimeout = 30
    @Option(help: "Seconds from the end of a request's head to the end of its body.") var requestBodyTimeout = 30
    @Option(help: "Connections open at once; more are closed at once (keep it below the file descriptor limit, ulimit -n).") var maxConnections = 512
    @Option(help: "Per client address (IPv6: per /64): requests per second to POST .../challenge, .../grants and /v1/leases.") var clientRate = 50.0
    @Option(help: "Per client address: burst of those requests.") var clientBurst = 100
    @Option(help: "Per lease: requests per second to POST .../challenge and .../grants.") var leaseRate = 50.0
    @Option(help: "Per lease: burst of those requests.") var leaseBurst = 100
    @Option(help: "Per owner: requests per second to PUT /v1/vault/{owner}/... and POST .../revoke.") var ownerRate = 10.0
    @Option(help: "Per owner: burst of those requests.") var ownerBurst = 50
    @Option(help: "HOST:PORT to also serve GET /metrics on, plain HTTP without a token (for a scraper on a private network).")
    var metricsListen: String?
    @Option(
        help:
            "Intel PCS or PCCS base URL (https://api.trustedservices.intel.com, or a PCCS such as https://pccs.example:8081): the broker fetches, verifies and caches SGX/TDX collateral itself, and ignores what workloads send."
    )
    var intelPcsUrl: String?
    @Option(help: "PEM CA certificate(s) to trust for --intel-pcs-url (a PCCS with a private CA; the system roots otherwise).")
    var intelPcsCaFile: String?
    @Option(
        help:
            "AMD KDS base URL (https://kdsintf.amd.com, or a mirror): the broker fetches, verifies and caches SEV-SNP VCEKs, cert chains and CRLs itself (the ARK's CRL is then always checked); a VLEK still comes from the evidence."
    )
    var amdKdsUrl: String?
    @Option(
        help:
            "Instead of --intel-pcs-url and --amd-kds-url, read SGX/TDX and SEV-SNP collateral from this directory (no network; fill it with `leasehold collateral fetch --out DIR`), verified and refreshed the same way."
    )
    var collateralDir: String?
    @Option(help: "Intel TCB recovery stage to ask for: standard or early (recorded in each grant's log entry).")
    var intelTcbUpdate = "standard"
    @Option(help: "Seconds a fetched collateral set is used at most; never past any of its documents' nextUpdate.")
    var collateralMaxAge = Int(CollateralService.defaultMaximumAge)

    func validate() throws {
        guard Self.parseListen(listen) != nil else { throw ValidationError("--listen must be HOST:PORT with a port 0...65535") }
        guard sweepInterval >= 1 else { throw ValidationError("--sweep-interval must be at least 1 second") }
        guard Logger.Level(rawValue: logLevel) != nil else {
            throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical")
        }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard (1...64).contains(databaseConnections) else { throw ValidationError("--database-connections must be 1...64") }
        for (name, seconds) in [
            ("--idle-timeout", idleTimeout), ("--request-head-timeout", requestHeadTimeout), ("--request-body-timeout", requestBodyTimeout),
        ] {
            guard (1...86_400).contains(seconds) else { throw ValidationError("\(name) must be 1...86400 seconds") }
        }
        guard (1...1_000_000).contains(maxConnections) else { throw ValidationError("--max-connections must be 1...1000000") }
        for (name, rate, burst) in [("client", clientRate, clientBurst), ("lease", leaseRate, leaseBurst), ("owner", ownerRate, ownerBurst)] {
            guard rate.isFinite, rate >= 0, rate <= 1_000_000 else {
                throw ValidationError("--\(name)-rate must be 0...1000000 (0 turns the limit off)")
            }
            guard (0...1_000_000).contains(burst), rate == 0 || burst >= 1 else { throw ValidationError("--\(name)-burst must be 1...1000000") }
        }
        if let metricsListen, Self.parseListen(metricsListen) == nil {
            throw ValidationError("--metrics-listen must be HOST:PORT with a port 0...65535")
        }
        try CollateralOptions.validate(
            url: intelPcsUrl, amdURL: amdKdsUrl, directory: collateralDir, update: intelTcbUpdate, maximumAge: collateralMaxAge)
    }

    /// The HTTP server's limits and metrics from the options.
    func httpOptions(metrics: ServerMetrics) -> HTTPServerOptions {
        HTTPServerOptions(
            connections: ConnectionLimits(
                idleTimeout: .seconds(idleTimeout), requestHeadTimeout: .seconds(requestHeadTimeout),
                requestBodyTimeout: .seconds(requestBodyTimeout), maxConnections: maxConnections),
            rateLimits: RateLimitPolicy(
                client: .init(rate: clientRate, burst: clientBurst), lease: .init(rate: leaseRate, burst: leaseBurst),
                owner: .init(rate: ownerRate, burst: ownerBurst)),
            metrics: metrics)
    }

    #if os(Linux)
        static let nofile = __rlimit_resource_t(RLIMIT_NOFILE.rawValue)
    #else
        static let nofile = RLIMIT_NOFILE
    #endif

    /// Loopback addresses: what plain HTTP may listen on without a warning.
    static func isLoopback(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }

    /// Warnings for the operator, one line each on stderr: clear text off loopback, and more
    /// connections allowed than file descriptors.
    func warnings(host: String, tls: Bool) -> [String] {
        var out: [String] = []
        if !tls && !Self.isLoopback(host) {
            out.append(
                "--listen \(host) is not a loopback address and there is no --tls-cert: requests, admin token included, travel in clear; use TLS or a TLS-terminating proxy"
            )
        }
        if let metricsListen, let (mhost, _) = Self.parseListen(metricsListen), !Self.isLoopback(mhost) {
            out.append("--metrics-listen \(mhost) is not a loopback address: anyone who reaches it reads the metrics (no token)")
        }
        var limit = rlimit()
        if getrlimit(Self.nofile, &limit) == 0, UInt64(maxConnections) + 64 > UInt64(limit.rlim_cur) {
            out.append(
                "--max-connections \(maxConnections) is not well below the file descriptor limit \(limit.rlim_cur) (ulimit -n): lower it or raise the limit"
            )
        }
        return out
    }

    /// `host:port`, `[v6]:port`.
    static func parseListen(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }

    func run() async throws {
        let (host, port) = Self.parseListen(listen)!
        var tls: BrokerTLS?
        if let tlsCert, let tlsKey {
            do { tls = try BrokerTLS.load(certificateFile: tlsCert, keyFile: tlsKey) } catch { throw CLIFailure(message: error.description) }
        }
        for warning in warnings(host: host, tls: tls != nil) {
            FileHandle.standardError.write(Data("leasehold: warning: \(warning)\n".utf8))
        }
        do {
            try FileManager.default.createDirectory(atPath: dataDir, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw CLIFailure(message: "cannot create \(dataDir): \(error.localizedDescription)")
        }
        var configuration = BrokerConfiguration(dataDirectory: dataDir, allowSandbox: allowSandbox)
        configuration.databaseURL = database ?? CLIFiles.environment("LEASEHOLD_DATABASE_URL")
        configuration.databaseConnections = databaseConnections
        configuration.requireSNPCRL = sevSnpRequireCrl
        configuration.publicLog = publicLog
        configuration.collateral = try CollateralOptions.service(
            url: intelPcsUrl, amdURL: amdKdsUrl, directory: collateralDir, caFile: intelPcsCaFile, update: intelTcbUpdate,
            maximumAge: collateralMaxAge)
        let metrics = ServerMetrics()
        configuration.metrics = metrics.broker
        let broker: Broker
        do {
            broker = try await Broker.open(configuration)
        } catch {
            throw CLIFailure(message: "\(error.code.rawValue): \(error.message)")
        }
        var logger = Logger(label: "leasehold")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        let sweeper = SweeperService(broker: broker, interval: .seconds(sweepInterval), logger: logger, metrics: metrics)
        var services: [any Service] = [sweeper]
        if let metricsListen, let (mhost, mport) = Self.parseListen(metricsListen) {
            services.append(
                try BrokerRoutes.metricsApplication(metrics: metrics, broker: broker, host: mhost, port: mport, logger: logger) {
                    boundHost, boundPort in
                    let shown = boundHost.contains(":") ? "[\(boundHost)]" : boundHost
                    FileHandle.standardOutput.write(Data("leasehold: metrics on http://\(shown):\(boundPort)/metrics\n".utf8))
                })
        }
        let tokenPath = broker.adminTokenPath
        let sandbox = allowSandbox
        let readers = publicLog ? "anyone (--public-log)" : "auditor and admin tokens (leasehold auditor add)"
        let pcs = intelPcsUrl ?? collateralDir, kds = amdKdsUrl ?? collateralDir, update = intelTcbUpdate
        let scheme = tls == nil ? "http" : "https"
        let storage = configuration.databaseURL.map { (try? PostgresLocation(url: $0))?.description ?? "PostgreSQL" } ?? configuration.databasePath
        let app = try BrokerRoutes.application(
            broker: broker, host: host, port: port, tls: tls, options: httpOptions(metrics: metrics),
            services: services, logger: logger
        ) { boundHost, boundPort in
            let shown = boundHost.contains(":") ? "[\(boundHost)]" : boundHost
            var lines =
                "leasehold: listening on \(scheme)://\(shown):\(boundPort)\nleasehold: state and log in \(storage)\nleasehold: admin token in \(tokenPath)\n"
            lines += "leasehold: console at \(scheme)://\(shown):\(boundPort)/console; log entries readable by \(readers)\n"
            if sandbox { lines += "leasehold: WARNING: --allow-sandbox: sandbox evidence is accepted; for development only\n" }
            if let intel = pcs { lines += "leasehold: SGX/TDX collateral from \(intel) (update \(update)); workload-sent collateral is ignored\n" }
            if let kds { lines += "leasehold: SEV-SNP VCEKs, chains and CRLs from \(kds); the ARK's CRL is always checked\n" }
            FileHandle.standardOutput.write(Data(lines.utf8))
        }
        do {
            try await app.runService()
        } catch {
            await broker.close()
            throw CLIFailure(message: "server stopped: \(error)")
        }
        await broker.close()
    }
}
