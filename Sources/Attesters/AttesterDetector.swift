#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#endif

/// Chooses the attester for `--tee auto` (or for a named TEE) by looking at which kernel
/// interfaces exist, and says why.
///
/// `auto` looks in this fixed order and takes the first that is present:
/// 1. configfs-tsm at `tsmRoot`: a probe entry is made, its `provider` read and the entry
///    removed; `sev_guest` means SEV-SNP, `tdx_guest` TDX (other providers are skipped);
/// 2. `/dev/sev-guest` (SEV-SNP);
/// 3. `/dev/tdx_guest` (TDX, quote through the host's QGS);
/// 4. Gramine's `/dev/attestation/attestation_type` (SGX);
/// 5. `/dev/nsm` (Nitro).
/// Nothing present fails with `interface-missing` listing what was looked at. There is no
/// fallback to sandbox evidence: a workload that meant to run in a TEE and does not must fail.
public struct AttesterDetector: Sendable {
    /// Where each interface lives; every one injectable so tests can point at fakes.
    public struct Paths: Sendable, Hashable {
        public var tsmRoot: String
        public var sevGuest: String
        public var tdxGuest: String
        public var tdxConfig: String
        public var gramine: String
        public var nsm: String

        public init(
            tsmRoot: String = ConfigfsTSMAttester.defaultRoot, sevGuest: String = SEVGuestDeviceAttester.defaultPath,
            tdxGuest: String = TDXGuestDeviceAttester.defaultPath, tdxConfig: String = TDXGuestDeviceAttester.defaultConfigPath,
            gramine: String = GramineSGXAttester.defaultDirectory, nsm: String = NitroNSMAttester.defaultPath
        ) {
            self.tsmRoot = tsmRoot
            self.sevGuest = sevGuest
            self.tdxGuest = tdxGuest
            self.tdxConfig = tdxConfig
            self.gramine = gramine
            self.nsm = nsm
        }
    }

    /// The attester chosen, and why, and what was looked at and passed over.
    public struct Choice: Sendable {
        public let attester: any Attester
        public let reason: String
        public let passedOver: [String]
    }

    public let paths: Paths
    /// SEV-SNP VMPL for the report (configfs `privlevel` / the ioctl's `vmpl`); nil = default.
    public let privlevel: UInt32?
    let files: any FileSystem

    public init(paths: Paths = Paths(), privlevel: UInt32? = nil) {
        self.init(paths: paths, privlevel: privlevel, files: POSIXFileSystem())
    }

    init(paths: Paths, privlevel: UInt32?, files: any FileSystem) {
        self.paths = paths
        self.privlevel = privlevel
        self.files = files
    }

    /// `--tee auto`.
    public func detect() throws(AttesterError) -> Choice {
        var passedOver: [String] = []
        if files.isDirectory(paths.tsmRoot) == true {
            switch try probeProvider() {
            case .some("sev_guest"):
                return Choice(attester: configfs(.sevSNP), reason: "configfs-tsm at \(paths.tsmRoot) has provider sev_guest", passedOver: passedOver)
            case .some("tdx_guest"):
                return Choice(attester: configfs(.tdx), reason: "configfs-tsm at \(paths.tsmRoot) has provider tdx_guest", passedOver: passedOver)
            case .some(let other):
                passedOver.append("configfs-tsm at \(paths.tsmRoot) has provider \"\(other)\", which Leasehold does not attest with")
            case .none:
                passedOver.append("configfs-tsm at \(paths.tsmRoot) has no provider registered")
            }
        } else {
            passedOver.append("no configfs-tsm report directory at \(paths.tsmRoot)")
        }
        if exists(paths.sevGuest) {
            return Choice(attester: sevGuest(), reason: "\(paths.sevGuest) exists (SEV-SNP)", passedOver: passedOver)
        }
        passedOver.append("no \(paths.sevGuest)")
        if exists(paths.tdxGuest) {
            return Choice(attester: tdxGuest(), reason: "\(paths.tdxGuest) exists (TDX)", passedOver: passedOver)
        }
        passedOver.append("no \(paths.tdxGuest)")
        if exists(paths.gramine + "/attestation_type") {
            return Choice(
                attester: GramineSGXAttester(directory: paths.gramine, files: files),
                reason: "\(paths.gramine)/attestation_type exists (Gramine SGX)", passedOver: passedOver)
        }
        passedOver.append("no \(paths.gramine)/attestation_type")
        if exists(paths.nsm) {
            return Choice(attester: NitroNSMAttester(path: paths.nsm), reason: "\(paths.nsm) exists (Nitro)", passedOver: passedOver)
        }
        passedOver.append("no \(paths.nsm)")
        throw AttesterError(
            .interfaceMissing, "no TEE attestation interface found (\(passedOver.joined(separator: "; "))); use --tee sandbox only for development")
    }

    /// A named TEE: its preferred interface when present (configfs-tsm before the device node
    /// for SEV-SNP and TDX), else `interface-missing` naming where it looked.
    public func attester(for tee: AttesterTEE) throws(AttesterError) -> Choice {
        switch tee {
        case .sevSNP, .tdx:
            let device = tee == .sevSNP ? paths.sevGuest : paths.tdxGuest
            if files.isDirectory(paths.tsmRoot) == true {
                return Choice(attester: configfs(tee), reason: "configfs-tsm at \(paths.tsmRoot) exists", passedOver: [])
            }
            let passed = ["no configfs-tsm report directory at \(paths.tsmRoot)"]
            if exists(device) {
                return Choice(attester: tee == .sevSNP ? sevGuest() : tdxGuest(), reason: "\(device) exists", passedOver: passed)
            }
            throw AttesterError(.interfaceMissing, "no \(tee.rawValue) attestation interface: neither \(paths.tsmRoot) nor \(device) exists")
        case .sgx:
            guard exists(paths.gramine + "/attestation_type") else {
                throw AttesterError(
                    .interfaceMissing,
                    "no SGX attestation interface: \(paths.gramine)/attestation_type does not exist (run inside Gramine with sgx.remote_attestation = \"dcap\")"
                )
            }
            return Choice(
                attester: GramineSGXAttester(directory: paths.gramine, files: files), reason: "\(paths.gramine)/attestation_type exists",
                passedOver: [])
        case .nitro:
            guard exists(paths.nsm) else {
                throw AttesterError(.interfaceMissing, "no Nitro attestation interface: \(paths.nsm) does not exist")
            }
            return Choice(attester: NitroNSMAttester(path: paths.nsm), reason: "\(paths.nsm) exists", passedOver: [])
        }
    }

    private func configfs(_ tee: AttesterTEE) -> ConfigfsTSMAttester {
        ConfigfsTSMAttester(tee: tee, root: paths.tsmRoot, privlevel: tee == .sevSNP ? privlevel : nil, files: files)
    }

    private func sevGuest() -> SEVGuestDeviceAttester { SEVGuestDeviceAttester(path: paths.sevGuest, vmpl: privlevel ?? 0) }

    private func tdxGuest() -> TDXGuestDeviceAttester {
        TDXGuestDeviceAttester(device: LinuxIoctlDevice(path: paths.tdxGuest), service: nil, configPath: paths.tdxConfig, files: files)
    }

    private func exists(_ path: String) -> Bool { files.isDirectory(path) != nil }

    /// The provider name of configfs-tsm (without its newline), nil when none is registered.
    /// The probe entry is always removed.
    private func probeProvider() throws(AttesterError) -> String? {
        var random = SystemRandomNumberGenerator()
        let entry = paths.tsmRoot + "/leasehold-probe-" + Bytes.hex((0..<8).map { _ in UInt8.random(in: .min ... .max, using: &random) })
        do throws(FileSystemError) {
            try files.makeDirectory(entry)
        } catch {
            if error.errno == ENXIO { return nil }
            throw AttesterError(error)
        }
        defer { try? files.removeDirectory(entry) }
        let raw: [UInt8]
        do throws(FileSystemError) {
            raw = try files.read(entry + "/provider", limit: 256)
        } catch {
            throw AttesterError(error)
        }
        var name = raw[...]
        if name.last == UInt8(ascii: "\n") { name = name.dropLast() }
        return Bytes.printable(Array(name))
    }
}
