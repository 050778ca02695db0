import Codecs
import LeaseholdWorkloadCLI
import ArgumentParser
import Attestation
import Collateral
import Foundation
import TransparencyLog

/// `leasehold evidence verify`: check one piece of attestation evidence outside any lease.
/// Flags are shared by every TEE and stable: scripts rely on them.
struct EvidenceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evidence",
        abstract: "Verify TEE attestation evidence.",
        subcommands: [EvidenceVerify.self]
    )
}

struct EvidenceVerify: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Verify a report, quote or attestation document against pinned vendor roots.",
        discussion: """
            FILE may be raw binary, hex text or base64 text. Exit 0: genuine and acceptable under the default policy (debug refused, DCAP TCB status UpToDate only); exit 1: refused, with one line on stderr starting with the reason code; exit 2: usage.

              sev-snp: --chain takes the VCEK/VLEK (DER or PEM), the ASK/ARK PEM and optionally AMD KDS's CRL
                       (DER or PEM; checked when given, required with --require-crl); an unpinned ARK is refused.
              nitro:   the document carries its CA bundle; cabundle[0] must be the pinned AWS Nitro root.
              sgx/tdx: --collateral takes TCB info, QE identity, CRLs (DER or PEM), issuer chains, or a dcap-qvl
                       collateral JSON, recognised by content. Without CRLs the quote is refused unless --allow-missing-crl.
                       Or --intel-pcs-url: fetch and verify the collateral from Intel PCS or a PCCS, as `serve` does
                       (an unreachable upstream exits 1 with collateral-unavailable).
              sev-snp: or --amd-kds-url: fetch the VCEK, the cert chain and the ARK's CRL from AMD KDS as `serve` does
                       (the CRL is then required; a VLEK still comes from --chain). --collateral-dir serves both vendors.
            """
    )

    @Option(help: "sev-snp, sgx, tdx or nitro.") var tee: String
    @Option(help: "The evidence file.") var evidence: String
    @Option(help: "A certificate file (sev-snp; repeatable).") var chain: [String] = []
    @Option(help: "A collateral file (sgx/tdx; repeatable).") var collateral: [String] = []
    @Option(help: "Verification time, ISO 8601 (fractional seconds allowed). Default: now.") var at: String?
    @Flag(help: "Accept evidence from a debug TEE.") var allowDebug = false
    @Option(name: .customLong("accept-tcb"), help: "Accepted DCAP TCB statuses, comma-separated (default UpToDate).") var acceptTCB: String?
    @Flag(help: "Accept a DCAP quote without CRLs (revocation then goes unchecked).") var allowMissingCrl = false
    @Flag(help: "Refuse SEV-SNP evidence without AMD KDS's CRL among the --chain files.") var requireCrl = false
    @Flag(help: "Print the claims as one JSON object.") var json = false
    @Option(help: "sgx/tdx: fetch the collateral from this Intel PCS or PCCS base URL instead of --collateral files.") var intelPcsUrl: String?
    @Option(help: "PEM CA certificate(s) to trust for --intel-pcs-url.") var intelPcsCaFile: String?
    @Option(help: "sev-snp: fetch the VCEK, chain and CRL from this AMD KDS base URL instead of --chain files.") var amdKdsUrl: String?
    @Option(help: "sgx/tdx/sev-snp: read the collateral from this directory (`collateral fetch --out DIR`), as `serve --collateral-dir` does.")
    var collateralDir: String?
    @Option(help: "Intel TCB recovery stage: standard or early.") var intelTcbUpdate = "standard"

    func validate() throws {
        guard let kind = TEE(rawValue: tee), kind != .sandbox else {
            throw ValidationError("--tee must be one of: sev-snp, sgx, tdx, nitro")
        }
        if kind == .sevSNP && !collateral.isEmpty { throw ValidationError("sev-snp takes its certificates with --chain, not --collateral") }
        if kind != .sevSNP && requireCrl { throw ValidationError("--require-crl is for sev-snp (sgx/tdx require CRLs unless --allow-missing-crl)") }
        if kind == .nitro && !(chain.isEmpty && collateral.isEmpty) {
            throw ValidationError("nitro carries its certificates inside the document: no --chain or --collateral")
        }
        if kind != .sevSNP && !chain.isEmpty { throw ValidationError("\(tee) takes its certificates with --collateral, not --chain") }
        if intelPcsUrl != nil {
            guard kind == .sgx || kind == .tdx else { throw ValidationError("--intel-pcs-url is for sgx and tdx evidence") }
        }
        if amdKdsUrl != nil {
            guard kind == .sevSNP else { throw ValidationError("--amd-kds-url is for sev-snp evidence") }
        }
        if collateralDir != nil {
            guard kind != .nitro else { throw ValidationError("--collateral-dir is for sgx, tdx and sev-snp evidence") }
        }
        if intelPcsUrl != nil || amdKdsUrl != nil || collateralDir != nil {
            guard collateral.isEmpty else {
                throw ValidationError("give --intel-pcs-url (or --collateral-dir) or --collateral files, not both: the fetched collateral decides")
            }
        }
        try CollateralOptions.validate(
            url: intelPcsUrl, amdURL: amdKdsUrl, directory: collateralDir, update: intelTcbUpdate,
            maximumAge: Int(CollateralService.defaultMaximumAge))
        if let at, RFC3339.parse(at) == nil { throw ValidationError("--at \(at) is not an ISO 8601 time such as 2026-06-01T00:00:00Z") }
    }

    func run() async throws {
        let kind = TEE(rawValue: tee)!
        let time = at.flatMap(RFC3339.parse) ?? Date()
        let bytes = EvidenceFile.decode(try CLIFiles.read(evidence, what: "evidence"))
        var extra = try (chain + collateral).map { try CLIFiles.read($0, what: "collateral") }
        var fetched = false
        if let service = try CollateralOptions.service(
            url: intelPcsUrl, amdURL: amdKdsUrl, directory: collateralDir, caFile: intelPcsCaFile, update: intelTcbUpdate,
            maximumAge: Int(CollateralService.defaultMaximumAge))
        {
            fetched = service.handles(kind)
            do {
                extra = try await service.collateral(for: Evidence(tee: kind, bytes: bytes, collateral: extra), at: time)?.pieces ?? extra
            } catch {
                throw CLIFailure(message: "refused: collateral-unavailable: \(error.description)")
            }
        }
        var policy = EvidencePolicy(allowDebug: allowDebug)
        if let acceptTCB {
            policy.acceptedTCBStatuses = Set(acceptTCB.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        }
        let claims: any TEEClaims
        do {
            let verifier = try Self.verifier(for: kind, allowMissingCRL: allowMissingCrl, requireSNPCRL: requireCrl || (fetched && kind == .sevSNP))
            claims = try verifier.verify(Evidence(tee: kind, bytes: bytes, collateral: extra), at: time)
            try policy.check(claims)
        } catch {
            throw CLIFailure(message: "refused: \(error.code.rawValue): \(error.reason)")
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let data = (try? encoder.encode(claims)) ?? Data("{}".utf8)
            print(String(decoding: data, as: UTF8.self))
        } else {
            var line = "ok: \(kind.rawValue) measurement \(Hex.encode(claims.measurement))"
            if let status = claims.tcbStatus { line += ", TCB \(status)" }
            print(line)
        }
    }

    static func verifier(for tee: TEE, allowMissingCRL: Bool, requireSNPCRL: Bool = false) throws(AttestationError) -> any EvidenceVerifier {
        switch tee {
        case .sevSNP: return SNPVerifier(requireCRL: requireSNPCRL)
        case .sgx, .tdx: return try DCAPVerifier(tee: tee, allowMissingCRL: allowMissingCRL)
        case .nitro: return NitroVerifier()
        default: throw AttestationError(.teeNotAllowed, "no verifier for \(tee.rawValue) in this build")
        }
    }
}
