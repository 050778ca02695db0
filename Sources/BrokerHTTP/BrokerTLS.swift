import Foundation
import HummingbirdTLS
import NIOSSL

/// The server's TLS settings from `serve --tls-cert FILE --tls-key FILE`.
///
/// TLS 1.2 at least; the certificate file may hold the whole chain (leaf first). Loading fails
/// with a message naming the file and what is wrong with it, before the server starts, so a
/// broker never comes up half-configured or silently in clear. A key file that group or
/// others may read is refused, as the root key file is (review finding L10): a key others
/// could have copied is no longer the server's alone.
public struct BrokerTLS: Sendable {
    let configuration: TLSConfiguration

    public struct LoadError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func load(certificateFile: String, keyFile: String) throws(LoadError) -> BrokerTLS {
        // Checked before the key is read: a loose key is refused whatever it holds.
        var st = stat()
        guard stat(keyFile, &st) == 0 else { throw LoadError(description: "--tls-key \(keyFile): cannot read the file") }
        guard st.st_mode & 0o077 == 0 else {
            throw LoadError(
                description: "--tls-key \(keyFile) is readable by group or others (mode \(String(st.st_mode & 0o777, radix: 8))): chmod 600 it")
        }
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
        return BrokerTLS(configuration: configuration)
    }
}
