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
              misc.count == 4, miscMask.count == 4, attributes.count == 16, attributesMask.count == 16 else {
            throw AttestationError(.collateralInvalid, "QE identity has malformed mrsigner / miscselect / attributes")
        }
        let reportMisc: [UInt8] = (0..<4).map { UInt8(truncatingIfNeeded: report.miscSelect >> (8 * UInt32($0))) }
        guard safeEqual(report.mrSigner, mrSigner), Int(report.isvProdId) == identity.isvprodid,
              maskedEqual(reportMisc, misc, miscMask), maskedEqual(report.attributes, attributes, attributesMask) else {
            throw AttestationError(.chainInvalid, "the QE report does not match Intel's \(identity.id) identity (MRSIGNER, ISVPRODID, MISCSELECT or ATTRIBUTES): the quote was not produced by Intel's quoting enclave")
        }
        for level in identity.tcbLevels where Int(report.isvSvn) >= level.tcb.isvsvn {
            return Finding(status: try .parse(level.tcbStatus, what: "QE identity level"), advisoryIds: level.advisoryIDs ?? [])
        }
        throw AttestationError(.tcbNotSupported, "the QE's ISVSVN \(report.isvSvn) is below every TCB level of Intel's \(identity.id) identity")
    }

    /// The platform's TCB level: the first level (Intel lists them newest first) whose SGX
    /// components and PCESVN the PCK certificate meets, and for TDX whose TDX components
    /// TEE_TCB_SVN meets; then, for TDX, the TDX module identity.
    func evaluatePlatform(_ info: TCBInfo, pck: PCKExtensions, quote: DCAPQuote) throws(AttestationError) -> Finding {
        var teeTcbSvn: [UInt8]?
        if case .td(let body) = quote.body { teeTcbSvn = body.teeTcbSvn }
        for level in info.tcbLevels {
            guard Int(pck.pceSvn) >= level.tcb.pcesvn,
                  atLeast(pck.cpuSvnComponents, level.tcb.sgxtcbcomponents) else { continue }
            if let teeTcbSvn {
                guard let tdx = level.tcb.tdxtcbcomponents, atLeast(teeTcbSvn, tdx) else { continue }
            }
            var finding = Finding(status: try .parse(level.tcbStatus, what: "TCB info level \(level.tcbDate)"),
                                  advisoryIds: level.advisoryIDs ?? [])
            if case .td(let body) = quote.body, let module = try evaluateTDXModule(info, body: body) {
                finding = Finding(status: finding.status.converged(with: module.status),
                                  advisoryIds: finding.advisoryIds + module.advisoryIds)
            }
            return finding
        }
        throw AttestationError(.tcbNotSupported, "no TCB level of the \(info.id) TCB info for FMSPC \(info.fmspc) matches this platform (CPUSVN components \(Hex.encode(pck.cpuSvnComponents)), PCESVN \(pck.pceSvn)\(teeTcbSvn.map { ", TEE_TCB_SVN \(Hex.encode($0))" } ?? "")): Intel does not support this TCB")
    }

    /// TDX module identity (TCB info v3 `tdxModule` / `tdxModuleIdentities`): MRSIGNERSEAM and
    /// masked SEAMATTRIBUTES must match; for module major version > 0 the `TDX_nn` identity's
    /// levels, selected by the module SVN (TEE_TCB_SVN byte 0), give a status to fold in.
    func evaluateTDXModule(_ info: TCBInfo, body: TDReportBody) throws(AttestationError) -> Finding? {
        guard let base = info.tdxModule else {
            throw AttestationError(.collateralInvalid, "TDX TCB info lacks tdxModule")
        }
        let svn = body.teeTcbSvn.first ?? 0
        let major = body.teeTcbSvn.dropFirst().first ?? 0
        var mrsigner = base.mrsigner, attributes = base.attributes, mask = base.attributesMask
        var levels: [TCBInfo.ModuleLevel]?
        if major > 0, let identities = info.tdxModuleIdentities, !identities.isEmpty {
            let hexMajor = Hex.encode([major]).uppercased()
            guard let identity = identities.first(where: { $0.id.uppercased() == "TDX_\(hexMajor)" }) else {
                throw AttestationError(.tcbNotSupported, "the TCB info has no identity for TDX module TDX_\(hexMajor)")
            }
            mrsigner = identity.mrsigner; attributes = identity.attributes; mask = identity.attributesMask
            levels = identity.tcbLevels
        }
        guard let expectedSigner = Hex.decode(mrsigner), let expectedAttributes = Hex.decode(attributes),
              let attributesMask = Hex.decode(mask), expectedSigner.count == 48, expectedAttributes.count == 8,
              attributesMask.count == 8 else {
            throw AttestationError(.collateralInvalid, "TDX module identity has malformed mrsigner / attributes")
        }
        guard safeEqual(body.mrSignerSeam, expectedSigner),
              maskedEqual(body.seamAttributes, expectedAttributes, attributesMask) else {
            throw AttestationError(.chainInvalid, "the TDX module's MRSIGNERSEAM / SEAMATTRIBUTES do not match Intel's TDX module identity")
        }
        guard let levels else { return nil }
        for level in levels where Int(svn) >= level.tcb.isvsvn {
            return Finding(status: try .parse(level.tcbStatus, what: "TDX module level"), advisoryIds: level.advisoryIDs ?? [])
        }
        throw AttestationError(.tcbNotSupported, "the TDX module SVN \(svn) is below every level of TDX_\(Hex.encode([major]).uppercased())")
    }

    private func atLeast(_ actual: [UInt8], _ required: [TCBInfo.Component]) -> Bool {
        guard actual.count == required.count else { return false }
        return zip(actual, required).allSatisfy { Int($0) >= $1.svn }
    }

    private func maskedEqual(_ actual: [UInt8], _ expected: [UInt8], _ mask: [UInt8]) -> Bool {
        guard actual.count == expected.count, expected.count == mask.count else { return false }
        var diff: UInt8 = 0
        for i in mask.indices { diff |= (actual[i] & mask[i]) ^ (expected[i] & mask[i]) }
        return diff == 0
    }
}
