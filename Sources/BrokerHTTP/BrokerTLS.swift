import Foundation
import HummingbirdTLS
import NIOSSL

/// The server's TLS settings from `serve --tls-cert FILE --tls-key FILE`.
///
/// TLS 1.2 at least; the certificate file may hold the whole chain (leaf first). Loading fails
/// with a message naming the file and what is wrong with it, before the server starts, so a
/// broker never comes up half-configured or silently in clear.
public struct BrokerTLS: Sendable {
    let configuration: TLSConfiguration
    /// A warning for the operator (a key file others can read), if any.
    public let warning: String?

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(certificateFile: String, keyFile: String) throws(LoadError) -> BrokerTLS {
        let chain: [NIOSSLCertificate]
        do { chain = try NIOSSLCertificate.fromPEMFile(certificateFile) } catch {
            throw LoadError(description: "--tls-cert \(certificateFile): not a readable PEM certificate file (\(error))")
        }
        guard !chain.isEmpty else { throw LoadError(description: "--tls-cert \(certificateFile): no certificate in the file") }
        let key: NIOSSLPrivateKey
        do { key = try NIOSSLPrivateKey(file: keyFile, format: .pem) } catch {
            throw LoadError(description: "--tls-key \(keyFile): not a readable PEM private key (\(error))")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(key))
        configuration.minimumTLSVersion = .tlsv12
        do {
            // Builds the context once now: a key that does not match the certificate fails here.
            _ = try NIOSSLContext(configuration: configuration)
        } catch {
            throw LoadError(description: "--tls-cert/--tls-key: the key does not go with the certificate, or the chain is unusable (\(error))")
        }
        var warning: String?
        if let mode = (try? FileManager.default.attributesOfItem(atPath: keyFile))?[.posixPermissions] as? NSNumber, mode.intValue & 0o077 != 0 {
            warning = "the TLS key \(keyFile) is readable by group or others (mode \(String(mode.intValue & 0o777, radix: 8))); chmod 600 it"
        }
        return BrokerTLS(configuration: configuration, warning: warning)
    }
}
