import Codecs
import Attestation
import Foundation

/// AMD's Key Distribution Service, or a mirror of it (the same paths under another base URL):
/// what to GET for one report's `SNPCollateralNeeds`. Decides nothing:
/// `SNPVerifier.checkFetched` verifies what comes back (ATTESTERS.md 5.4; AMD spec 57230 ch. 4).
///
/// | document   | GET (base URL +)                                                         | body          |
/// |------------|--------------------------------------------------------------------------|---------------|
/// | VCEK       | `/vcek/v1/{product}/{hwid}?blSPL=B&teeSPL=T&snpSPL=S&ucodeSPL=U` (Turin: `&fmcSPL=F`) | DER certificate |
/// | cert_chain | `/{vcek,vlek}/v1/{product}/cert_chain`                                   | PEM: ASK (or ASVK), then ARK |
/// | CRL        | `/{vcek,vlek}/v1/{product}/crl`                                          | DER CRL signed by the ARK |
///
/// `hwid` is lowercase hex of CHIP_ID (Turin: its first 8 bytes); SPLs are decimal, from
/// REPORTED_TCB. A VLEK is never fetched: KDS serves it only with a cloud provider's secret.
public struct AMDKDS: Sendable, Hashable {
    /// AMD's own service.
    public static let amdKDS = "https://kdsintf.amd.com"

    public var baseURL: String

    public init(baseURL: String = AMDKDS.amdKDS) {
        var base = baseURL
        while base.hasSuffix("/") { base.removeLast() }
        self.baseURL = base
    }

    /// `vcek` or `vlek`: the KDS path segment of a key kind.
    static func segment(_ kind: SNPReport.SigningKey) -> String { kind == .vlek ? "vlek" : "vcek" }

    public func vcekURL(product: SNPProduct, hwID: [UInt8], tcb: SNPTCB) -> String {
        var url =
            "\(baseURL)/vcek/v1/\(product.rawValue)/\(Hex.encode(hwID))?blSPL=\(tcb.bootloader)&teeSPL=\(tcb.tee)&snpSPL=\(tcb.snp)&ucodeSPL=\(tcb.microcode)"
        if product == .turin { url += "&fmcSPL=\(tcb.fmc ?? 0)" }
        return url
    }

    public func chainURL(_ kind: SNPReport.SigningKey, product: SNPProduct) -> String {
        "\(baseURL)/\(Self.segment(kind))/v1/\(product.rawValue)/cert_chain"
    }

    public func crlURL(_ kind: SNPReport.SigningKey, product: SNPProduct) -> String {
        "\(baseURL)/\(Self.segment(kind))/v1/\(product.rawValue)/crl"
    }
}
