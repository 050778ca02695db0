#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// SEV-SNP and TDX evidence through Linux configfs-tsm (kernel 6.7+; ATTESTERS.md §1), the
/// preferred interface for both.
///
/// One request, in the order go-configfs-tsm and libtdx_attest use (§1.2):
/// 1. `mkdir <root>/<unique>`; require `provider` to be `sev_guest` / `tdx_guest`;
/// 2. read `generation` (g0);
/// 3. SEV-SNP with a privilege level: write it to `privlevel` as ASCII;
/// 4. open `inblob`, write the 64 bytes in one write(), close; require `generation` to be
///    g0 plus our writes. configfs applies a binary attribute at close() and ignores errors
///    there, so this check is the only way to see a failed or raced write;
/// 5. read `outblob` (the report or quote; the kernel generates it on this read), and for
///    SEV-SNP `auxblob` (the host's certificate table, often empty);
/// 6. require `generation` unchanged, so outblob and auxblob answer our inblob;
/// 7. `rmdir` the entry, always, also on error: an entry left behind keeps kernel memory.
///
/// Only plain mkdir/open/read/write/close/rmdir are used, so a FUSE tree imitating configfs
/// works the same.
public struct ConfigfsTSMAttester: Attester {
    public static let defaultRoot = "/sys/kernel/config/tsm/report"
    /// `TSM_OUTBLOB_MAX` (32 KiB): the kernel refuses larger reports with EFBIG.
    static let blobLimit = 32 * 1024

    public let tee: AttesterTEE
    public var interface: String { "configfs-tsm" }
    /// The configfs-tsm report directory (`--tsm-root`).
    public let root: String
    /// SEV-SNP only: the VMPL to request the report at (0-3, at least `privlevel_floor`);
    /// nil leaves the kernel's default.
    public let privlevel: UInt32?
    let files: any FileSystem

    /// - Parameters:
    ///   - tee: `.sevSNP` or `.tdx`; anything else fails at `attest` with `bad-request`.
    ///   - root: the report directory, default `/sys/kernel/config/tsm/report`.
    ///   - privlevel: SEV-SNP VMPL for the report (0-3); must be nil for TDX.
    public init(tee: AttesterTEE, root: String = ConfigfsTSMAttester.defaultRoot, privlevel: UInt32? = nil) {
        self.init(tee: tee, root: root, privlevel: privlevel, files: POSIXFileSystem())
    }

    init(tee: AttesterTEE, root: String, privlevel: UInt32?, files: any FileSystem) {
        self.tee = tee
        self.root = root
        self.privlevel = privlevel
        self.files = files
    }

    /// The provider name the kernel writes for each TEE (`provider`, without its newline).
    static func providerName(_ tee: AttesterTEE) -> String? {
        switch tee {
        case .sevSNP: return "sev_guest"
        case .tdx: return "tdx_guest"
        case .sgx, .nitro: return nil
        }
    }

    public func attest(_ request: AttestationRequest) async throws(AttesterError) -> AttesterEvidence {
        let attester = self
        return try await Blocking.run { () throws(AttesterError) in try attester.attestBlocking(request) }
    }

    func attestBlocking(_ request: AttestationRequest) throws(AttesterError) -> AttesterEvidence {
        guard let provider = Self.providerName(tee) else {
            throw AttesterError(.badRequest, "configfs-tsm serves sev-snp and tdx, not \(tee.rawValue)")
        }
        if let privlevel {
            guard tee == .sevSNP else { throw AttesterError(.badRequest, "privlevel applies to SEV-SNP only, not \(tee.rawValue)") }
            guard privlevel <= 3 else { throw AttesterError(.badRequest, "privlevel \(privlevel) is out of range 0-3 (TSM_PRIVLEVEL_MAX)") }
        }
        let entry = try makeEntry()
        var result: Result<AttesterEvidence, AttesterError>
        do throws(AttesterError) {
            result = .success(try generate(in: entry, provider: provider, request: request))
        } catch {
            result = .failure(error)
        }
        do throws(FileSystemError) {
            try files.removeDirectory(entry)
        } catch {
            let note =
                "could not remove the configfs-tsm entry \(entry) (\(AttesterError.describe(errno: error.errno))); remove it with rmdir, it holds kernel memory until then"
            if case .success(let evidence) = result {
                result = .success(
                    AttesterEvidence(
                        tee: evidence.tee, evidence: evidence.evidence, collateral: evidence.collateral,
                        interface: evidence.interface, notes: evidence.notes + [note]))
            } else if case .failure(let failure) = result {
                result = .failure(AttesterError(failure.code, failure.reason + "; also " + note))
            }
        }
        return try result.get()
    }

    /// Makes a fresh, uniquely named entry. mkdir's errors say whether configfs-tsm exists.
    private func makeEntry() throws(AttesterError) -> String {
        for _ in 0..<4 {
            var random = SystemRandomNumberGenerator()
            let name = "leasehold-" + Bytes.hex((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &random) })
            let entry = root + "/" + name
            do throws(FileSystemError) {
                try files.makeDirectory(entry)
                return entry
            } catch {
                switch error.errno {
                case EEXIST: continue
                case ENOENT:
                    throw AttesterError(
                        .interfaceMissing,
                        "no configfs-tsm report directory at \(root) (mkdir \(entry): \(AttesterError.describe(errno: error.errno))); it needs Linux 6.7+ with configfs mounted at /sys/kernel/config, or use the device interface"
                    )
                case ENXIO:
                    throw AttesterError(
                        .interfaceMissing,
                        "configfs-tsm at \(root) has no provider registered (mkdir: \(AttesterError.describe(errno: error.errno))); the \(Self.providerName(tee) ?? tee.rawValue) driver is not loaded"
                    )
                default:
                    throw AttesterError(error)
                }
            }
        }
        throw AttesterError(.deviceError, "could not make a uniquely named entry under \(root): four random names already existed")
    }

    private func generate(in entry: String, provider: String, request: AttestationRequest) throws(AttesterError) -> AttesterEvidence {
        let found = try readAttribute(entry, "provider", limit: 256)
        guard found == Array((provider + "\n").utf8) || found == Array(provider.utf8) else {
            let shown = found.last == 0x0A ? Array(found.dropLast()) : found
            throw AttesterError(.tsmProviderMismatch, "\(entry)/provider is \"\(Bytes.printable(shown))\"; \(tee.rawValue) needs \"\(provider)\"")
        }
        let g0 = try readGeneration(entry)
        var writes: UInt64 = 0
        if let privlevel {
            try writeAttribute(entry, "privlevel", Array(String(privlevel).utf8))
            writes += 1
        }
        try writeAttribute(entry, "inblob", request.reportData)
        writes += 1
        let g1 = try readGeneration(entry)
        let (expected, overflow) = g0.addingReportingOverflow(writes)
        guard !overflow, g1 == expected else {
            throw AttesterError(
                .tsmGenerationMoved,
                "\(entry)/generation is \(g1) after our \(writes) write(s) starting from \(g0), expected \(expected): another writer used the entry or the inblob write failed at close; nothing was sent, retry"
            )
        }
        let outblob = try readAttribute(entry, "outblob", limit: Self.blobLimit)
        guard !outblob.isEmpty else {
            throw AttesterError(.emptyOutblob, "\(entry)/outblob is empty: the \(provider) provider produced no \(tee == .tdx ? "quote" : "report")")
        }
        var auxblob: [UInt8] = []
        if tee == .sevSNP {
            do throws(FileSystemError) {
                auxblob = try files.read(entry + "/auxblob", limit: Self.blobLimit)
            } catch  where error.errno == ENOENT {
                auxblob = []
            } catch {
                throw AttesterError(error)
            }
        }
        let g2 = try readGeneration(entry)
        guard g2 == g1 else {
            throw AttesterError(
                .tsmGenerationMoved,
                "\(entry)/generation moved from \(g1) to \(g2) while outblob was read: the report may answer another request's inblob; nothing was sent, retry"
            )
        }

        let source = "\(entry)/outblob"
        switch tee {
        case .sevSNP:
            let report = try SNPReportFields(parsing: outblob, source: source)
            guard !auxblob.isEmpty else {
                return AttesterEvidence(
                    tee: tee, evidence: outblob, interface: interface,
                    notes: ["the host supplied no certificate table (auxblob is empty); the broker fetches the VCEK itself"])
            }
            let table = try SNPCertificateTable(parsing: auxblob, source: "\(entry)/auxblob")
            let (collateral, notes) = table.collateral(for: report.signingKey)
            return AttesterEvidence(tee: tee, evidence: outblob, collateral: collateral, interface: interface, notes: notes)
        case .tdx:
            try DCAPQuoteShape.check(outblob, tee: .tdx, source: source)
            return AttesterEvidence(tee: tee, evidence: outblob, interface: interface)
        case .sgx, .nitro:
            throw AttesterError(.badRequest, "configfs-tsm serves sev-snp and tdx, not \(tee.rawValue)")
        }
    }

    private func readAttribute(_ entry: String, _ name: String, limit: Int) throws(AttesterError) -> [UInt8] {
        do throws(FileSystemError) {
            return try files.read(entry + "/" + name, limit: limit)
        } catch {
            if error.errno == EFBIG {
                throw AttesterError(.badResponse, "\(entry)/\(name) holds more than \(limit) bytes")
            }
            throw AttesterError(error)
        }
    }

    private func writeAttribute(_ entry: String, _ name: String, _ bytes: [UInt8]) throws(AttesterError) {
        do throws(FileSystemError) {
            try files.write(entry + "/" + name, bytes)
        } catch {
            if name == "privlevel", error.errno == EINVAL {
                throw AttesterError(
                    .badRequest,
                    "\(entry)/privlevel refused \(privlevel.map(String.init) ?? "") (\(AttesterError.describe(errno: error.errno))): it must be at least \(entry)/privlevel_floor and at most 3"
                )
            }
            if error.errno == ENOENT {
                throw AttesterError(
                    .interfaceMissing, "\(entry)/\(name) does not exist: the \(Self.providerName(tee) ?? "") provider does not offer it")
            }
            throw AttesterError(error)
        }
    }

    /// `generation` is `"%lu\n"`: decimal digits and one newline, nothing else.
    private func readGeneration(_ entry: String) throws(AttesterError) -> UInt64 {
        let text = try readAttribute(entry, "generation", limit: 64)
        var digits = text[...]
        if digits.last == UInt8(ascii: "\n") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let value = UInt64(String(decoding: digits, as: UTF8.self))
        else {
            throw AttesterError(.badResponse, "\(entry)/generation is \"\(Bytes.printable(text))\", not a decimal number")
        }
        return value
    }
}
