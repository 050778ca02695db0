import Foundation

extension AttestationError {
    /// A library error (swift-asn1, swift-certificates, a decoder) as text for a refusal:
    /// their descriptions end with the library's own source location (`X509/Foo.swift:123`),
    /// which tells an operator nothing and leaks build details to a client, so it is cut off.
    static func libraryReason(_ error: any Error) -> String {
        let text = String(describing: error)
        guard let space = text.lastIndex(of: " ") else { return text }
        let tail = text[text.index(after: space)...]
        let parts = tail.split(separator: ":")
        guard parts.count == 2, parts[0].hasSuffix(".swift"), parts[1].allSatisfy(\.isNumber) else { return text }
        return String(text[..<space])
    }
}
