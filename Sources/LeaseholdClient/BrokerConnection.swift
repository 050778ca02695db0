import AsyncHTTPClient
import LeaseholdAPI
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// HTTP to one broker: sends a request, returns the body of a 2xx answer, and turns an error
/// answer into a `LeaseholdClientError` carrying the broker's reason code.
///
/// AsyncHTTPClient rather than URLSession: on Linux, URLSession cannot be told which CA to
/// trust, and a broker behind a private CA (`--ca-file`) is the common deployment. Redirects
/// are refused: a broker never redirects, and a redirect would carry a signed request elsewhere.
public struct BrokerConnection: Sendable {
    public let baseURL: URL
    let client: HTTPClient
    let timeout: TimeAmount

    /// At most this many bytes are read of an answer (a page of log entries is far smaller).
    static let maximumResponse = 16 << 20

    /// `url` is the broker's base URL, e.g. `https://broker.example:8443`. `caFile`, a PEM
    /// file, replaces the system's trust store for https: only certificates it issued are
    /// accepted. `connectTimeout` bounds how long one request keeps dialling a broker that
    /// refuses or does not answer (AsyncHTTPClient re-dials a refused port until then).
    public init(
        _ url: String, maximumConnections: Int = 16, timeout: TimeInterval = 30, caFile: String? = nil,
        connectTimeout: Duration = .seconds(5)
    ) throws(LeaseholdClientError) {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "broker URL \(url) is not an http(s) URL")
        }
        if let caFile {
            do {
                guard !(try NIOSSLCertificate.fromPEMFile(caFile)).isEmpty else {
                    throw LeaseholdClientError(LeaseholdClientError.badInput, "\(caFile) holds no PEM certificate")
                }
            } catch let e as LeaseholdClientError {
                throw e
            } catch {
                throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot read CA certificates from \(caFile): \(error)")
            }
        }
        baseURL = u
        let connectMilliseconds = max(
            100, min(60_000, connectTimeout.components.seconds * 1000 + connectTimeout.components.attoseconds / 1_000_000_000_000_000))
        client = Self.client(.init(maximumConnections: max(1, maximumConnections), caFile: caFile, connectMilliseconds: connectMilliseconds))
        self.timeout = .milliseconds(Int64(timeout * 1000))
    }

    struct ClientKey: Hashable, Sendable {
        var maximumConnections: Int
        var caFile: String?
        var connectMilliseconds: Int64
    }

    /// One HTTP client per configuration, for the life of the process: a client owns a
    /// connection pool that must outlive every connection value copied from it.
    static let clients = Mutex<[ClientKey: HTTPClient]>([:])

    static func client(_ key: ClientKey) -> HTTPClient {
        clients.withLock { clients in
            if let existing = clients[key] { return existing }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let caFile = key.caFile { tls.trustRoots = .file(caFile) }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow)
            configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: key.maximumConnections)
            configuration.httpVersion = .http1Only
            // A refused or silent connect fails after 5 s (by default) rather than AHC's 10 s: a
            // workload at boot retries the whole flow itself (BootRetry) and asks for less when
            // its --retry-for window is shorter, and an owner's command should say soon that the
            // broker is not there.
            configuration.timeout = .init(connect: .milliseconds(key.connectMilliseconds))
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[key] = client
            return client
        }
    }

    /// Path segments are percent-encoded one by one, so an owner or lease id can never add a
    /// segment of its own.
    static func path(_ segments: [String]) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        return segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
    }

    package func send(
        _ method: String, _ segments: [String], query: [URLQueryItem] = [], body: [UInt8]? = nil,
        headers: [String: String] = [:]
    ) async throws(LeaseholdClientError) -> [UInt8] {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + Self.path(segments)
        guard var components = URLComponents(string: text) else {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot build a URL from \(text)")
        }
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot build a URL from \(text)") }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        for (k, v) in headers { request.headers.add(name: k, value: v) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let status: Int
        let data: [UInt8]
        do {
            let response = try await client.execute(request, timeout: timeout)
            status = Int(response.status.code)
            data = Array(buffer: try await response.body.collect(upTo: Self.maximumResponse))
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.transport, "\(method) \(url.path): \(Self.describe(error))")
        }
        guard (200..<300).contains(status) else {
            if let err = try? JSONDecoder().decode(ErrorBody.self, from: Data(data)) {
                throw LeaseholdClientError(err.reason, err.error, httpStatus: status)
            }
            throw LeaseholdClientError(
                LeaseholdClientError.badResponse, "\(method) \(url.path): HTTP \(status) without an error body", httpStatus: status)
        }
        return data
    }

    /// A transport error in words an operator can act on (a certificate problem names itself).
    static func describe(_ error: any Error) -> String {
        if let e = error as? NIOSSLError { return "TLS: \(e)" }
        if let e = error as? BoringSSLError { return "TLS: \(e)" }
        if let e = error as? HTTPClientError { return "\(e)" }
        // NIO's own text for a failed connect reads "connection reset (error set): …"; the
        // errno says what happened.
        if let e = error as? IOError {
            return e.errnoCode == ECONNREFUSED ? "connection refused (nothing listens there)" : "I/O error, errno \(e.errnoCode)"
        }
        return String(describing: error)
    }

    package func json<T: Decodable>(
        _ type: T.Type, _ method: String, _ segments: [String], query: [URLQueryItem] = [],
        body: [UInt8]? = nil, headers: [String: String] = [:]
    ) async throws(LeaseholdClientError) -> T {
        let bytes = try await send(method, segments, query: query, body: body, headers: headers)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "\(method) /\(Self.path(segments)): the answer is not a \(T.self): \(error)")
        }
    }

    package static func encode<T: Encodable>(_ value: T) throws(LeaseholdClientError) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try e.encode(value)) } catch {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot encode the request: \(error)")
        }
    }

    /// `GET /v1/broker`.
    public func info() async throws(LeaseholdClientError) -> BrokerInfo {
        try await json(BrokerInfo.self, "GET", ["v1", "broker"])
    }

    /// `GET /v1/health`: true when the broker answers.
    public func health() async throws(LeaseholdClientError) {
        _ = try await send("GET", ["v1", "health"])
    }
}
