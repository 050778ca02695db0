/// The AMD EPYC generations that run SEV-SNP, each with its own root key (ARK) and KDS endpoint.
///
/// The product decides which pinned root a VCEK must chain to and how TCB_VERSION is laid out
/// (Turin added an FMC field), so it is established from the chain and cross-checked against
/// the report's CPUID and the VCEK's productName extension rather than trusted from one source.
public enum SNPProduct: String, Sendable, Hashable, Codable, CaseIterable {
    case milan = "Milan"
    case genoa = "Genoa"
    case turin = "Turin"

    /// Maps the report's CPUID family/model (report version 3 and later) to a product.
    ///
    /// Family 19h models 00h-0Fh are Milan (Zen 3); 10h-1Fh and A0h-AFh are Genoa, Bergamo and
    /// Siena (Zen 4, all served by the Genoa ARK); family 1Ah models 00h-1Fh are Turin and Turin
    /// dense (Zen 5). Anything else is not a server part AMD issues VCEKs for.
    init?(cpuidFamily family: UInt8, model: UInt8) {
        switch (family, model) {
        case (0x19, 0x00...0x0F): self = .milan
        case (0x19, 0x10...0x1F), (0x19, 0xA0...0xAF): self = .genoa
        case (0x1A, 0x00...0x1F): self = .turin
        default: return nil
        }
    }

    /// Maps a VCEK/VLEK productName extension ("Milan-B0", "Genoa", "Turin-…") to a product:
    /// the part before the stepping suffix must name the product exactly.
    init?(productName: String) {
        let base = productName.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        guard let product = SNPProduct(rawValue: base) else { return nil }
        self = product
    }

    /// How this product lays out TCB_VERSION.
    var tcbLayout: SNPTCB.Layout { self == .turin ? .turin : .legacy }
}
