import Codecs
extension DCAPVerifier {
    struct Finding {
        var status: DCAPTCBStatus
        var advisoryIds: [String]
    }

    /// The QE report against Intel's QE identity: the QE must be Intel's (MRSIGNER, ISVPRODID,
    /// masked MISCSELECT and ATTRIBUTES); its ISVSVN then selects a TCB level.
    func evaluateQE(_ report: SGXReportBody, identity: QEIdentity) throws(AttestationError) -> Finding {
        guard let mrSigner = Hex.decode(identity.mrsigner), let misc = Hex.decode(identity.miscselect),
            let miscMask = Hex.decode(identity.miscselectMask), let attributes = Hex.decode(identity.attributes),
            let attributesMask = Hex.decode(identity.attributesMask),
            misc.count == 4, miscMask.count == 4, attributes.count == 16, attributesMask.count == 16
        else {
            throw AttestationError(.collateralInvalid, "QE identity has malformed mrsigner / miscselect / attributes")
        }
        let reportMisc: [UInt8] = (0..<4).map { UInt8(truncatingIfNeeded: report.miscSelect >> (8 * UInt32($0))) }
        guard ConstantTime.equal(report.mrSigner, mrSigner), Int(report.isvProdId) == identity.isvprodid,
            maskedEqual(reportMisc, misc, miscMask), maskedEqual(report.attributes, attributes, attributesMask)
        else {
            throw AttestationError(
                .chainInvalid,
                "the QE report does not match Intel's \(identity.id) identity (MRSIGNER, ISVPRODID, MISCSELECT or ATTRIBUTES): the quote was not produced by Intel's quoting enclave"
            )
        }
        for level in identity.tcbLevels where Int(report.isvSvn) >= level.tcb.isvsvn {
            return Finding(
                status: try .parse(level.tcbStatus, what: "QE identity level", allowed: DCAPTCBStatus.identityLevelStatuses),
                advisoryIds: level.advisoryIDs ?? [])
        }
        throw AttestationError(.tcbNotSupported, "the QE's ISVSVN \(report.isvSvn) is below every TCB level of Intel's \(identity.id) identity")
    }

    /// SGX: the first TCB level (in Intel's order, highest first) whose SGX components and
    /// PCESVN the PCK certificate meets (Intel QVL TcbLevelCheck.cpp, `matchTcbLevels`,
    /// `isCpuSvnHigherOrEqual`).
    func evaluateSGXPlatform(_ info: TCBInfo, pck: PCKExtensions) throws(AttestationError) -> Finding {
        for level in info.tcbLevels where meetsSGX(level, pck) {
            return Finding(
                status: try .parse(level.tcbStatus, what: "TCB info level \(level.tcbDate)"),
                advisoryIds: level.advisoryIDs ?? [])
        }
        throw AttestationError(
            .tcbNotSupported,
            "no TCB level of the \(info.id) TCB info for FMSPC \(info.fmspc) matches this platform (CPUSVN components \(Hex.encode(pck.cpuSvnComponents)), PCESVN \(pck.pceSvn)): Intel does not support this TCB"
        )
    }

    /// TDX: Intel's evaluation, step by step as its Quote Verification Library does it
    /// (intel/SGX-TDX-DCAP-QuoteVerificationLibrary, Src/AttestationLibrary/src/Verifiers):
    ///
    /// 1. The TDX module's identity (`QuoteVerifier::verify`, step 4.1.2.4.11). TEE_TCB_SVN[1]
    ///    is the module's major version. 0 (TDX module 1.0): the TCB info's `tdxModule`.
    ///    Otherwise the `tdxModuleIdentities` entry `TDX_%02X` of that version
    ///    (`findTdxModuleIdentity`, id compared upper-cased); none, or no identities at all,
    ///    refuses. MRSIGNERSEAM must equal its `mrsigner`; SEAMATTRIBUTES must be all zero and
    ///    equal to its `attributes` (Intel's code does not apply `attributesMask` here).
    /// 2. The TCB level (TcbLevelCheck.cpp, `matchTcbLevels`, `isTdxTcbHigherOrEqual`): the
    ///    first level, highest first, whose SGX components and PCESVN the PCK certificate meets
    ///    and whose `tdxtcbcomponents` TEE_TCB_SVN meets, compared from index 0 when the major
    ///    version is 0 and from index 2 otherwise (bytes 0 and 1 are then the module's SVN and
    ///    version, judged in step 3). No such level: not supported.
    /// 3. The module's status (TdxModuleCheck.cpp, `checkTdxModuleTcbStatus`): major version 0
    ///    has none (UpToDate). Otherwise the identity's first level (by ISVSVN, highest first)
    ///    with `isvsvn` <= TEE_TCB_SVN[0]; none: not supported. Only UpToDate, OutOfDate and
    ///    Revoked are valid here.
    /// 4. `convergeTcbStatusWithTdxModuleStatus`: see `DCAPTCBStatus.converged(with:)`.
    /// 5. TD 1.5 quotes (body type 3): `checkForRelaunch` (TDRelaunchCheck.cpp), see
    ///    `relaunchStatus`.
    /// 6. `convergeTcbStatusWithQeTcbStatus` with the QE's status.
    ///
    /// Advisory ids: those of the TCB level and of the module level (the caller adds the QE's).
    func evaluateTDX(
        _ info: TCBInfo, pck: PCKExtensions, body: TDReportBody,
        qe: DCAPTCBStatus
    ) throws(AttestationError) -> TDXTCBEvaluation {
        guard info.id == "TDX", let base = info.tdxModule else {
            throw AttestationError(.collateralInvalid, "a TDX quote needs TDX TCB info with tdxModule, this is \(info.id) TCB info")
        }
        let svn = body.teeTcbSvn
        guard svn.count == 16 else {
            throw AttestationError(.malformed, "TEE_TCB_SVN is \(svn.count) bytes, not 16")
        }
        let moduleSVN = svn[0], major = svn[1]

        // 1. Module identity, MRSIGNERSEAM and SEAMATTRIBUTES.
        var identity: TCBInfo.ModuleIdentity?
        var mrsigner = base.mrsigner, attributes = base.attributes
        if major > 0 {
            guard let identities = info.tdxModuleIdentities else {
                throw AttestationError(.collateralInvalid, "the TDX module's major version is \(major) but the TCB info has no tdxModuleIdentities")
            }
            guard let found = Self.moduleIdentity(identities, major: major) else {
                throw AttestationError(
                    .tcbNotSupported, "the TCB info has no identity \(Self.moduleIdentityId(major)) for the TDX module's major version \(major)")
            }
            identity = found
            mrsigner = found.mrsigner
            attributes = found.attributes
        }
        guard let expectedSigner = Hex.decode(mrsigner), let expectedAttributes = Hex.decode(attributes),
            expectedSigner.count == 48, expectedAttributes.count == 8
        else {
            throw AttestationError(.collateralInvalid, "TDX module identity \(identity?.id ?? "tdxModule") has malformed mrsigner / attributes")
        }
        guard ConstantTime.equal(body.mrSignerSeam, expectedSigner) else {
            throw AttestationError(
                .chainInvalid,
                "the TDX module's MRSIGNERSEAM \(Hex.encode(body.mrSignerSeam)) is not Intel's (\(identity?.id ?? "tdxModule") mrsigner)")
        }
        guard body.seamAttributes.count == 8, body.seamAttributes.allSatisfy({ $0 == 0 }),
            ConstantTime.equal(body.seamAttributes, expectedAttributes)
        else {
            throw AttestationError(
                .chainInvalid,
                "the TDX module's SEAMATTRIBUTES \(Hex.encode(body.seamAttributes)) are not zero and equal to \(identity?.id ?? "tdxModule") attributes \(attributes)"
            )
        }

        // 2. The platform's TCB level.
        let first = major > 0 ? 2 : 0
        var sgxLevel: TCBInfo.Level?
        var tdxLevel: TCBInfo.Level?
        for level in info.tcbLevels where meetsSGX(level, pck) {
            if sgxLevel == nil { sgxLevel = level }
            if let required = level.tcb.tdxtcbcomponents, atLeast(svn, required, from: first) {
                tdxLevel = level
                break
            }
        }
        guard let sgxLevel, let tdxLevel else {
            throw AttestationError(
                .tcbNotSupported,
                "no TCB level of the TDX TCB info for FMSPC \(info.fmspc) matches this platform (CPUSVN components \(Hex.encode(pck.cpuSvnComponents)), PCESVN \(pck.pceSvn), TEE_TCB_SVN \(Hex.encode(svn)) from byte \(first)): Intel does not support this TCB"
            )
        }
        let levelStatus = try DCAPTCBStatus.parse(tdxLevel.tcbStatus, what: "TCB info level \(tdxLevel.tcbDate)")
        let sgxStatus =
            sgxLevel == tdxLevel
            ? levelStatus
            : try DCAPTCBStatus.parse(sgxLevel.tcbStatus, what: "TCB info level \(sgxLevel.tcbDate)")

        // 3. The module's own status.
        var moduleStatus: DCAPTCBStatus?
        var moduleAdvisories: [String] = []
        if let identity {
            guard let level = identity.tcbLevels.first(where: { Int(moduleSVN) >= $0.tcb.isvsvn }) else {
                throw AttestationError(.tcbNotSupported, "the TDX module SVN \(moduleSVN) is below every level of \(identity.id)")
            }
            moduleStatus = try DCAPTCBStatus.parse(
                level.tcbStatus, what: "\(identity.id) level \(level.tcbDate)",
                allowed: DCAPTCBStatus.moduleLevelStatuses)
            moduleAdvisories = level.advisoryIDs ?? []
        }

        // 4. Platform and module; 5. TD 1.5 relaunch; 6. the QE. (A Revoked result stays
        // Revoked through 5 and 6, as Intel returns it at once.)
        var status = levelStatus.converged(with: moduleStatus ?? .upToDate)
        if let svn2 = body.teeTcbSvn2 {
            status = try relaunchStatus(svn2, info: info, sgx: sgxStatus, tdx: status, module: moduleStatus, qe: qe)
        }
        status = status.converged(with: qe)
        return TDXTCBEvaluation(
            status: status, tcbLevelStatus: levelStatus, tcbLevelDate: tdxLevel.tcbDate,
            moduleIdentity: identity?.id, moduleStatus: moduleStatus,
            teeTcbSvn2: body.teeTcbSvn2,
            advisoryIds: (tdxLevel.advisoryIDs ?? []) + moduleAdvisories)
    }

    /// TD 1.5 (Intel QVL TDRelaunchCheck.cpp, `checkForRelaunch`): a TD launched on an
    /// out-of-date TDX module, on a platform that has since loaded a current one, is
    /// TDRelaunchAdvised (relaunching it would make it current) instead of OutOfDate.
    ///
    /// Only when all of these hold: the QE is UpToDate; the SGX TCB level is UpToDate,
    /// SWHardeningNeeded, ConfigurationNeeded or ConfigurationAndSWHardeningNeeded; the status
    /// after the module is OutOfDate or OutOfDateConfigurationNeeded; the module's own status is
    /// OutOfDate (so never for major version 0, which has none). Then TEE_TCB_SVN_2 (the
    /// module now running) is compared with the highest TCB level: with major version
    /// TEE_TCB_SVN_2[1] = 0, bytes 0 and 2 against that level's TDX components 0 and 2;
    /// otherwise byte 0 against the highest level of identity `TDX_%02X` of that version (none:
    /// refused) and byte 2 against the level's component 2. If it meets them: relaunch advised,
    /// with ConfigurationNeeded when the SGX or TDX status needs configuration.
    func relaunchStatus(
        _ svn2: [UInt8], info: TCBInfo, sgx: DCAPTCBStatus, tdx: DCAPTCBStatus,
        module: DCAPTCBStatus?, qe: DCAPTCBStatus
    ) throws(AttestationError) -> DCAPTCBStatus {
        guard qe == .upToDate,
            [.upToDate, .swHardeningNeeded, .configurationNeeded, .configurationAndSWHardeningNeeded].contains(sgx),
            tdx == .outOfDate || tdx == .outOfDateConfigurationNeeded,
            module == .outOfDate
        else { return tdx }
        guard svn2.count == 16 else {
            throw AttestationError(.malformed, "TEE_TCB_SVN_2 is \(svn2.count) bytes, not 16")
        }
        guard let latest = info.tcbLevels.first?.tcb.tdxtcbcomponents, latest.count == 16 else {
            throw AttestationError(.tcbNotSupported, "the TDX TCB info has no TDX TCB level to compare TEE_TCB_SVN_2 with")
        }
        let moduleMinimum: Int
        if svn2[1] == 0 {
            moduleMinimum = latest[0].svn
        } else {
            guard let identity = Self.moduleIdentity(info.tdxModuleIdentities ?? [], major: svn2[1]) else {
                throw AttestationError(
                    .tcbNotSupported,
                    "TEE_TCB_SVN_2 names TDX module major version \(svn2[1]); the TCB info has no identity \(Self.moduleIdentityId(svn2[1]))")
            }
            guard let newest = identity.tcbLevels.first else {
                throw AttestationError(.tcbNotSupported, "\(identity.id) has no TCB levels")
            }
            moduleMinimum = newest.tcb.isvsvn
        }
        guard Int(svn2[0]) >= moduleMinimum, Int(svn2[2]) >= latest[2].svn else { return tdx }
        return sgx.needsConfiguration || tdx.needsConfiguration ? .tdRelaunchAdvisedConfigurationNeeded : .tdRelaunchAdvised
    }

    /// `TDX_` and the major version as two upper-case hex digits (Intel's `bytesToHexString`).
    static func moduleIdentityId(_ major: UInt8) -> String {
        "TDX_" + Hex.encode([major]).uppercased()
    }

    /// The identity whose id, upper-cased, is `TDX_%02X` of `major` (`findTdxModuleIdentity`).
    static func moduleIdentity(_ identities: [TCBInfo.ModuleIdentity], major: UInt8) -> TCBInfo.ModuleIdentity? {
        let id = moduleIdentityId(major)
        return identities.first { $0.id.uppercased() == id }
    }

    private func meetsSGX(_ level: TCBInfo.Level, _ pck: PCKExtensions) -> Bool {
        Int(pck.pceSvn) >= level.tcb.pcesvn && atLeast(pck.cpuSvnComponents, level.tcb.sgxtcbcomponents)
    }

    /// Every byte of `actual` from index `first` on is at least the component SVN at its index.
    private func atLeast(_ actual: [UInt8], _ required: [TCBInfo.Component], from first: Int = 0) -> Bool {
        guard actual.count == required.count else { return false }
        for i in actual.indices where i >= first && Int(actual[i]) < required[i].svn { return false }
        return true
    }

    private func maskedEqual(_ actual: [UInt8], _ expected: [UInt8], _ mask: [UInt8]) -> Bool {
        guard actual.count == expected.count, expected.count == mask.count else { return false }
        var diff: UInt8 = 0
        for i in mask.indices { diff |= (actual[i] & mask[i]) ^ (expected[i] & mask[i]) }
        return diff == 0
    }
}

/// What Intel's TDX TCB evaluation found for one quote (`DCAPVerifier.evaluateTDX`): the status
/// it concludes, and the parts it was concluded from.
struct TDXTCBEvaluation: Sendable, Hashable {
    /// The TCB level's status with the TDX module's, the TD 1.5 relaunch check's and the QE's
    /// folded in: Intel's verdict.
    var status: DCAPTCBStatus
    /// The status of the platform's TDX TCB level alone.
    var tcbLevelStatus: DCAPTCBStatus
    var tcbLevelDate: String
    /// The `tdxModuleIdentities` entry judged (`TDX_01`, ...), nil for major version 0.
    var moduleIdentity: String?
    /// That identity's level status (UpToDate, OutOfDate or Revoked), nil for major version 0.
    var moduleStatus: DCAPTCBStatus?
    /// TD 1.5 only.
    var teeTcbSvn2: [UInt8]?
    /// The TCB level's and the module level's advisories (not sorted, not deduplicated).
    var advisoryIds: [String]

    var relaunchAdvised: Bool { status == .tdRelaunchAdvised || status == .tdRelaunchAdvisedConfigurationNeeded }
}
