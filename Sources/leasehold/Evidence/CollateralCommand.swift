import Codecs
import ArgumentParser
import Attestation
import Broker
import Storage
import Collateral
import Foundation
import LeaseholdWorkloadCLI
import TransparencyLog

/// `leasehold collateral …`: collateral for brokers without network.
struct CollateralCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "collateral",
        abstract: "Fetch Intel SGX/TDX and AMD SEV-SNP collateral into a directory for `serve --collateral-dir` (air-gapped brokers).",
        subcommands: [CollateralFetch.self, CollateralImport.self]
    )
}

struct CollateralFetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch, verify and write the collateral of some platforms into DIR (the layout `serve --collateral-dir` reads).",
        discussion: """
            Name each platform by one of its quotes (--quote FILE, with --tee sgx or tdx), by --fmspc HEX with --tee and
            --pck-ca, or (--tee sev-snp) by one of its attestation reports (--quote FILE): the VCEK for the report's chip
            and reported TCB, the product's cert chain and the ARK's CRL are fetched from --amd-kds-url.
            Every document is verified (signature chain to the pinned root, freshness) before it is written;
            nothing is written for a platform whose set does not verify. Run it on a connected machine, copy DIR to
            the broker, and run it again before the documents' nextUpdate (Intel's TCB info: about 30 days; AMD's
            CRL: see the date printed). A VCEK changes only with the platform's TCB: fetch again after a firmware update.
            Exit 0: every platform written; 1: one failed (its reason on stderr).
            """
    )

    @Option(help: "Directory to write (created if missing).") var out: String
    @Option(help: "Intel PCS or PCCS base URL.") var intelPcsUrl: String = IntelPCS.intelPCS
    @Option(help: "PEM CA certificate(s) to trust for --intel-pcs-url.") var intelPcsCaFile: String?
    @Option(help: "Intel TCB recovery stage: standard or early (the broker must ask for the same).") var intelTcbUpdate = "standard"
    @Option(help: "AMD KDS base URL (sev-snp).") var amdKdsUrl: String = AMDKDS.amdKDS
    @Option(help: "sgx, tdx or sev-snp.") var tee: String
    @Option(help: "A quote (sgx, tdx) or attestation report (sev-snp) of the platform (repeatable).") var quote: [String] = []
    @Option(help: "A platform's FMSPC, 12 hex digits (repeatable; with --pck-ca).") var fmspc: [String] = []
    @Option(help: "With --fmspc: the PCK CA of those platforms, processor or platform.") var pckCa: String?
    @Option(help: "Check the documents' validity at this time, ISO 8601 (default: now).") var at: String?

    func validate() throws {
        guard let kind = TEE(rawValue: tee), kind == .sgx || kind == .tdx || kind == .sevSNP else {
            throw ValidationError("--tee must be sgx, tdx or sev-snp")
        }
        guard !quote.isEmpty || !fmspc.isEmpty else { throw ValidationError("name at least one platform: --quote FILE or --fmspc HEX") }
        if kind == .sevSNP && !fmspc.isEmpty {
            throw ValidationError("--fmspc is for sgx and tdx; name an SEV-SNP platform by a report (--quote FILE)")
        }
        if !fmspc.isEmpty {
            guard let pckCa, DCAPCollateralNeeds.PCKCA(rawValue: pckCa) != nil else {
                throw ValidationError("--fmspc needs --pck-ca processor or platform")
            }
            for f in fmspc where f.utf8.count != 12 || Hex.decode(f.lowercased()) == nil {
                throw ValidationError("--fmspc \(f) is not 12 hex digits")
            }
        }
        try CollateralOptions.validate(
            url: intelPcsUrl, amdURL: amdKdsUrl, update: intelTcbUpdate, maximumAge: Int(CollateralService.defaultMaximumAge))
        if let at, RFC3339.parse(at) == nil { throw ValidationError("--at \(at) is not an ISO 8601 time") }
    }

    func run() async throws {
        guard let kind = TEE(rawValue: tee) else { return }
        if kind == .sevSNP { return try await fetchSNP() }
        guard
            let service = try CollateralOptions.service(
                url: intelPcsUrl, caFile: intelPcsCaFile, update: intelTcbUpdate,
                maximumAge: Int(CollateralService.defaultMaximumAge))
        else { return }
        var platforms: [DCAPCollateralNeeds] = []
        for file in quote {
            do {
                platforms.append(try DCAPCollateralNeeds.of(quote: EvidenceFile.decode(try CLIFiles.read(file, what: "quote")), tee: kind))
            } catch let e as AttestationError {
                throw CLIFailure(message: "\(file): \(e.code.rawValue): \(e.reason)")
            }
        }
        for f in fmspc {
            platforms.append(
                DCAPCollateralNeeds(tee: kind, fmspc: f.lowercased(), pckCA: DCAPCollateralNeeds.PCKCA(rawValue: pckCa ?? "") ?? .platform))
        }
        let directory = CollateralDirectory(path: out)
        var seen = Set<DCAPCollateralNeeds>()
        for needs in platforms where seen.insert(needs).inserted {
            let supplied: CollateralService.Supplied?
            do { supplied = try await service.collateral(for: needs, at: at.flatMap(RFC3339.parse) ?? Date()) } catch {
                throw CLIFailure(message: "collateral-unavailable: \(kind.rawValue) FMSPC \(needs.fmspc): \(error.description)")
            }
            guard let supplied else { continue }
            let files = try directory.write(supplied)
            print(
                "\(kind.rawValue) FMSPC \(needs.fmspc) (\(needs.pckCA.rawValue) CA): TCB evaluation data number \(supplied.tcbEvaluationDataNumber ?? 0), valid until \(RFC3339.format(supplied.nextUpdate)) (fetch again before then); wrote \(files.count) files to \(out)"
            )
        }
    }
}

extension CollateralFetch {
    /// One set per report: VCEK (or none, for a VLEK or a masked chip), cert chain, CRL.
    func fetchSNP() async throws {
        guard
            let service = try CollateralOptions.service(
                url: nil, amdURL: amdKdsUrl, caFile: intelPcsCaFile, update: intelTcbUpdate,
                maximumAge: Int(CollateralService.defaultMaximumAge))
        else { return }
        let directory = CollateralDirectory(path: out)
        for file in quote {
            let report = EvidenceFile.decode(try CLIFiles.read(file, what: "report"))
            let supplied: CollateralService.Supplied?
            do {
                supplied = try await service.collateral(
                    for: Evidence(tee: .sevSNP, bytes: report, collateral: []), at: at.flatMap(RFC3339.parse) ?? Date())
            } catch {
                throw CLIFailure(message: "collateral-unavailable: sev-snp report \(file): \(error.description)")
            }
            guard let supplied else {
                throw CLIFailure(
                    message:
                        "\(file): not a signed SEV-SNP report whose VCEK KDS serves (a VLEK or a masked CHIP_ID takes its key from the guest's certificate table)"
                )
            }
            let files = try directory.write(supplied)
            print(
                "sev-snp report \(file): CRL valid until \(RFC3339.format(supplied.nextUpdate)) (fetch again before then); wrote \(files.count) files to \(out)"
            )
        }
    }
}

struct CollateralImport: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract:
            "Verify the sets of a collateral directory and load them into a broker's store (every replica of a PostgreSQL database then has them).",
        discussion: """
            DIR is what `collateral fetch --out DIR` wrote. Each set is verified at --at (default now) as the broker would verify it, and stored only if it verifies; a broker then uses it until its nextUpdate (or --collateral-max-age after its fetch), even with no network and no --collateral-dir. Exit 0: every set loaded; 1: a set did not verify (its reason on stderr) or nothing was found.
            """
    )

    @Option(help: "The directory to import.") var from: String
    @Option(help: "The broker's SQLite database.") var db: String?
    @Option(help: "The broker's PostgreSQL database (default: $LEASEHOLD_DATABASE_URL).") var database: String?
    @Option(help: "Check the documents' validity at this time, ISO 8601 (default: now).") var at: String?

    var databaseURL: String? { database ?? CLIFiles.environment("LEASEHOLD_DATABASE_URL") }

    func validate() throws {
        if db != nil && database != nil { throw ValidationError("give one of --db FILE or --database URL, not both") }
        if db == nil && databaseURL == nil { throw ValidationError("give --db FILE or --database URL") }
        if let at, RFC3339.parse(at) == nil { throw ValidationError("--at \(at) is not an ISO 8601 time") }
        if let db, !FileManager.default.fileExists(atPath: db) {
            throw ValidationError("--db \(db) does not exist (a broker's database: DIR/leasehold.db)")
        }
    }

    /// The sets a directory holds: one per TCB info file and PCK CRL found beside it.
    static func sets(in dir: String) -> [(DCAPCollateralNeeds, IntelPCS.Update)] {
        var out: [(DCAPCollateralNeeds, IntelPCS.Update)] = []
        let cas = DCAPCollateralNeeds.PCKCA.allCases.filter { FileManager.default.fileExists(atPath: "\(dir)/sgx/pckcrl-\($0.rawValue).der") }
        for tee in [TEE.sgx, .tdx] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: "\(dir)/\(tee.rawValue)")) ?? []
            for file in files.sorted() where file.hasPrefix("tcb-") && file.hasSuffix(".json") {
                let parts = file.dropFirst(4).dropLast(5).split(separator: "-")
                guard parts.count == 2, let update = IntelPCS.Update(rawValue: String(parts[1])) else { continue }
                for ca in cas { out.append((DCAPCollateralNeeds(tee: tee, fmspc: String(parts[0]), pckCA: ca), update)) }
            }
        }
        return out
    }

    func openStore() async throws -> any BrokerStore {
        if let db {
            do { return try SQLiteStore.open(path: db) } catch { throw CLIFailure(message: error.reason) }
        }
        do {
            return try await PostgresStore.open(try PostgresLocation(url: databaseURL ?? ""), connections: 1)
        } catch {
            throw CLIFailure(message: error.reason)
        }
    }

    /// The SEV-SNP sets a directory holds: one per VCEK file (the chain and CRL of its product beside it).
    static func snpSets(in dir: String) -> [SNPCollateralNeeds] {
        var out: [SNPCollateralNeeds] = []
        for product in SNPProduct.allCases {
            let base = "\(dir)/amd/vcek/\(product.rawValue)"
            for hwID in ((try? FileManager.default.contentsOfDirectory(atPath: base)) ?? []).sorted() {
                guard let chip = Hex.decode(hwID) else { continue }
                for file in ((try? FileManager.default.contentsOfDirectory(atPath: "\(base)/\(hwID)")) ?? []).sorted() where file.hasSuffix(".der") {
                    var spl: [String: UInt8] = [:]
                    for part in file.dropLast(4).split(separator: "-") {
                        guard let i = part.firstIndex(where: { $0.isNumber }), let v = UInt8(part[i...]) else { continue }
                        spl[String(part[..<i])] = v
                    }
                    guard let bl = spl["bl"], let tee = spl["tee"], let snp = spl["snp"], let ucode = spl["ucode"] else { continue }
                    let tcb = SNPTCB(fmc: product == .turin ? spl["fmc"] ?? 0 : nil, bootloader: bl, tee: tee, snp: snp, microcode: ucode)
                    out.append(SNPCollateralNeeds(products: [product], keyKind: .vcek, hwID: chip, reportedTCB: tcb))
                }
            }
        }
        return out
    }

    func run() async throws {
        let sets = Self.sets(in: from)
        let snp = Self.snpSets(in: from)
        guard !sets.isEmpty || !snp.isEmpty else {
            throw CLIFailure(
                message:
                    "\(from) holds no collateral set (tdx/tcb-FMSPC-UPDATE.json with sgx/pckcrl-CA.der, or amd/vcek/PRODUCT/HWID/*.der; see `collateral fetch`)"
            )
        }
        let store = try await openStore()
        let time = at.flatMap(RFC3339.parse) ?? Date()
        var failure: String?
        for (needs, update) in sets {
            let service = CollateralService(
                configuration: .init(intel: IntelPCS(baseURL: CollateralDirectory.baseURL, update: update)),
                http: CollateralDirectory(path: from))
            service.attach(persistence: StoreCollateral(store: store))
            do {
                let s = try await service.fetchAndStore(needs, at: time)
                print(
                    "\(needs.tee.rawValue) FMSPC \(needs.fmspc) (\(needs.pckCA.rawValue) CA, \(update.rawValue)): TCB evaluation data number \(s.tcbEvaluationDataNumber ?? 0), valid until \(RFC3339.format(s.nextUpdate)): loaded"
                )
            } catch {
                FileHandle.standardError.write(
                    Data("leasehold: \(needs.tee.rawValue) FMSPC \(needs.fmspc) (\(needs.pckCA.rawValue) CA): \(error.description)\n".utf8))
                failure = failure ?? "collateral-unavailable: a set in \(from) does not verify"
            }
        }
        for needs in snp {
            let service = CollateralService(
                configuration: .init(amd: AMDKDS(baseURL: CollateralDirectory.baseURL)), http: CollateralDirectory(path: from))
            service.attach(persistence: StoreCollateral(store: store))
            let chip = Hex.encode(needs.hwID ?? []).prefix(16)
            do {
                let s = try await service.fetchAndStore(needs, at: time)
                print(
                    "sev-snp \(needs.products.first?.rawValue ?? "") chip \(chip)… TCB \(needs.reportedTCB): CRL valid until \(RFC3339.format(s.nextUpdate)): loaded"
                )
            } catch {
                FileHandle.standardError.write(Data("leasehold: sev-snp chip \(chip)… TCB \(needs.reportedTCB): \(error.description)\n".utf8))
                failure = failure ?? "collateral-unavailable: a set in \(from) does not verify"
            }
        }
        await store.close()
        if let failure { throw CLIFailure(message: failure) }
    }
}
