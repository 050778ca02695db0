import Foundation

/// What checking the documents AMD KDS served for one report established: the times the
/// broker's collateral service may keep each of them.
public struct SNPFetchedCollateral: Sendable, Hashable {
    public var product: SNPProduct
    /// The VCEK or VLEK's notAfter: a VCEK is immutable per (chip, TCB) and kept until then.
    public var endorsementKeyNotAfter: Date
    /// The earlier notAfter of the ASK/ASVK and the ARK (cert_chain).
    public var chainNotAfter: Date
    /// The ARK's CRL, as issued.
    public var crlThisUpdate: Date
    public var crlNextUpdate: Date
}

extension SNPVerifier {
    /// Checks the collateral the broker fetched for `needs` before it is used or kept: the
    /// endorsement key chains to a pinned ARK of one of `needs.products`, every certificate is
    /// valid at `time`, the ARK's CRL is genuine, current and revokes none of the chain
    /// (required here: the broker always has it), and the key vouches for exactly the report's
    /// REPORTED_TCB and (VCEK) hwID. The same checks `verify` makes, without the report's
    /// signature, so a document that would make a grant fail is never cached.
    public static func checkFetched(_ pieces: [[UInt8]], needs: SNPCollateralNeeds, at time: Date) throws(AttestationError) -> SNPFetchedCollateral {
        try checkFetched(pieces, needs: needs, at: time, crlSigner: nil)
    }

    /// `crlSigner` replaces the pinned ARK as the CRL's signer: only tests use it, because no
    /// real ARK-signed CRL is among the vectors and only AMD can make one.
    static func checkFetched(_ pieces: [[UInt8]], needs: SNPCollateralNeeds, at time: Date, crlSigner: AMDCertificate?) throws(AttestationError)
        -> SNPFetchedCollateral
    {
        let (chain, crls) = try SNPVerifier().verifiedChain(pieces)
        guard chain.keyKind == needs.keyKind else {
            throw AttestationError(
                .chainInvalid,
                "the report is signed with the \(needs.keyKind.rawValue), but the fetched endorsement key is a \(chain.keyKind.rawValue)")
        }
        guard needs.products.contains(chain.product) else {
            throw AttestationError(
                .productMismatch,
                "the fetched \(chain.keyKind.rawValue) chains to ARK-\(chain.product.rawValue), not the report's \(needs.products.map(\.rawValue).joined(separator: " or "))"
            )
        }
        try chain.checkValidity(at: time)
        let (vek, ask, ark) = (chain.certificates[0], chain.certificates[1], chain.certificates[2])
        try SNPRevocation.check(
            crls,
            links: [.init(issuer: crlSigner ?? ark, subject: ask, role: "ASK/ASVK"), .init(issuer: ask, subject: vek, role: chain.keyKind.rawValue)],
            product: chain.product, at: time, required: true)
        try checkEndorsement(reported: needs.reportedTCB, chipID: needs.hwID ?? [], masked: needs.hwID == nil, chain, checkChip: needs.hwID != nil)
        guard let crl = crls.filter({ $0.issuer == ark.subject }).max(by: { $0.thisUpdate < $1.thisUpdate }), let next = crl.nextUpdate else {
            throw AttestationError(.collateralMissing, "no current CRL from \(ark.subjectCommonName)")
        }
        return SNPFetchedCollateral(
            product: chain.product, endorsementKeyNotAfter: vek.notAfter, chainNotAfter: min(ask.notAfter, ark.notAfter),
            crlThisUpdate: crl.thisUpdate, crlNextUpdate: next)
    }
}
