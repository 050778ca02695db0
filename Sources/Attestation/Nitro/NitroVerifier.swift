import Crypto
import Foundation

/// Verifies AWS Nitro Enclaves attestation documents: strict CBOR, COSE_Sign1 with ES384,
/// the document schema, and the certificate chain from the pinned AWS root down to the
/// document's certificate at the given time.
///
/// Genuineness only; what to accept is `NitroPolicy`'s (or `EvidencePolicy`'s) business.
/// Everything Nitro needs travels inside the document, so `Evidence.collateral` is ignored.
/// Keep one verifier (and so one `NitroChainCache`) for the process: a warm verification,
/// with the document's CA bundle already verified, costs two P-384 signature checks.
public struct NitroVerifier: EvidenceVerifier {
    public var tee: TEE { .nitro }
    public let cache: NitroChainCache

    /// Largest document accepted. Real documents are 4-10 KiB; the schema allows at most
    /// six 1 KiB fields plus the bundle, so 64 KiB leaves room for a long bundle.
    public static let maxDocumentSize = 64 * 1024
    /// ES384 in COSE (RFC 9053 §2.1).
    static let es384: Int64 = -35

    static let limits = CBORDecoder.Limits(maxDepth: 8, maxInputSize: maxDocumentSize)

    /// The DER of the one root accepted: AWS's, except in tests that build their own PKI.
    let pinnedRoot: [UInt8]

    public init(cache: NitroChainCache = NitroChainCache()) {
        self.init(cache: cache, pinnedRoot: NitroRoot.der)
    }

    init(cache: NitroChainCache, pinnedRoot: [UInt8]) {
        self.cache = cache
        self.pinnedRoot = pinnedRoot
    }

    public func verify(_ evidence: Evidence, at time: Date) throws(AttestationError) -> any TEEClaims {
        guard evidence.tee == .nitro else {
            throw AttestationError(.teeNotAllowed, "the Nitro verifier was given \(evidence.tee.rawValue) evidence")
        }
        return try verifyDocument(evidence.bytes, at: time)
    }

    /// Verifies the raw COSE_Sign1 bytes of a Nitro attestation document at `time`.
    public func verifyDocument(_ bytes: [UInt8], at time: Date) throws(AttestationError) -> NitroClaims {
        guard !bytes.isEmpty else { throw AttestationError(.malformed, "the Nitro attestation document is empty") }
        guard bytes.count <= Self.maxDocumentSize else {
            throw AttestationError(
                .malformed, "the Nitro attestation document is \(bytes.count) bytes, more than the \(Self.maxDocumentSize) accepted")
        }
        let cose = try CoseSign1.parse(bytes, limits: Self.limits)
        guard let alg = cose.algorithm else {
            throw AttestationError(.malformed, "the COSE protected header does not name an algorithm")
        }
        guard alg == Self.es384 else {
            throw AttestationError(.algorithmNotAllowed, "the Nitro document is signed with COSE algorithm \(alg); only ES384 (-35) is accepted")
        }
        guard cose.signature.count == 96,
            let signature = try? P384.Signing.ECDSASignature(rawRepresentation: cose.signature)
        else {
            throw AttestationError(.malformed, "an ES384 signature is 96 bytes (r || s); this one is \(cose.signature.count)")
        }
        let document = try NitroAttestationDocument.parse(cose.payload, limits: Self.limits)
        for index in 0...2 where document.pcrs[index] == nil {
            throw AttestationError(.malformed, "the Nitro document has no PCR\(index); it is needed to identify the enclave and to tell debug mode")
        }

        // Before the cache: a cached bundle proves nothing about *this* verifier's root.
        try NitroChain.checkRoot(document.cabundle, pinned: pinnedRoot)
        let key = NitroChainCache.key(for: document.cabundle)
        let bundle: NitroVerifiedBundle
        if let cached = cache.lookup(key) {
            bundle = cached
        } else {
            bundle = try NitroChain.verifyBundle(document.cabundle, pinned: pinnedRoot)
            cache.insert(bundle, for: key)
        }
        try NitroChain.checkValidity(bundle, at: time)
        let (leaf, leafKey) = try NitroChain.verifyLeaf(document.certificate, issuer: bundle, at: time)

        let claims = NitroClaims(document)
        guard leaf.notValidBefore <= claims.timestamp, claims.timestamp <= leaf.notValidAfter else {
            throw AttestationError(
                .timestampOutOfRange,
                "the Nitro document's timestamp \(claims.timestamp) is outside its certificate's validity (\(leaf.notValidBefore) to \(leaf.notValidAfter))"
            )
        }
        guard leafKey.isValidSignature(signature, for: cose.signedBytes) else {
            throw AttestationError(
                .signatureInvalid, "the COSE_Sign1 ES384 signature over the Nitro document does not verify with its certificate's key")
        }
        return claims
    }
}
