import Foundation
import Testing
@testable import Attestation

/// Synthetic TDX TCB infos, parsed by `TCBInfo.parse` as Intel's would be, for the TCB evaluation
/// rules the real vectors cannot reach. The evaluation runs after every signature and freshness
/// check, on parsed values only, so these tests call it directly (`DCAPVerifier.evaluateTDX`).
enum SyntheticTDX {
    static let intelSigner = String(repeating: "00", count: 48)
    static let otherSigner = String(repeating: "11", count: 48)
    /// The PCK certificate's SGX TCB components and PCESVN for every test platform.
    static let pckComponents: [UInt8] = [5, 5, 2, 2, 3, 1, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0]
    static let pckPCESVN: UInt16 = 11

    static func components(_ prefix: [Int]) -> [[String: Any]] {
        (prefix + Array(repeating: 0, count: 16 - prefix.count)).map { ["svn": $0] }
    }

    static func level(
        sgx: [Int] = [5, 5, 2, 2, 3, 1, 0, 3], pcesvn: Int = 11, tdx: [Int], status: String,
        date: String = "2024-01-01T00:00:00Z", advisories: [String]? = nil
    ) -> [String: Any] {
        var level: [String: Any] = [
            "tcb": ["sgxtcbcomponents": components(sgx), "pcesvn": pcesvn, "tdxtcbcomponents": components(tdx)],
            "tcbDate": date, "tcbStatus": status,
        ]
        if let advisories { level["advisoryIDs"] = advisories }
        return level
    }

    static func identity(
        _ id: String, mrsigner: String = intelSigner, attributes: String = "0000000000000000",
        mask: String = "FFFFFFFFFFFFFFFF", levels: [(isvsvn: Int, status: String, advisories: [String]?)]
    ) -> [String: Any] {
        [
            "id": id, "mrsigner": mrsigner, "attributes": attributes, "attributesMask": mask,
            "tcbLevels": levels.map { l -> [String: Any] in
                var level: [String: Any] = ["tcb": ["isvsvn": l.isvsvn], "tcbDate": "2024-01-01T00:00:00Z", "tcbStatus": l.status]
                if let a = l.advisories { level["advisoryIDs"] = a }
                return level
            },
        ]
    }

    /// TDX_01 as Intel publishes it: SVN 4 and up current, 2 and 3 out of date.
    static var tdx01: [String: Any] { identity("TDX_01", levels: [(4, "UpToDate", nil), (2, "OutOfDate", ["INTEL-SA-01036"])]) }

    static func tcbInfo(
        _ levels: [[String: Any]], identities: [[String: Any]]? = [tdx01],
        module: [String: Any] = [
            "mrsigner": intelSigner, "attributes": "0000000000000000",
            "attributesMask": "FFFFFFFFFFFFFFFF",
        ]
    ) throws -> TCBInfo {
        var info: [String: Any] = [
            "id": "TDX", "version": 3, "issueDate": "2024-01-01T00:00:00Z", "nextUpdate": "2024-02-01T00:00:00Z",
            "fmspc": "50806F000000", "pceId": "0000", "tcbType": 0, "tcbEvaluationDataNumber": 17,
            "tdxModule": module, "tcbLevels": levels,
        ]
        if let identities { info["tdxModuleIdentities"] = identities }
        return try TCBInfo.parse([UInt8](try JSONSerialization.data(withJSONObject: info)))
    }

    static var pck: PCKExtensions {
        PCKExtensions(
            ppid: Array(repeating: 0, count: 16), cpuSvnComponents: pckComponents, pceSvn: pckPCESVN,
            cpuSvn: pckComponents, pceId: [0, 0], fmspc: [0x50, 0x80, 0x6F, 0, 0, 0])
    }

    /// A TD report body with this TEE_TCB_SVN (and TEE_TCB_SVN_2 for a TD 1.5 body).
    static func body(
        _ svn: [UInt8], svn2: [UInt8]? = nil, mrSignerSeam: [UInt8] = Array(repeating: 0, count: 48),
        seamAttributes: [UInt8] = Array(repeating: 0, count: 8)
    ) -> TDReportBody {
        let z48 = [UInt8](repeating: 0, count: 48)
        var body = TDReportBody(
            teeTcbSvn: svn + Array(repeating: 0, count: 16 - svn.count), mrSeam: z48,
            mrSignerSeam: mrSignerSeam, seamAttributes: seamAttributes,
            tdAttributes: Array(repeating: 0, count: 8), xfam: Array(repeating: 0, count: 8), mrTd: z48,
            mrConfigId: z48, mrOwner: z48, mrOwnerConfig: z48, rtmrs: Array(repeating: z48, count: 4),
            reportData: Array(repeating: 0, count: 64))
        if let svn2 {
            body.teeTcbSvn2 = svn2 + Array(repeating: 0, count: 16 - svn2.count)
            body.mrServiceTd = z48
        }
        return body
    }

    static func evaluate(_ info: TCBInfo, _ body: TDReportBody, qe: DCAPTCBStatus = .upToDate) throws -> TDXTCBEvaluation {
        try DCAPVerifier(tee: .tdx).evaluateTDX(info, pck: pck, body: body, qe: qe)
    }

    static func errorCode(_ info: TCBInfo, _ body: TDReportBody, qe: DCAPTCBStatus = .upToDate) -> AttestationError.Code? {
        dcapErrorCode { _ = try evaluate(info, body, qe: qe) }
    }
}

@Suite("TDX TCB evaluation: Intel's QVL rules on synthetic TCB infos")
struct TDXTCBEvaluationTests {
    typealias S = SyntheticTDX

    /// Two platform levels as Intel lists them: current needs TDX component 0 (the module SVN
    /// under TDX 1.0) at 5 and component 2 at 3; the older one 3 and 2.
    static func twoLevels() throws -> TCBInfo {
        try S.tcbInfo([
            S.level(tdx: [5, 0, 3], status: "UpToDate"),
            S.level(tdx: [3, 0, 2], status: "OutOfDate", date: "2023-01-01T00:00:00Z", advisories: ["INTEL-SA-00837"]),
        ])
    }

    // MARK: - TCB level matching (TcbLevelCheck.cpp, isTdxTcbHigherOrEqual)

    @Test("major version 0: TEE_TCB_SVN is compared from byte 0, and no module identity is consulted")
    func majorZeroComparesFromByteZero() throws {
        let info = try Self.twoLevels()
        let low = try S.evaluate(info, S.body([4, 0, 3]))  // byte 0 (4) below the current level's 5
        #expect(low.status == .outOfDate)
        #expect(low.tcbLevelDate == "2023-01-01T00:00:00Z")
        #expect(low.moduleIdentity == nil && low.moduleStatus == nil)
        let current = try S.evaluate(info, S.body([5, 0, 3]))
        #expect(current.status == .upToDate && current.moduleIdentity == nil)
    }

    @Test("major version > 0: TEE_TCB_SVN is compared from byte 2, bytes 0 and 1 are the module's (issue #11)")
    func nonZeroMajorComparesFromByteTwo() throws {
        let info = try Self.twoLevels()
        // Byte 0 (module SVN 4) is below the level's component 0 (5): compared from byte 0, as
        // before, this would fall to the OutOfDate level. Intel skips bytes 0 and 1.
        let result = try S.evaluate(info, S.body([4, 1, 3]))
        #expect(result.tcbLevelStatus == .upToDate)
        #expect(result.tcbLevelDate == "2024-01-01T00:00:00Z")
        #expect(result.status == .upToDate)
        #expect(result.moduleIdentity == "TDX_01" && result.moduleStatus == .upToDate)
        // Bytes from 2 on still select: byte 2 = 2 is below the current level's 3.
        #expect(try S.evaluate(info, S.body([4, 1, 2])).tcbLevelDate == "2023-01-01T00:00:00Z")
    }

    @Test("no TCB level whose SGX components, PCESVN and TDX components the platform meets: tcb-not-supported")
    func noMatchingLevel() throws {
        let info = try S.tcbInfo([S.level(tdx: [5, 0, 3], status: "UpToDate")])
        #expect(S.errorCode(info, S.body([5, 0, 2])) == .tcbNotSupported)
        let sgxTooHigh = try S.tcbInfo([S.level(sgx: [6, 6], tdx: [0], status: "UpToDate")])
        #expect(S.errorCode(sgxTooHigh, S.body([5, 0, 3])) == .tcbNotSupported)
        let pceTooHigh = try S.tcbInfo([S.level(pcesvn: 12, tdx: [0], status: "UpToDate")])
        #expect(S.errorCode(pceTooHigh, S.body([5, 0, 3])) == .tcbNotSupported)
    }

    @Test("the status is the TDX-matched level's, not the first SGX-matched level's")
    func statusFromTDXLevel() throws {
        // Both levels meet the PCK's SGX components; only the second meets TEE_TCB_SVN.
        let info = try Self.twoLevels()
        #expect(try S.evaluate(info, S.body([3, 0, 2])).status == .outOfDate)
    }

    @Test("levels are evaluated in Intel's order (highest first), whatever the JSON order")
    func levelsInIntelOrder() throws {
        let reversed = try S.tcbInfo([
            S.level(tdx: [3, 0, 2], status: "OutOfDate", date: "2023-01-01T00:00:00Z"),
            S.level(tdx: [5, 0, 3], status: "UpToDate"),
        ])
        #expect(reversed.tcbLevels.first?.tcbStatus == "UpToDate")
        #expect(try S.evaluate(reversed, S.body([5, 0, 3])).status == .upToDate)
        // SGX components first, then PCESVN: a higher PCESVN with lower components ranks below.
        let mixed = try S.tcbInfo([
            S.level(sgx: [4, 4], pcesvn: 11, tdx: [0], status: "OutOfDate"),
            S.level(sgx: [5, 5], pcesvn: 10, tdx: [0], status: "UpToDate"),
        ])
        #expect(mixed.tcbLevels.map(\.tcbStatus) == ["UpToDate", "OutOfDate"])
    }

    @Test("duplicated TCB levels or module levels, empty level lists and SVNs out of range are collateral-invalid")
    func malformedLevels() throws {
        let twice = S.level(tdx: [5, 0, 3], status: "UpToDate")
        #expect(dcapErrorCode { _ = try S.tcbInfo([twice, twice]) } == .collateralInvalid)
        #expect(dcapErrorCode { _ = try S.tcbInfo([]) } == .collateralInvalid)
        #expect(dcapErrorCode { _ = try S.tcbInfo([S.level(tdx: [256], status: "UpToDate")]) } == .collateralInvalid)
        let duplicated = S.identity("TDX_01", levels: [(4, "UpToDate", nil), (4, "OutOfDate", nil)])
        #expect(dcapErrorCode { _ = try S.tcbInfo([twice], identities: [duplicated]) } == .collateralInvalid)
        #expect(dcapErrorCode { _ = try S.tcbInfo([twice], identities: [S.identity("TDX_01", levels: [])]) } == .collateralInvalid)
        #expect(dcapErrorCode { _ = try S.tcbInfo([twice], identities: []) } == .collateralInvalid)
    }

    @Test("a TCB level status Intel does not define is collateral-invalid")
    func unknownLevelStatus() throws {
        let info = try S.tcbInfo([S.level(tdx: [0], status: "TDRelaunchAdvised")])
        #expect(S.errorCode(info, S.body([5, 0, 3])) == .collateralInvalid)
    }

    // MARK: - module identity (QuoteVerifier.cpp 4.1.2.4.11, TdxModuleCheck.cpp)

    @Test("major version > 0 without tdxModuleIdentities is refused (collateral-invalid)")
    func missingIdentities() throws {
        let info = try S.tcbInfo([S.level(tdx: [0], status: "UpToDate")], identities: nil)
        #expect(S.errorCode(info, S.body([4, 1, 3])) == .collateralInvalid)
        // Major version 0 does not need them.
        #expect(try S.evaluate(info, S.body([4, 0, 3])).status == .upToDate)
    }

    @Test("major version > 0 without the TDX_%02X identity of that version is refused (tcb-not-supported)")
    func missingIdentityForVersion() throws {
        let info = try S.tcbInfo([S.level(tdx: [0], status: "UpToDate")])
        #expect(S.errorCode(info, S.body([4, 2, 3])) == .tcbNotSupported)
    }

    @Test("the identity id is TDX_ and the major version as two upper-case hex digits, matched upper-cased")
    func identityIdFormat() throws {
        let info = try S.tcbInfo(
            [S.level(tdx: [0], status: "UpToDate")],
            identities: [S.identity("tdx_0a", levels: [(1, "OutOfDate", nil)]), S.tdx01])
        let result = try S.evaluate(info, S.body([1, 10, 3]))
        #expect(result.moduleIdentity == "tdx_0a" && result.moduleStatus == .outOfDate)
        #expect(DCAPVerifier.moduleIdentityId(10) == "TDX_0A")
        #expect(S.errorCode(info, S.body([1, 0x10, 3])) == .tcbNotSupported)  // TDX_10 is not TDX_0A
    }

    @Test("the module SVN selects the identity's first level (by ISVSVN, highest first) at or below it")
    func moduleLevelByISVSVN() throws {
        let info = try S.tcbInfo(
            [S.level(tdx: [0], status: "UpToDate")],
            identities: [S.identity("TDX_01", levels: [(2, "OutOfDate", ["INTEL-SA-01036"]), (4, "UpToDate", nil)])])
        #expect(try S.evaluate(info, S.body([9, 1])).moduleStatus == .upToDate)
        #expect(try S.evaluate(info, S.body([4, 1])).moduleStatus == .upToDate)
        let old = try S.evaluate(info, S.body([3, 1]))
        #expect(old.moduleStatus == .outOfDate && old.status == .outOfDate)
        #expect(old.advisoryIds == ["INTEL-SA-01036"])
        #expect(S.errorCode(info, S.body([1, 1])) == .tcbNotSupported)  // below every level
    }

    @Test("a module level status other than UpToDate, OutOfDate or Revoked is collateral-invalid")
    func moduleLevelStatuses() throws {
        let info = try S.tcbInfo(
            [S.level(tdx: [0], status: "UpToDate")],
            identities: [S.identity("TDX_01", levels: [(1, "ConfigurationNeeded", nil)])])
        #expect(S.errorCode(info, S.body([4, 1])) == .collateralInvalid)
    }

    @Test("MRSIGNERSEAM must equal the mrsigner of the identity for the major version (tdxModule's for 0)")
    func mrSignerSeam() throws {
        let info = try S.tcbInfo(
            [S.level(tdx: [0], status: "UpToDate")],
            identities: [S.identity("TDX_01", mrsigner: S.otherSigner, levels: [(1, "UpToDate", nil)])])
        let other = [UInt8](repeating: 0x11, count: 48), zero = [UInt8](repeating: 0, count: 48)
        #expect(try S.evaluate(info, S.body([4, 1], mrSignerSeam: other)).status == .upToDate)
        #expect(S.errorCode(info, S.body([4, 1], mrSignerSeam: zero)) == .chainInvalid)
        #expect(try S.evaluate(info, S.body([4, 0], mrSignerSeam: zero)).status == .upToDate)
        #expect(S.errorCode(info, S.body([4, 0], mrSignerSeam: other)) == .chainInvalid)
    }

    @Test("SEAMATTRIBUTES must be zero and equal to the identity's attributes; Intel does not apply the mask")
    func seamAttributes() throws {
        let info = try S.tcbInfo(
            [S.level(tdx: [0], status: "UpToDate")],
            identities: [S.identity("TDX_01", mask: "0000000000000000", levels: [(1, "UpToDate", nil)])])
        #expect(try S.evaluate(info, S.body([4, 1])).status == .upToDate)
        // The mask would hide this bit; Intel's check (4.1.2.4.11.2) still refuses it.
        #expect(S.errorCode(info, S.body([4, 1], seamAttributes: [1, 0, 0, 0, 0, 0, 0, 0])) == .chainInvalid)
        #expect(S.errorCode(info, S.body([4, 0], seamAttributes: [0, 0, 0, 0, 0, 0, 0, 0x80])) == .chainInvalid)
        // Non-zero expected attributes can never match.
        let nonZero = try S.tcbInfo(
            [S.level(tdx: [0], status: "UpToDate")],
            identities: [S.identity("TDX_01", attributes: "0100000000000000", levels: [(1, "UpToDate", nil)])])
        #expect(S.errorCode(nonZero, S.body([4, 1], seamAttributes: [1, 0, 0, 0, 0, 0, 0, 0])) == .chainInvalid)
    }

    // MARK: - combining statuses (convergeTcbStatusWithTdxModuleStatus, convergeTcbStatusWithQeTcbStatus)

    @Test(
        "an OutOfDate module: UpToDate/SWHardeningNeeded -> OutOfDate, Configuration* -> OutOfDateConfigurationNeeded, others kept",
        arguments: [
            ("UpToDate", DCAPTCBStatus.outOfDate), ("SWHardeningNeeded", .outOfDate),
            ("ConfigurationNeeded", .outOfDateConfigurationNeeded),
            ("ConfigurationAndSWHardeningNeeded", .outOfDateConfigurationNeeded),
            ("OutOfDate", .outOfDate), ("OutOfDateConfigurationNeeded", .outOfDateConfigurationNeeded),
            ("Revoked", .revoked),
        ])
    func outOfDateModule(level: String, expected: DCAPTCBStatus) throws {
        let info = try S.tcbInfo([S.level(tdx: [0], status: level)])
        let result = try S.evaluate(info, S.body([3, 1]))  // TDX_01: SVN 3 is OutOfDate
        #expect(result.moduleStatus == .outOfDate)
        #expect(result.tcbLevelStatus.rawValue == level)
        #expect(result.status == expected)
    }

    @Test(
        "a Revoked module makes any platform Revoked; an UpToDate module changes nothing",
        arguments: ["UpToDate", "SWHardeningNeeded", "ConfigurationNeeded", "OutOfDate"])
    func revokedModule(level: String) throws {
        let info = try S.tcbInfo(
            [S.level(tdx: [0], status: level)],
            identities: [S.identity("TDX_01", levels: [(4, "UpToDate", nil), (1, "Revoked", nil)])])
        #expect(try S.evaluate(info, S.body([2, 1])).status == .revoked)
        #expect(try S.evaluate(info, S.body([4, 1])).status.rawValue == level)
    }

    @Test("the QE's status folds in last: OutOfDate (or any status but UpToDate and Revoked) ages the platform, Revoked revokes it")
    func qeStatus() throws {
        let info = try S.tcbInfo([S.level(tdx: [0], status: "ConfigurationNeeded")])
        #expect(try S.evaluate(info, S.body([4, 1]), qe: .outOfDate).status == .outOfDateConfigurationNeeded)
        #expect(try S.evaluate(info, S.body([4, 1]), qe: .configurationNeeded).status == .outOfDateConfigurationNeeded)
        #expect(try S.evaluate(info, S.body([4, 1]), qe: .revoked).status == .revoked)
        #expect(try S.evaluate(info, S.body([4, 1]), qe: .upToDate).status == .configurationNeeded)
    }

    @Test("advisory ids: the TCB level's and the module level's together")
    func advisories() throws {
        let info = try S.tcbInfo([S.level(tdx: [0], status: "SWHardeningNeeded", advisories: ["INTEL-SA-00615"])])
        #expect(try S.evaluate(info, S.body([3, 1])).advisoryIds == ["INTEL-SA-00615", "INTEL-SA-01036"])
        #expect(try S.evaluate(info, S.body([4, 1])).advisoryIds == ["INTEL-SA-00615"])
    }

    // MARK: - TD 1.5 relaunch (TDRelaunchCheck.cpp, checkForRelaunch)

    /// A platform whose current level needs TDX component 2 at 3, a TD launched on TDX_01 SVN 3
    /// (OutOfDate), TDX_01 current from SVN 4.
    static func relaunchInfo(level: String = "UpToDate") throws -> TCBInfo {
        try S.tcbInfo(
            [S.level(tdx: [5, 0, 3], status: level)],
            identities: [S.tdx01, S.identity("TDX_02", levels: [(7, "UpToDate", nil), (5, "OutOfDate", nil)])])
    }

    @Test("TD 1.5: TEE_TCB_SVN_2 with module major version > 0 at its identity's newest level and byte 2 current: TDRelaunchAdvised")
    func relaunchAdvisedByIdentity() throws {
        let info = try Self.relaunchInfo()
        let result = try S.evaluate(info, S.body([3, 1, 3], svn2: [4, 1, 3]))
        #expect(result.status == .tdRelaunchAdvised && result.relaunchAdvised)
        #expect(result.moduleStatus == .outOfDate)  // the module the TD was launched on
        #expect(try S.evaluate(info, S.body([3, 1, 3], svn2: [7, 2, 3])).status == .tdRelaunchAdvised)
        // Not yet current: module SVN below TDX_02's newest (7), or byte 2 below the level's 3.
        #expect(try S.evaluate(info, S.body([3, 1, 3], svn2: [6, 2, 3])).status == .outOfDate)
        #expect(try S.evaluate(info, S.body([3, 1, 3], svn2: [4, 1, 2])).status == .outOfDate)
    }

    @Test("TD 1.5: TEE_TCB_SVN_2 with major version 0 is compared with the newest level's TDX components 0 and 2")
    func relaunchAdvisedMajorZero() throws {
        let info = try Self.relaunchInfo()
        #expect(try S.evaluate(info, S.body([3, 1, 3], svn2: [5, 0, 3])).status == .tdRelaunchAdvised)
        #expect(try S.evaluate(info, S.body([3, 1, 3], svn2: [4, 0, 3])).status == .outOfDate)
    }

    @Test("TD 1.5: relaunch advised on a platform needing configuration is TDRelaunchAdvisedConfigurationNeeded")
    func relaunchAdvisedConfigurationNeeded() throws {
        let info = try Self.relaunchInfo(level: "ConfigurationNeeded")
        let result = try S.evaluate(info, S.body([3, 1, 3], svn2: [4, 1, 3]))
        #expect(result.status == .tdRelaunchAdvisedConfigurationNeeded && result.relaunchAdvised)
    }

    @Test("TD 1.5: no relaunch unless the QE is UpToDate, the SGX level current enough, the result OutOfDate* and the module OutOfDate")
    func relaunchPreconditions() throws {
        let info = try Self.relaunchInfo()
        // QE out of date.
        #expect(try S.evaluate(info, S.body([3, 1, 3], svn2: [4, 1, 3]), qe: .outOfDate).status == .outOfDate)
        // Module current: the TCB level decides (UpToDate), nothing to relaunch for.
        #expect(try S.evaluate(info, S.body([4, 1, 3], svn2: [4, 1, 3])).status == .upToDate)
        // Platform itself OutOfDate (SGX level OutOfDate), module OutOfDate: stays OutOfDate.
        let oldPlatform = try Self.relaunchInfo(level: "OutOfDate")
        #expect(try S.evaluate(oldPlatform, S.body([3, 1, 3], svn2: [4, 1, 3])).status == .outOfDate)
        // Major version 0: no module status, so never a relaunch.
        let info0 = try S.tcbInfo([
            S.level(tdx: [5, 0, 3], status: "UpToDate"),
            S.level(tdx: [3, 0, 3], status: "OutOfDate", date: "2023-01-01T00:00:00Z"),
        ])
        #expect(try S.evaluate(info0, S.body([3, 0, 3], svn2: [5, 0, 3])).status == .outOfDate)
        // A TD 1.0 body has no TEE_TCB_SVN_2.
        #expect(try S.evaluate(info, S.body([3, 1, 3])).status == .outOfDate)
    }

    @Test("TD 1.5: TEE_TCB_SVN_2 naming a module version without identity is refused (tcb-not-supported)")
    func relaunchUnknownIdentity() throws {
        let info = try Self.relaunchInfo()
        #expect(S.errorCode(info, S.body([3, 1, 3], svn2: [9, 3, 3])) == .tcbNotSupported)
    }

    @Test("TD 1.5: the default TDX policy refuses a relaunch-advised TD; naming TDRelaunchAdvised accepts it")
    func relaunchPolicy() throws {
        let sample = try DCAPSample.load("tdx-phala-b0c06f")
        var claims = try sample.verifier().verifyTDX(sample.evidence, at: sample.validAt)
        claims.status = .tdRelaunchAdvised
        #expect(claims.relaunchAdvised)
        #expect(dcapErrorCode { try TDXPolicy(mrTd: claims.mrTd).check(claims) } == .tcbStatusNotAccepted)
        #expect(dcapErrorCode { try EvidencePolicy().check(claims) } == .tcbStatusNotAccepted)
        #expect(throws: Never.self) {
            try TDXPolicy(mrTd: claims.mrTd, acceptedTCBStatuses: ["UpToDate", "TDRelaunchAdvised"]).check(claims)
        }
    }
}
