/// Why a piece of evidence was refused.
///
/// Modelled on swift-certificates' `Error`: a stable, machine-readable `code` that scripts,
/// the broker's `key.denied` log entries and HTTP responses carry, plus a `reason` a person
/// can act on. Codes are kebab-case strings and are never renamed once shipped.
public struct AttestationError: Error, Sendable, Hashable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable, CustomStringConvertible {
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        /// The bytes do not parse as the format says (length, version, reserved field, encoding).
        public static let malformed = Code(rawValue: "malformed")
        /// A signature over the evidence, a certificate or collateral does not verify.
        public static let signatureInvalid = Code(rawValue: "signature-invalid")
        /// The certificate chain does not lead to a pinned vendor root, or is badly formed.
        public static let chainInvalid = Code(rawValue: "chain-invalid")
        /// A certificate is outside its validity period at the verification time.
        public static let certificateExpired = Code(rawValue: "certificate-expired")
        /// A certificate in the chain is listed in a CRL.
        public static let certificateRevoked = Code(rawValue: "certificate-revoked")
        /// A CRL is past its nextUpdate (or before its thisUpdate) at the verification time.
        public static let crlStale = Code(rawValue: "crl-stale")
        /// Collateral the verification needs was not supplied.
        public static let collateralMissing = Code(rawValue: "collateral-missing")
        /// Collateral was supplied but is malformed, wrongly signed, or for another platform.
        public static let collateralInvalid = Code(rawValue: "collateral-invalid")
        /// Collateral (TCB info, QE identity) is outside its validity at the verification time.
        public static let collateralExpired = Code(rawValue: "collateral-expired")
        /// The TCB the evidence reports disagrees with what its certificate vouches for.
        public static let tcbMismatch = Code(rawValue: "tcb-mismatch")
        /// No TCB level in the collateral matches the platform.
        public static let tcbNotSupported = Code(rawValue: "tcb-not-supported")
        /// The platform's TCB status is not in the accepted list.
        public static let tcbStatusNotAccepted = Code(rawValue: "tcb-status-not-accepted")
        /// The evidence comes from a debug TEE and debug is not allowed.
        public static let debugNotAllowed = Code(rawValue: "debug-not-allowed")
        /// The processor product or generation does not match the root it chains to.
        public static let productMismatch = Code(rawValue: "product-mismatch")
        /// A measurement (or other identity value) differs from the one the policy names.
        public static let measurementMismatch = Code(rawValue: "measurement-mismatch")
        /// The reported TCB is below the minimum the policy names.
        public static let tcbTooLow = Code(rawValue: "tcb-too-low")
        /// The evidence's report data (or nonce / public key) does not bind this request.
        public static let reportDataMismatch = Code(rawValue: "report-data-mismatch")
        /// The TEE kind is not known, or not enabled on this broker.
        public static let teeNotAllowed = Code(rawValue: "tee-not-allowed")
        /// The report was made at a VMPL above the policy's maximum: a less privileged guest layer
        /// (not the one the manifest trusts) asked for it (SEV-SNP).
        public static let vmplNotAllowed = Code(rawValue: "vmpl-not-allowed")
        /// The evidence is signed with, or declares, an algorithm this verifier does not accept
        /// (Nitro: COSE `alg` other than ES384, or a document `digest` other than SHA384).
        public static let algorithmNotAllowed = Code(rawValue: "algorithm-not-allowed")
        /// The evidence's own creation time is outside the validity of the certificate that signed it.
        public static let timestampOutOfRange = Code(rawValue: "timestamp-out-of-range")
    }

    public var code: Code
    public var reason: String

    public init(_ code: Code, _ reason: String) {
        self.code = code
        self.reason = reason
    }

    public var description: String { "\(code.rawValue): \(reason)" }
}
