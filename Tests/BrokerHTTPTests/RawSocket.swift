import Foundation
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A plain TCP client socket to 127.0.0.1, for tests that must behave badly (stall, trickle,
/// hold connections), which an HTTP client library will not do. Non-blocking waits only, so
/// no test thread is held while the server works.
final class RawSocket: @unchecked Sendable {
    let fd: Int32
    private(set) var received: [UInt8] = []
    private(set) var closedByPeer = false

    init(port: Int) throws {
        #if canImport(Glibc)
            fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
            fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        guard fd >= 0 else { throw POSIXError(.EMFILE) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = in_port_t(UInt16(port).bigEndian)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        let rc = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard rc == 0 else { close(fd); throw POSIXError(.ECONNREFUSED) }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
    }

    deinit { close(fd) }

    /// Sends `text`; false if the peer has gone.
    @discardableResult
    func send(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        return n == bytes.count
    }

    /// Reads what is there without waiting; notes an end of stream or a reset.
    func drain() {
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !closedByPeer {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n > 0 { received += buffer[0..<n]; continue }
            if n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK) { closedByPeer = true }
            return
        }
    }

    /// Waits (polling every 20 ms) until the peer closes or `timeout` passes.
    func waitUntilClosed(timeout: Duration) async throws -> Bool {
        let deadline = ContinuousClock.now + timeout
        while true {
            drain()
            if closedByPeer { return true }
            if ContinuousClock.now >= deadline { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    var text: String { String(decoding: received, as: UTF8.self) }

    /// One `GET path` on a new connection, `Connection: close`; the status line's code, or nil.
    static func get(port: Int, _ path: String, headers: String = "", timeout: Duration = .seconds(10)) async throws -> (status: Int?, body: String) {
        let s = try RawSocket(port: port)
        s.send("GET \(path) HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\(headers)\r\n")
        _ = try await s.waitUntilClosed(timeout: timeout)
        let text = s.text
        let status = text.hasPrefix("HTTP/1.1 ") ? Int(text.dropFirst(9).prefix(3)) : nil
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return (status, body)
    }
}
