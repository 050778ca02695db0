import Foundation
import X509

/// The result of verifying a document's `cabundle` once, independent of time, so that it can
/// be cached and re-checked cheaply at each verification time.
struct NitroVerifiedBundle: Sendable {
    /// The validity period of one certificate, re-checked on every verification.
    struct Window: Sendable {
        var name: String
        var notBefore: Date
        var notAfter: Date
    }

    /// The last certificate of the bundle: the issuer of the document's certificate.
    var issuer: Certificate
    /// Validity of every certificate in the bundle, root first.
    var windows: [Window]
}
