import Foundation

/// What AMD KDS must supply for one SEV-SNP report, read from the report alone (AMD spec 57230
/// ch. 4; ATTESTERS.md 5.4). Decides nothing: the documents fetched for it are checked by
/// `SNPVerifier.checkFetched`, and the report itself by `SNPVerifier`.
///
/// | field       | from the report                                   | KDS uses it as                      |
/// |-------------|---------------------------------------------------|-------------------------------------|
/// | products    | CPUID family/model (v3+); v2: Milan, then Genoa   | `/vcek/v1/{product}/…`              |
/// | keyKind     | SIGNING_KEY (VCEK or VLEK; none is not fetchable) | `/vcek/…` or `/vlek/…`              |
/// | hwID        | CHIP_ID (Turin: first 8 bytes); nil if masked     | `/vcek/v1/{product}/{hwid}`         |
/// | reportedTCB | REPORTED_TCB (not CURRENT or COMMITTED)           | `blSPL`, `teeSPL`, `snpSPL`, `ucodeSPL`, Turin `fmcSPL` |
///
/// KDS issues a VLEK only to a cloud provider (it needs the provider's secret), and a VCEK
/// cannot be named for a report whose CHIP_ID is masked: for those the endorsement key comes
/// from the evidence's own certificate table, and KDS supplies the chain and the CRL.
public struct SNPCollateralNeeds: Sendable, Hashable {
    /// Products to try, in order: one when the report names its CPUID.
    public var products: [SNPProduct]
    /// `.vcek` or `.vlek`.
    public var keyKind: SNPReport.SigningKey
    /// The chip's hwID as KDS names it, nil when the VCEK cannot be fetched (VLEK, masked chip).
    public var hwID: [UInt8]?
    public var reportedTCB: SNPTCB

    public init(products: [SNPProduct], keyKind: SNPReport.SigningKey, hwID: [UInt8]?, reportedTCB: SNPTCB) {
        self.products = products; self.keyKind = keyKind; self.hwID = hwID; self.reportedTCB = reportedTCB
    }

    /// The needs of `report` (the raw 1184-byte ATTESTATION_REPORT).
    public static func of(report bytes: [UInt8]) throws(AttestationError) -> SNPCollateralNeeds {
        let report = try SNPReport(parsing: bytes)
        guard report.signingKey != .none else {
            throw AttestationError(.signatureInvalid, "the report is unsigned (SIGNING_KEY = none): there is no endorsement key to fetch")
        }
        let products: [SNPProduct]
        if let cpuid = report.cpuid {
            guard let product = cpuid.product else {
                throw AttestationError(
                    .productMismatch,
                    "the report's CPUID family 0x\(String(cpuid.family, radix: 16)) model 0x\(String(cpuid.model, radix: 16)) is not an SEV-SNP product"
                )
            }
            products = [product]
        } else {
            products = [.milan, .genoa]
        }
        var hwID: [UInt8]?
        if report.signingKey == .vcek && !report.maskChipID && report.chipID.contains(where: { $0 != 0 }) {
            hwID = products == [.turin] ? Array(report.chipID.prefix(8)) : report.chipID
        }
        return SNPCollateralNeeds(products: products, keyKind: report.signingKey, hwID: hwID, reportedTCB: report.reportedTCB)
    }

    /// The one endorsement key certificate (EC P-384, DER) among the evidence's own collateral,
    /// for a report whose key KDS cannot serve; nil when there is not exactly one.
    public static func endorsementKey(in collateral: [[UInt8]]) -> [UInt8]? {
        var found: [[UInt8]] = []
        for item in collateral {
            guard let documents = try? AMDCertificate.derDocuments(in: item) else { continue }
            for der in documents.certificates {
                if let certificate = try? AMDCertificate(derEncoded: der), case .p384 = certificate.publicKey { found.append(der) }
            }
        }
        return found.count == 1 ? found[0] : nil
    }
}
