import SwiftASN1

/// The only signature algorithm AMD's certificates use: RSASSA-PSS with SHA-384, MGF1 with
/// SHA-384, a 48-byte salt and trailer field 1 (RFC 4055 §3.1).
///
/// ```
/// AlgorithmIdentifier ::= SEQUENCE { algorithm id-RSASSA-PSS, parameters RSASSA-PSS-params }
/// RSASSA-PSS-params ::= SEQUENCE {
///     hashAlgorithm     [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1,
///     maskGenAlgorithm  [1] EXPLICIT AlgorithmIdentifier DEFAULT mgf1SHA1,
///     saltLength        [2] EXPLICIT INTEGER DEFAULT 20,
///     trailerField      [3] EXPLICIT INTEGER DEFAULT 1 }
/// ```
///
/// AMD writes trailerField explicitly in some certificates (ARK, ASK, Milan VCEKs) and omits it
/// in others (Genoa VCEKs), so both are accepted. Any other hash, mask or salt is refused:
/// the verifier must not be talked into checking a weaker signature.
struct AMDSignatureAlgorithm: Sendable, Hashable {
    static let rsassaPSS: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 10]
    static let mgf1: ASN1ObjectIdentifier = [1, 2, 840, 113549, 1, 1, 8]
    static let sha384: ASN1ObjectIdentifier = [2, 16, 840, 1, 101, 3, 4, 2, 2]

    /// Whether trailerField was written out (it is 1 either way); kept so the signed and outer
    /// algorithm identifiers can be compared exactly.
    var explicitTrailerField: Bool

    init(derEncoded nodes: inout ASN1NodeCollection.Iterator) throws {
        guard let node = nodes.next() else {
            throw AttestationError(.chainInvalid, "certificate signature algorithm is missing")
        }
        try self.init(node: node)
    }

    /// From a whole AlgorithmIdentifier's DER (a CRL's, kept by `CertificateRevocationList`).
    init(derEncoded bytes: [UInt8]) throws {
        try self.init(node: try DER.parse(bytes))
    }

    init(node: ASN1Node) throws {
        self = try DER.sequence(node, identifier: .sequence) { n in
            let oid = try ASN1ObjectIdentifier(derEncoded: &n)
            guard oid == Self.rsassaPSS else {
                throw AttestationError(
                    .chainInvalid, "certificate signature algorithm \(oid) is not RSASSA-PSS, which AMD uses for every certificate")
            }
            guard let parameters = n.next() else {
                throw AttestationError(.chainInvalid, "RSASSA-PSS parameters are missing")
            }
            return try DER.sequence(parameters, identifier: .sequence) { p in
                let hash = try DER.optionalExplicitlyTagged(&p, tagNumber: 0, tagClass: .contextSpecific) { try Self.hashAlgorithm($0) }
                let mask = try DER.optionalExplicitlyTagged(&p, tagNumber: 1, tagClass: .contextSpecific) { node in
                    try DER.sequence(node, identifier: .sequence) { m -> ASN1ObjectIdentifier? in
                        let maskOID = try ASN1ObjectIdentifier(derEncoded: &m)
                        guard maskOID == Self.mgf1, let maskHash = m.next() else { return nil }
                        return try Self.hashAlgorithm(maskHash)
                    }
                }
                let salt = try DER.optionalExplicitlyTagged(&p, tagNumber: 2, tagClass: .contextSpecific) { try Int(derEncoded: $0) }
                let trailer = try DER.optionalExplicitlyTagged(&p, tagNumber: 3, tagClass: .contextSpecific) { try Int(derEncoded: $0) }
                guard hash == Self.sha384, mask == .some(Self.sha384), salt == 48, trailer ?? 1 == 1 else {
                    throw AttestationError(
                        .chainInvalid,
                        "RSASSA-PSS parameters are not SHA-384 / MGF1-SHA-384 / salt 48 / trailer 1 (hash \(hash.map { "\($0)" } ?? "sha1 default"), salt \(salt ?? 20))"
                    )
                }
                return AMDSignatureAlgorithm(explicitTrailerField: trailer != nil)
            }
        }
    }

    private init(explicitTrailerField: Bool) {
        self.explicitTrailerField = explicitTrailerField
    }

    /// A hash AlgorithmIdentifier: an OID with absent or NULL parameters.
    private static func hashAlgorithm(_ node: ASN1Node) throws -> ASN1ObjectIdentifier {
        try DER.sequence(node, identifier: .sequence) { h in
            let oid = try ASN1ObjectIdentifier(derEncoded: &h)
            if let parameters = h.next() { _ = try ASN1Null(derEncoded: parameters) }
            return oid
        }
    }
}
