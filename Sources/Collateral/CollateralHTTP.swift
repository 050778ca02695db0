import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// One GET to a collateral upstream. A protocol so the service runs the same against Intel
/// PCS, a PCCS, AMD KDS, or a test's in-memory upstream.
public protocol CollateralHTTP: Sendable {
    func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse
}

public struct CollateralHTTPResponse: Sendable {
    public var status: Int
    /// Header values by lowercased name (the last one when a name repeats).
    public var headers: [String: String]
    public var body: [UInt8]

    public init(status: Int, headers: [String: String], body: [UInt8]) {
        self.status = status
        self.headers = Dictionary(headers.map { ($0.key.lowercased(), $0.value) }, uniquingKeysWith: { _, b in b })
        self.body = body
    }
}

/// `CollateralHTTP` over AsyncHTTPClient: a deadline per request, a body limit, and an
/// optional CA file for a PCCS behind a private CA (the system roots otherwise). Clients live
/// for the process, one per CA file: a client must be shut down before it is released, and
/// the service lives as long as the broker anyway.
public struct AsyncCollateralHTTP: CollateralHTTP {
    /// The largest document accepted: TCB infos and CRLs are a few KiB.
    public static let maximumBodyBytes = 1 << 20
    private static let clients = Mutex([String: HTTPClient]())
    private let client: HTTPClient
    private let timeout: TimeAmount

    public init(caFile: String? = nil, timeout: TimeInterval = 10) throws {
        if let caFile, !FileManager.default.isReadableFile(atPath: caFile) {
            throw CollateralError(.unreachable, "cannot read the CA file \(caFile)")
        }
        client = Self.clients.withLock { clients in
            if let existing = clients[caFile ?? ""] { return existing }
            var tls = TLSConfiguration.makeClientConfiguration()
            tls.minimumTLSVersion = .tlsv12
            if let caFile { tls.trustRoots = .file(caFile) }
            var configuration = HTTPClient.Configuration(tlsConfiguration: tls)
            configuration.timeout = .init(connect: .seconds(5))
            let made = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            clients[caFile ?? ""] = made
            return made
        }
        self.timeout = .seconds(Int64(max(1, timeout)))
    }

    public func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
        do {
            var request = HTTPClientRequest(url: url)
            request.method = .GET
            request.headers.add(name: "Accept", value: "*/*")
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: Self.maximumBodyBytes)
            var headers: [String: String] = [:]
            for (name, value) in response.headers { headers[name.lowercased()] = value }
            return CollateralHTTPResponse(status: Int(response.status.code), headers: headers, body: Array(body.readableBytesView))
        } catch {
            throw CollateralError(.unreachable, "GET \(url): \(error)")
        }
    }
}
