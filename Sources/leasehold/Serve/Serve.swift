import ArgumentParser
import Broker
import BrokerHTTP
import Foundation
import Logging
import Storage

/// `leasehold serve`: the broker over HTTP, with its sweeper, until SIGTERM or SIGINT.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the broker's HTTP API on a data directory.",
        discussion: """
            DIR holds leasehold.db (SQLite), the log signing key, the root key (unless LEASEHOLD_ROOT_KEY
            is set) and admin.token (written 0600 on first start). Prints the listening address (port 0
            picks a free one) and the admin token's path. SIGTERM or SIGINT stops it gracefully.

            With --database (or LEASEHOLD_DATABASE_URL, which keeps the password off the command line)
            the state and the log live in PostgreSQL instead of DIR/leasehold.db, and several brokers
            can serve one database: give each a copy of the same DIR (same log key, root key and admin
            token). Writes are serialised in the database; sweeps run on one replica at a time.
            TLS to the database is verified (sslmode=verify-full) except on loopback.
            """
    )

    @Option(help: "The data directory (created 0700 if missing).") var dataDir: String
    @Option(help: "HOST:PORT to listen on, e.g. 127.0.0.1:8443 or [::1]:8443.") var listen: String
    @Flag(help: "Accept sandbox evidence (development only: anyone can make it).") var allowSandbox = false
    @Option(help: "Seconds between sweeps of expired leases and dead nonces.") var sweepInterval = 60
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel = "info"
    @Option(help: "PostgreSQL URL postgres://USER:PASSWORD@HOST:PORT/DB instead of DIR/leasehold.db (default: $LEASEHOLD_DATABASE_URL).")
    var database: String?
    @Option(help: "Concurrent PostgreSQL transactions (connections).") var databaseConnections = 4
    @Option(help: "PEM certificate (chain, leaf first) to serve HTTPS with; needs --tls-key.") var tlsCert: String?
    @Option(help: "PEM private key of --tls-cert (keep it 0600).") var tlsKey: String?
    @Flag(help: "Refuse SEV-SNP evidence without AMD KDS's CRL in its collateral (a supplied CRL is always checked).")
    var sevSnpRequireCrl = false

    func validate() throws {
        guard Self.parseListen(listen) != nil else { throw ValidationError("--listen must be HOST:PORT with a port 0...65535") }
        guard sweepInterval >= 1 else { throw ValidationError("--sweep-interval must be at least 1 second") }
        guard Logger.Level(rawValue: logLevel) != nil else { throw ValidationError("--log-level must be one of trace, debug, info, notice, warning, error, critical") }
        guard (tlsCert == nil) == (tlsKey == nil) else { throw ValidationError("--tls-cert and --tls-key go together") }
        guard (1...64).contains(databaseConnections) else { throw ValidationError("--database-connections must be 1...64") }
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
            if let warning = tls?.warning { FileHandle.standardError.write(Data("leasehold: warning: \(warning)\n".utf8)) }
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
        let broker: Broker
        do {
            broker = try await Broker.open(configuration)
        } catch {
            throw CLIFailure(message: "\(error.code.rawValue): \(error.message)")
        }
        var logger = Logger(label: "leasehold")
        logger.logLevel = Logger.Level(rawValue: logLevel)!
        let sweeper = SweeperService(broker: broker, interval: .seconds(sweepInterval), logger: logger)
        let tokenPath = broker.adminTokenPath
        let sandbox = allowSandbox
        let scheme = tls == nil ? "http" : "https"
        let storage = configuration.databaseURL.map { (try? PostgresLocation(url: $0))?.description ?? "PostgreSQL" } ?? configuration.databasePath
        let app = try BrokerRoutes.application(broker: broker, host: host, port: port, tls: tls, services: [sweeper], logger: logger) { boundHost, boundPort in
            let shown = boundHost.contains(":") ? "[\(boundHost)]" : boundHost
            var lines = "leasehold: listening on \(scheme)://\(shown):\(boundPort)\nleasehold: state and log in \(storage)\nleasehold: admin token in \(tokenPath)\n"
            if sandbox { lines += "leasehold: WARNING: --allow-sandbox: sandbox evidence is accepted; for development only\n" }
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
