import Crypto
import Foundation

/// Verifies that an SEV-SNP attestation report is genuine.
///
/// `evidence.bytes` is the 1184-byte ATTESTATION_REPORT; `evidence.collateral` holds the
/// VCEK or VLEK (DER or PEM) and AMD's cert_chain (ASK/ASVK, optionally the ARK) as PEM or DER,
/// and optionally AMD KDS's CRL (DER or PEM), in any order. The chain must end at an ARK
/// compiled into this binary (`AMDRoots`).
///
/// In order, failing closed:
/// 1. the report parses strictly (`malformed`) and is signed (`signature-invalid` if not);
/// 2. the chain VCEK/VLEK -> ASK/ASVK -> pinned ARK verifies (`collateral-missing`,
///    `chain-invalid`, `signature-invalid`, `product-mismatch`), from the cache when it has
///    been verified before;
/// 3. every certificate is valid at `time` (`certificate-expired`), also on a cache hit;
///    a supplied CRL is genuine, current and does not list the ASK/ASVK (`SNPRevocation`:
///    `signature-invalid`, `crl-stale`, `certificate-revoked`), and with `requireCRL` one
///    must be supplied (`collateral-missing`);
/// 4. the report's CPUID and TCB layout name the chain's product (`product-mismatch`);
/// 5. the VCEK/VLEK vouches for exactly the report's REPORTED_TCB and (VCEK) CHIP_ID
///    (`tcb-mismatch`);
/// 6. the ECDSA P-384 signature over bytes 0x000-0x29F verifies (`signature-invalid`).
///
/// It decides genuineness only; measurement, debug and minimum TCB are `SNPPolicy`'s job.
public struct SNPVerifier: EvidenceVerifier {
    public var tee: TEE { .sevSNP }
    /// Shared between copies of the verifier; pass one cache to every verifier of a broker.
    public let cache: SNPChainCache
    /// Refuse a report whose collateral lacks the ARK's CRL. Off by default: the guest's
    /// extended report carries certificates only; a CRL that is supplied is always checked.
    public let requireCRL: Bool
    private let roots: [SNPProduct: AMDCertificate]

    public init(cache: SNPChainCache = SNPChainCache(), requireCRL: Bool = false) {
        self.cache = cache
        self.requireCRL = requireCRL
        self.roots = AMDRoots.pinned
    }

    public func verify(_ evidence: Evidence, at time: Date) throws(AttestationError) -> any TEEClaims {
        try verifyReport(evidence, at: time)
    }

    /// `verify` with the concrete claims type, for callers that apply `SNPPolicy`.
    public func verifyReport(_ evidence: Evidence, at time: Date) throws(AttestationError) -> SNPClaims {
        guard evidence.tee == .sevSNP else {
            throw AttestationError(.teeNotAllowed, "the SEV-SNP verifier was given \(evidence.tee.rawValue) evidence")
        }
        let report = try SNPReport(parsing: evidence.bytes)
        guard report.signingKey != .none else {
            throw AttestationError(.signatureInvalid, "the report is unsigned (SIGNING_KEY = none); request it from the guest with a VCEK or VLEK")
        }
        let (chain, crls) = try verifiedChain(evidence.collateral)
        guard chain.keyKind == report.signingKey else {
            throw AttestationError(
                .chainInvalid,
                "the report says it was signed with the \(report.signingKey.rawValue), but the collateral holds a \(chain.keyKind.rawValue)")
        }
        try chain.checkValidity(at: time)
        try SNPRevocation.check(crls, chain: chain, at: time, required: requireCRL)
        try Self.checkProduct(report, chain)
        try Self.checkEndorsement(reported: report.reportedTCB, chipID: report.chipID, masked: report.maskChipID, chain)

        let signature: P384.Signing.ECDSASignature
        do {
            signature = try P384.Signing.ECDSASignature(rawRepresentation: report.signature.rawRepresentation)
        } catch {
            throw AttestationError(.signatureInvalid, "the report signature's R or S is not a valid P-384 scalar")
        }
        guard chain.endorsementKey.isValidSignature(signature, for: report.signedBytes) else {
            throw AttestationError(
                .signatureInvalid,
                "the report signature does not verify with the \(chain.keyKind.rawValue) (ECDSA P-384 / SHA-384 over bytes 0x000-0x29F): the report was altered or the \(chain.keyKind.rawValue) belongs to another chip"
            )
        }
        return SNPClaims(report: report, product: chain.product)
    }

    /// The verified chain for the collateral's certificates, from the cache or verified now and
    /// cached, and the collateral's CRLs, parsed (they are checked on every use: freshness
    /// depends on the time).
    func verifiedChain(_ collateral: [[UInt8]]) throws(AttestationError) -> (SNPVerifiedChain, [CertificateRevocationList]) {
        guard !collateral.isEmpty else {
            throw AttestationError(.collateralMissing, "SEV-SNP evidence needs the VCEK or VLEK and AMD's ASK/ARK cert_chain as collateral")
        }
        var ders: [[UInt8]] = []
        var crls: [CertificateRevocationList] = []
        for item in collateral {
            let documents = try AMDCertificate.derDocuments(in: item)
            ders += documents.certificates
            for der in documents.crls {
                do throws(AttestationError) { crls.append(try CertificateRevocationList.parse(der: der)) } catch {
                    throw AttestationError(.collateralInvalid, "a CRL in the collateral does not parse: \(error.reason)")
                }
            }
        }
        let key = SNPChainCache.key(for: ders)
        if let chain = cache.chain(for: key) { return (chain, crls) }
        var certificates: [AMDCertificate] = []
        for der in ders {
            certificates.append(try AMDCertificate(derEncoded: der))
        }
        let chain = try SNPVerifiedChain(certificates: certificates, roots: roots)
        cache.insert(chain, for: key)
        return (chain, crls)
    }

    /// The product is established by the root the chain ends at; the report's CPUID (version 3
    /// and later) and the TCB layout it was decoded with must agree, or the TCB fields would be
    /// read at the wrong offsets.
    private static func checkProduct(_ report: SNPReport, _ chain: SNPVerifiedChain) throws(AttestationError) {
        if let cpuid = report.cpuid {
            guard let product = cpuid.product else {
                throw AttestationError(
                    .productMismatch,
                    "the report's CPUID family 0x\(String(cpuid.family, radix: 16)) model 0x\(String(cpuid.model, radix: 16)) is not an SEV-SNP product (Milan, Genoa, Turin)"
                )
            }
            guard product == chain.product else {
                throw AttestationError(
                    .productMismatch,
                    "the report comes from a \(product.rawValue) processor (CPUID) but its \(chain.keyKind.rawValue) chains to ARK-\(chain.product.rawValue)"
                )
            }
        }
        guard report.tcbLayout == chain.product.tcbLayout else {
            throw AttestationError(
                .productMismatch,
                "the report carries no \(chain.product.rawValue) CPUID, so its TCB cannot be read with the \(chain.product.rawValue) layout")
        }
    }

    /// AMD issues a VCEK for exactly one chip at exactly one TCB; a VLEK for one TCB. The report
    /// must claim that same TCB and chip, or the key does not vouch for it.
    static func checkEndorsement(reported: SNPTCB, chipID reportChipID: [UInt8], masked: Bool, _ chain: SNPVerifiedChain, checkChip: Bool = true)
        throws(AttestationError)
    {
        let e = chain.endorsement
        guard let bootloader = e.bootloader, let tee = e.tee, let snp = e.snp, let microcode = e.microcode else {
            throw AttestationError(.chainInvalid, "the \(chain.keyKind.rawValue) lacks one of the blSPL, teeSPL, snpSPL, ucodeSPL extensions")
        }
        var certified = SNPTCB(bootloader: bootloader, tee: tee, snp: snp, microcode: microcode)
        if chain.product.tcbLayout == .turin {
            guard let fmc = e.fmc else {
                throw AttestationError(.chainInvalid, "the Turin \(chain.keyKind.rawValue) lacks the fmcSPL extension")
            }
            certified = SNPTCB(fmc: fmc, bootloader: bootloader, tee: tee, snp: snp, microcode: microcode)
        }
        guard certified.fmc == reported.fmc, certified.bootloader == reported.bootloader, certified.tee == reported.tee,
            certified.snp == reported.snp, certified.microcode == reported.microcode
        else {
            throw AttestationError(
                .tcbMismatch,
                "the report's REPORTED_TCB (\(reported)) differs from the TCB its \(chain.keyKind.rawValue) was issued for (\(certified)); fetch the \(chain.keyKind.rawValue) for the reported TCB"
            )
        }
        guard chain.keyKind == .vcek, checkChip else { return }
        guard let hwID = e.hwID else {
            throw AttestationError(.chainInvalid, "the VCEK has no hwID extension")
        }
        // Turin VCEKs carry the first 8 bytes of CHIP_ID; earlier products all 64.
        let chipID = hwID.count == 8 && chain.product == .turin ? Array(reportChipID.prefix(8)) : reportChipID
        guard hwID == chipID else {
            let why = masked ? " (MASK_CHIP_ID is set, so the report's CHIP_ID is zero)" : ""
            throw AttestationError(.tcbMismatch, "the report's CHIP_ID differs from the VCEK's hwID: the VCEK belongs to another chip\(why)")
        }
    }
}
