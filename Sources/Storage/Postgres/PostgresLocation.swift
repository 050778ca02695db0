import Foundation

/// Where the PostgreSQL database is, parsed from a `postgres://` URL.
///
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?sslmode=disable|verify-full]`
///
/// TLS defaults to `verify-full` (the server's certificate checked against the system's trust
/// store and its name) for every host except loopback, where `disable` is the default: a
/// broker's database password and its log rows should not cross a network in clear. libpq's
/// `require` (encrypt but trust any certificate) is refused: it protects against nobody who
/// can already see the traffic.
public struct PostgresLocation: Sendable, Hashable, CustomStringConvertible {
    public enum TLSMode: String, Sendable, Hashable {
        case disable
        case verifyFull = "verify-full"
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(url text: String) throws(StorageError) {
        guard let url = URLComponents(string: text), let scheme = url.scheme, scheme == "postgres" || scheme == "postgresql" else {
            throw StorageError(.badLocation, "the database URL must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = url.host, !host.isEmpty else { throw StorageError(.badLocation, "the database URL has no host") }
        guard let user = url.user, !user.isEmpty else { throw StorageError(.badLocation, "the database URL has no user") }
        let path = url.path.hasPrefix("/") ? String(url.path.dropFirst()) : url.path
        guard !path.isEmpty, !path.contains("/") else {
            throw StorageError(.badLocation, "the database URL must name one database after the host (…/DATABASE)")
        }
        let port = url.port ?? 5432
        guard (1...65535).contains(port) else { throw StorageError(.badLocation, "the database port must be 1...65535") }
        var tls: TLSMode = Self.isLoopback(host) ? .disable : .verifyFull
        for item in url.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw StorageError(.badLocation, "sslmode must be disable or verify-full (require, which trusts any certificate, is not offered)")
                }
                tls = mode
            default:
                throw StorageError(.badLocation, "unknown database URL parameter '\(item.name)' (known: sslmode)")
            }
        }
        self.host = host
        self.port = port
        self.user = user
        self.password = url.password
        self.database = path
        self.tls = tls
    }

    /// Only IP literals count: an address in 127.0.0.0/8 (four decimal octets) or ::1. A name,
    /// `localhost` included (it can be remapped in /etc/hosts) and `127.db.example.com` above
    /// all, goes through DNS and gets verified TLS (SECURITY-REVIEW-2026-12, L5).
    static func isLoopback(_ host: String) -> Bool {
        if host == "::1" || host == "[::1]" { return true }
        let octets = host.split(separator: ".", omittingEmptySubsequences: false)
        guard octets.count == 4, octets[0] == "127" else { return false }
        return octets.allSatisfy { o in
            !o.isEmpty && o.count <= 3 && o.utf8.allSatisfy { (0x30...0x39).contains($0) } && (Int(o).map { $0 <= 255 } ?? false)
        }
    }

    /// The location without its password: safe for logs and error messages.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }
}
