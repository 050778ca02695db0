import Codecs
import Attestation
import Foundation

/// Collateral kept in a directory, for a broker without network (`serve --collateral-dir`):
/// `leasehold collateral fetch --out DIR` fills it on a connected machine, and the broker
/// reads it as if it were a PCCS, with the same verification, freshness and caching rules.
///
/// Layout (one set per TEE, FMSPC, PCK CA and TCB update stage; issuer chains as PEM):
///
/// | file                                    | document                                  |
/// |-----------------------------------------|-------------------------------------------|
/// | `{sgx,tdx}/tcb-FMSPC-UPDATE.json`        | TCB info, as PCS answered                 |
/// | `{sgx,tdx}/tcb-FMSPC-UPDATE.chain.pem`   | its issuer chain (TCB signing cert, root) |
/// | `{sgx,tdx}/qe-identity-UPDATE.json`      | QE identity (QE or TD_QE)                 |
/// | `{sgx,tdx}/qe-identity-UPDATE.chain.pem` | its issuer chain                          |
/// | `sgx/pckcrl-{processor,platform}.der`    | PCK CRL (SGX and TDX alike)               |
/// | `sgx/pckcrl-{processor,platform}.chain.pem` | its issuer chain (PCK CA, root)        |
/// | `sgx/rootcacrl.der`                      | Intel SGX Root CA CRL                     |
/// | `amd/{vcek,vlek}/PRODUCT/cert_chain.pem`  | AMD KDS cert_chain (ASK or ASVK, then ARK) |
/// | `amd/{vcek,vlek}/PRODUCT/crl.der`         | the ARK's CRL                             |
/// | `amd/vcek/PRODUCT/HWID/blB-teeT-snpS-ucodeU[-fmcF].der` | one chip's VCEK at one TCB (HWID lowercase hex) |
///
/// Used as the `CollateralHTTP` of a service whose `IntelPCS` or `AMDKDS` base URL is `baseURL`.
public struct CollateralDirectory: CollateralHTTP {
    /// The base URL a directory-backed `IntelPCS` uses (not a network address).
    public static let baseURL = "collateral-dir:"
    public let path: String

    public init(path: String) { self.path = path }

    /// The file (relative to the directory) holding the answer to `url`, nil for a URL that is
    /// not one of the service's requests.
    public static func file(for url: String) -> String? {
        let rest = url.hasPrefix(baseURL) ? String(url.dropFirst(baseURL.count)) : url
        if rest == IntelPCS.rootCRLDistributionPoint { return "sgx/rootcacrl.der" }
        guard let components = URLComponents(string: rest) else { return nil }
        var query: [String: String] = [:]
        for item in components.queryItems ?? [] { query[item.name] = item.value ?? "" }
        func safe(_ s: String?) -> String? {
            guard let s, !s.isEmpty, s.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x7A).contains($0) }) else { return nil }
            return s
        }
        let parts = components.path.split(separator: "/").map(String.init)
        if parts.count == 4, ["vcek", "vlek"].contains(parts[0]), parts[1] == "v1", let product = SNPProduct(rawValue: parts[2]) {
            switch parts[3] {
            case "cert_chain": return "amd/\(parts[0])/\(product.rawValue)/cert_chain.pem"
            case "crl": return "amd/\(parts[0])/\(product.rawValue)/crl.der"
            default:
                let hwID = parts[3]
                guard parts[0] == "vcek", hwID.utf8.count == 16 || hwID.utf8.count == 128, Hex.decode(hwID) != nil, hwID == hwID.lowercased() else {
                    return nil
                }
                func spl(_ name: String) -> String? {
                    guard let v = query[name], !v.isEmpty, v.utf8.count <= 3, v.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
                    return v
                }
                guard let bl = spl("blSPL"), let tee = spl("teeSPL"), let snp = spl("snpSPL"), let ucode = spl("ucodeSPL") else { return nil }
                let fmc = product == .turin ? spl("fmcSPL").map { "-fmc\($0)" } : ""
                guard let fmc else { return nil }
                return "amd/vcek/\(product.rawValue)/\(hwID)/bl\(bl)-tee\(tee)-snp\(snp)-ucode\(ucode)\(fmc).der"
            }
        }
        guard parts.count >= 4, parts[1] == "certification", parts[2] == "v4", ["sgx", "tdx"].contains(parts[0]) else { return nil }
        switch parts[3...].joined(separator: "/") {
        case "tcb":
            guard let f = safe(query["fmspc"]), let u = safe(query["update"]) else { return nil }
            return "\(parts[0])/tcb-\(f)-\(u).json"
        case "qe/identity":
            guard let u = safe(query["update"]) else { return nil }
            return "\(parts[0])/qe-identity-\(u).json"
        case "pckcrl":
            guard let ca = safe(query["ca"]) else { return nil }
            return "sgx/pckcrl-\(ca).der"
        case "rootcacrl":
            return "sgx/rootcacrl.der"
        default:
            return nil
        }
    }

    static func chainFile(_ file: String) -> String {
        (file.hasSuffix(".json") ? String(file.dropLast(5)) : file.hasSuffix(".der") ? String(file.dropLast(4)) : file) + ".chain.pem"
    }

    public func get(_ url: String) async throws(CollateralError) -> CollateralHTTPResponse {
        guard let file = Self.file(for: url) else { return CollateralHTTPResponse(status: 404, headers: [:], body: []) }
        guard let body = FileManager.default.contents(atPath: path + "/" + file) else {
            return CollateralHTTPResponse(status: 404, headers: [:], body: [])
        }
        var headers: [String: String] = [:]
        if let chain = FileManager.default.contents(atPath: path + "/" + Self.chainFile(file)) {
            // PEM holds no '%': percent-decoding gives it back unchanged.
            let pem = String(decoding: chain, as: UTF8.self)
            for name in ["tcb-info-issuer-chain", "sgx-enclave-identity-issuer-chain", "sgx-pck-crl-issuer-chain"] { headers[name] = pem }
        }
        return CollateralHTTPResponse(status: 200, headers: headers, body: [UInt8](body))
    }

    /// Writes a verified set into the directory (files 0644, directories created).
    public func write(_ supplied: CollateralService.Supplied) throws -> [String] {
        var written: [String] = []
        for document in supplied.documents {
            guard let file = Self.file(for: document.url) else { continue }
            let target = URL(fileURLWithPath: path).appendingPathComponent(file)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(document.body).write(to: target, options: .atomic)
            written.append(file)
            if let chain = document.issuerChain {
                let chainTarget = URL(fileURLWithPath: path).appendingPathComponent(Self.chainFile(file))
                try Data(chain).write(to: chainTarget, options: .atomic)
                written.append(Self.chainFile(file))
            }
        }
        return written
    }
}
