import Broker
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// HTTP to one broker: sends a request, returns the body of a 2xx answer, and turns an error
/// answer into a `LeaseholdClientError` carrying the broker's reason code.
public struct BrokerConnection: Sendable {
    public let baseURL: URL
    let session: URLSession

    /// `url` is the broker's base URL, e.g. `http://127.0.0.1:8443`.
    public init(_ url: String, maximumConnections: Int = 16, timeout: TimeInterval = 30) throws(LeaseholdClientError) {
        guard let u = URL(string: url), let scheme = u.scheme?.lowercased(), scheme == "http" || scheme == "https", u.host != nil else {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "broker URL \(url) is not an http(s) URL")
        }
        baseURL = u
        let config = URLSessionConfiguration.ephemeral
        config.httpMaximumConnectionsPerHost = maximumConnections
        config.timeoutIntervalForRequest = timeout
        config.requestCachePolicy = .reloadIgnoringLocalCacheData
        config.urlCache = nil
        config.httpCookieStorage = nil
        session = URLSession(configuration: config)
    }

    /// Path segments are percent-encoded one by one, so an owner or lease id can never add a
    /// segment of its own.
    static func path(_ segments: [String]) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/;?#%")
        return segments.map { $0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0 }.joined(separator: "/")
    }

    func send(_ method: String, _ segments: [String], query: [URLQueryItem] = [], body: [UInt8]? = nil,
              headers: [String: String] = [:]) async throws(LeaseholdClientError) -> [UInt8] {
        var text = baseURL.absoluteString
        while text.hasSuffix("/") { text.removeLast() }
        text += "/" + Self.path(segments)
        guard var components = URLComponents(string: text) else {
            throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot build a URL from \(text)")
        }
        if !query.isEmpty { components.queryItems = query }
        guard let url = components.url else { throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot build a URL from \(text)") }
        var request = URLRequest(url: url)
        request.httpMethod = method
        for (k, v) in headers { request.setValue(v, forHTTPHeaderField: k) }
        if let body {
            request.httpBody = Data(body)
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        }
        let data: Data
        let response: URLResponse
        do {
            (data, response) = try await session.data(for: request)
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.transport, "\(method) \(url.path): \(error.localizedDescription)")
        }
        guard let http = response as? HTTPURLResponse else {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "\(method) \(url.path): not an HTTP response")
        }
        guard (200..<300).contains(http.statusCode) else {
            if let err = try? JSONDecoder().decode(ErrorBody.self, from: data) {
                throw LeaseholdClientError(err.reason, err.error, httpStatus: http.statusCode)
            }
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "\(method) \(url.path): HTTP \(http.statusCode) without an error body", httpStatus: http.statusCode)
        }
        return Array(data)
    }

    func json<T: Decodable>(_ type: T.Type, _ method: String, _ segments: [String], query: [URLQueryItem] = [],
                            body: [UInt8]? = nil, headers: [String: String] = [:]) async throws(LeaseholdClientError) -> T {
        let bytes = try await send(method, segments, query: query, body: body, headers: headers)
        do {
            return try JSONDecoder().decode(T.self, from: Data(bytes))
        } catch {
            throw LeaseholdClientError(LeaseholdClientError.badResponse, "\(method) /\(Self.path(segments)): the answer is not a \(T.self): \(error)")
        }
    }

    static func encode<T: Encodable>(_ value: T) throws(LeaseholdClientError) -> [UInt8] {
        let e = JSONEncoder()
        e.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        do { return Array(try e.encode(value)) } catch { throw LeaseholdClientError(LeaseholdClientError.badInput, "cannot encode the request: \(error)") }
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
